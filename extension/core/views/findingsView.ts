import * as path from 'node:path';
import { FINDING_KINDS, examineWorkspaceSafely, unacceptedBlockers, type ExaminationOutcome, type FindingId, type Severity } from '../findings';
import type { Acceptance, Plan } from '../plan';
import { HOST_CODE_COST } from '../findings/safeDefaults';

/**
 * The container findings group of the plan webview (media/plan.js): plain JSON-safe data. It
 * sits above the hosts while a blocker is not accepted (that is what stops Approve), below them
 * otherwise.
 */
export interface FindingRowView {
	readonly id: FindingId;
	readonly title: string;
	readonly severity: Severity;
	readonly accepted: boolean;
	/** Absolute file, 1-based line and column, for "open at". */
	readonly file: string;
	readonly line: number;
	readonly column: number;
	/** `.devcontainer/devcontainer.json:4:13`, relative to the workspace when inside it. */
	readonly location: string;
	readonly setting: string;
	readonly detail: string;
	/** Why the project accepts it (`accept:` in airlock.yaml), when it does. */
	readonly acceptedBecause?: string;
	/** A safe default Airlock can write for it, and what it costs (host-code-writable, image and Dockerfile configs). */
	readonly offer?: { readonly action: 'protectHostCode'; readonly label: string; readonly cost: string };
}

export interface FindingsView {
	readonly placement: 'above-hosts' | 'below-hosts';
	readonly headline: string;
	/** Blockers not accepted: Approve refuses while this is above 0. */
	readonly openBlockers: number;
	readonly acceptedBlockers: number;
	readonly warnings: number;
	readonly rows: readonly FindingRowView[];
	/** The configuration did not parse: each problem with where it is. */
	readonly problems: readonly { readonly message: string; readonly file: string; readonly line: number; readonly column: number }[];
	/** Acceptances in airlock.yaml for ids the configuration does not have now. */
	readonly unusedAcceptances: readonly string[];
}

function relative(workspace: string, file: string): string {
	const rel = path.relative(workspace, file);
	return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function buildFindingsView(outcome: ExaminationOutcome, acceptances: readonly Acceptance[], workspace: string): FindingsView {
	if (outcome.problems) {
		return {
			placement: 'above-hosts',
			headline: 'The dev container configuration could not be examined: it does not parse. Approve is refused until it does.',
			openBlockers: 0, acceptedBlockers: 0, warnings: 0, rows: [], unusedAcceptances: [],
			problems: outcome.problems.map((p) => ({ message: `${relative(workspace, p.file)}:${p.line}:${p.column}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`, file: p.file, line: p.line, column: p.column })),
		};
	}
	const ex = outcome.examination;
	const rows: FindingRowView[] = ex.findings.map((f) => {
		const because = acceptances.find((a) => a.finding === f.id)?.reason;
		return {
			id: f.id, title: FINDING_KINDS[f.id].title, severity: f.severity, accepted: f.accepted,
			file: f.file, line: f.line, column: f.column, location: `${relative(workspace, f.file)}:${f.line}:${f.column}`,
			setting: f.setting, detail: f.detail, ...(f.accepted && because !== undefined ? { acceptedBecause: because } : {}),
			...(f.id === 'host-code-writable' && ex.configExists && ex.configKind !== 'compose' ? { offer: { action: 'protectHostCode' as const, label: 'Keep Them Read-Only', cost: `Adds read-only binds to devcontainer.json; ${HOST_CODE_COST}.` } } : {}),
		};
	});
	const openBlockers = unacceptedBlockers(ex).length;
	const acceptedBlockers = ex.findings.filter((f) => f.severity === 'blocker' && f.accepted).length;
	const warnings = ex.findings.filter((f) => f.severity === 'warning').length;
	const headline = openBlockers > 0
		? `${openBlockers} setting${openBlockers === 1 ? '' : 's'} in the dev container configuration defeat${openBlockers === 1 ? 's' : ''} the egress lock. Approve is refused until each is removed, or accepted in airlock.yaml with a reason.`
		: acceptedBlockers > 0
			? `${acceptedBlockers} setting${acceptedBlockers === 1 ? '' : 's'} that defeat${acceptedBlockers === 1 ? 's' : ''} the lock ${acceptedBlockers === 1 ? 'is' : 'are'} accepted on purpose; ${warnings} warning${warnings === 1 ? '' : 's'}.`
			: warnings > 0 ? `No setting defeats the lock; ${warnings} warning${warnings === 1 ? '' : 's'} to know about.` : 'Nothing in the configuration goes around the proxy.';
	return {
		placement: openBlockers > 0 ? 'above-hosts' : 'below-hosts',
		headline, openBlockers, acceptedBlockers, warnings, rows, problems: [],
		unusedAcceptances: acceptances.filter((a) => !ex.findings.some((f) => f.id === a.finding)).map((a) => `${relative(workspace, a.file)}:${a.line}:${a.column} accepts ${a.finding}, which the configuration does not have now.`),
	};
}

/** The findings group for a plan review of `workspace` (acceptances from the plan under review). */
export function findingsViewFor(workspace: string, plan: Pick<Plan, 'terms' | 'acceptances'>): FindingsView {
	return buildFindingsView(examineWorkspaceSafely(workspace, { accepted: plan.terms }), plan.acceptances ?? [], workspace);
}

