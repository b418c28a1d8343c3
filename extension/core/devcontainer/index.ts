/** devcontainer.json generation and checking (see docs/architecture.md §2). Pure Node: no editor, no Docker. */
export { DEFAULT_IMAGE, DEFAULT_PROXY_PORT, COMPOSE_OVERRIDE_NAME, type GenerateOptions, type FeatureOptions } from './desired';
export { decideFeatureSource, featureRefProblem, localFeatureCopyDir, shippedFeatureDir, airlockVersion, type FeatureSource, type FeatureDecision } from './featureSource';
export { inspectCopy, featureContentHash, STAMP_FILE, type CopyState, type FeatureStamp } from './featureCopy';
export { locateDevcontainer, type DevcontainerLocation } from './locate';
export { planDevcontainer, writeDevcontainer, featureDecisionFor, type GeneratePlan, type ComposeOverridePlan } from './generate';
export { checkDevcontainer, type DevcontainerCheck, type CheckOptions } from './check';
