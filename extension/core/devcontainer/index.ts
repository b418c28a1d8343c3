/** devcontainer.json generation and checking (see docs/architecture.md §2). Pure Node: no editor, no Docker. */
export { PUBLISHED_FEATURE_ID, DEFAULT_IMAGE, DEFAULT_PROXY_PORT, COMPOSE_OVERRIDE_NAME, type FeatureSource, type GenerateOptions, type FeatureOptions } from './desired';
export { locateDevcontainer, type DevcontainerLocation } from './locate';
export { planDevcontainer, writeDevcontainer, type GeneratePlan, type ComposeOverridePlan } from './generate';
export { checkDevcontainer, type DevcontainerCheck, type CheckOptions } from './check';
