/** Findings about the container itself (docs/policy.md "Container findings"). Pure Node: no editor, no Docker. */
export { FINDING_IDS, FINDING_KINDS, acceptTerm, acceptedIdsOf, isFindingId, type FindingId, type FindingKind, type Severity } from './catalog';
export { examineWorkspace, examineWorkspaceSafely, type ExaminationOutcome, examineConfiguration, unacceptedBlockers, findingToJson, findingLocation, acceptSnippet, refusalText, type ContainerExamination, type ExamineOptions, type Finding } from './examine';
export { severityOf, severityReason, type AgentAccess } from './severity';
export { SINGLE_CONTAINER, type LockTopology } from './topology';
