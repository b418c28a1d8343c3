import * as path from 'node:path';
import { formatProblem } from '../core/errors';
import { FINDING_KINDS, acceptedIdsOf, examineWorkspace, examineWorkspaceSafely, findingLocation, findingToJson, refusalText, unacceptedBlockers, type ContainerExamination, type ExaminationOutcome, type Finding, type FindingId } from '../core/findings';
import { resolvePlan, type Acceptance, type PlanDiff } from '../core/plan';
import { PROJECT_POLICY_PATH } from '../core/policyFile';
import { CliError, EXIT_CHECK_FAILED } from './command';

/*
 * The container findings in the terminal: `airlock plan` lists them after the hosts, `approve`
 * shows them with the diff, `check` and `up` refuse an unaccepted blocker, `status` names what
 * the approved plan accepts. docs/policy.md ("Container findings").
 */

function label(f: Finding): string {
	if (f.severity === 'blocker') {
		return f.accepted ? 'accepted' : 'BLOCKER';
	}
	return f.accepted ? 'accepted' : 'warning';
}

/** The findings as lines for people: severity, id, location, then the sentence. */
export function formatFindings(outcome: ExaminationOutcome, acceptances: readonly Acceptance[] = []): string {
	if (outcome.problems) {
		return ['Container: not examined, its configuration does not parse:', ...outcome.problems.map((p) => `  ${formatProblem(p)}`)].join('\n');
	}
	const ex = outcome.examination;
	const blockers = ex.findings.filter((f) => f.severity === 'blocker');
	const warnings = ex.findings.length - blockers.length;
	const where = ex.configExists ? ex.configFile : `${ex.configFile} (not created yet)`;
	const lines = [`Container findings for ${where}: ${blockers.length} blocker${blockers.length === 1 ? '' : 's'} (${blockers.filter((f) => f.accepted).length} accepted), ${warnings} warning${warnings === 1 ? '' : 's'}`];
	if (ex.findings.length === 0) {
		lines.push('  (none: nothing in the configuration goes around the proxy)');
	}
	const width = Math.max(0, ...ex.findings.map((f) => f.id.length));
	for (const f of ex.findings) {
		lines.push(`  ${label(f).padEnd(8)}  ${f.id.padEnd(width)}  ${findingLocation(f)}`);
		lines.push(`            ${f.detail}`);
		for (const a of acceptances.filter((x) => x.finding === f.id)) {
			lines.push(`            accepted in ${a.file}:${a.line}:${a.column}: "${a.reason}"`);
		}
	}
	for (const a of acceptances.filter((x) => !ex.findings.some((f) => f.id === x.finding))) {
		lines.push(`  note: ${a.file}:${a.line}:${a.column} accepts ${a.finding}, which the configuration does not have now.`);
	}
	for (const note of ex.notes) {
		lines.push(`  note: ${note}`);
	}
	const open = unacceptedBlockers(ex);
	if (open.length > 0) {
		lines.push(`  \`airlock up\`, \`airlock check\` and the editor's Approve refuse until each blocker is removed from the configuration or accepted in ${PROJECT_POLICY_PATH} (accept: [{ finding: ID, reason: "…" }]).`);
	}
	return lines.join('\n');
}

/** `findings` for `airlock plan --json` (an empty list, plus the problems, when the configuration does not parse). */
export function findingsJson(outcome: ExaminationOutcome): { findings: ReturnType<typeof findingToJson>[]; containerProblems?: string[] } {
	return outcome.problems
		? { findings: [], containerProblems: outcome.problems.map(formatProblem) }
		: { findings: outcome.examination.findings.map(findingToJson) };
}

/** Lines for the diff: what an acceptance lets the agent do, like a risky host's note. */
export function acceptanceDiffLines(diff: PlanDiff): string[] {
	return [
		...(diff.acceptancesAdded ?? []).map((id: FindingId) => `  + accept ${id}  (container finding)\n      ! ${FINDING_KINDS[id].risk}`),
		...(diff.acceptancesRemoved ?? []).map((id: FindingId) => `  - accept ${id}  (the configuration must not have it any more)`),
	];
}

/**
 * Refuses (exit 1) when the configuration has a blocker the approved plan does not accept:
 * `airlock up` and `airlock check` call this with the approved plan's terms.
 */
export function refuseUnacceptedBlockers(workspace: string, approvedTerms: readonly string[], proposedTerms: readonly string[] = []): ContainerExamination {
	const examination = examineWorkspace(workspace, { accepted: approvedTerms });
	const blockers = unacceptedBlockers(examination);
	if (blockers.length > 0) {
		// airlock.yaml may already accept it: then only the approval is missing, and the next step says so.
		const proposed = examineWorkspace(workspace, { accepted: proposedTerms, editorChannels: false });
		const onlyApprovalMissing = unacceptedBlockers(proposed).length === 0;
		throw new CliError(refusalText(blockers, path.join(workspace, PROJECT_POLICY_PATH)), EXIT_CHECK_FAILED, onlyApprovalMissing
			? 'airlock.yaml accepts these, but the approved plan does not yet: review and approve it with `airlock approve`'
			: 'remove each setting named above, or accept it in airlock.yaml and run `airlock approve`; `airlock plan` lists every finding');
	}
	return examination;
}


/** The current airlock.yaml's terms, or none when it does not parse (the refusal then names only the approval). */
function proposedTermsOf(workspace: string, env: NodeJS.ProcessEnv): readonly string[] {
	try {
		return resolvePlan(workspace, env).terms;
	} catch {
		return [];
	}
}

/**
 * `airlock up`'s first check, before anything is written or started: refuses an unaccepted
 * blocker (exit 1, with its location and both ways out), otherwise says what is accepted.
 */
export function checkContainerBeforeUp(workspace: string, env: NodeJS.ProcessEnv, approvedTerms: readonly string[], say: (line: string) => void): void {
	const examination = refuseUnacceptedBlockers(workspace, approvedTerms, proposedTermsOf(workspace, env));
	const accepted = examination.findings.filter((f) => f.severity === 'blocker' && f.accepted);
	const warnings = examination.findings.filter((f) => f.severity === 'warning').length;
	if (accepted.length > 0 || warnings > 0) {
		const parts = [
			...(accepted.length > 0 ? [`accepted by the approved plan: ${accepted.map((f) => `${f.id} (${findingLocation(f)})`).join(', ')}`] : []),
			...(warnings > 0 ? [`${warnings} warning${warnings === 1 ? '' : 's'}`] : []),
		];
		say(`Container findings: ${parts.join('; ')}. \`airlock plan\` lists them.`);
	}
}

/** For `airlock status`: the findings the approved plan accepts, with where each is now. */
export function acceptedFindingLines(workspace: string, approvedTerms: readonly string[]): { lines: string[]; ids: FindingId[] } {
	const accepted = acceptedIdsOf(approvedTerms);
	if (accepted.length === 0) {
		return { lines: [], ids: [] };
	}
	const outcome = examineWorkspaceSafely(workspace, { accepted: approvedTerms });
	const lines = accepted.map((id) => {
		const here = outcome.examination?.findings.filter((f) => f.id === id) ?? [];
		const where = here.length > 0 ? here.map(findingLocation).join(', ') : 'not in the configuration now';
		return `accepted:  ${id} — ${FINDING_KINDS[id].risk} (${where})`;
	});
	return { lines, ids: accepted };
}

/** Re-exported so the commands take everything about findings from one place. */
export { examineWorkspaceSafely };
