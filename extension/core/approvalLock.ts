import * as path from 'node:path';
import { readFileIfExists, writeFileAtomic } from './atomicFile';
import { planHashOf, parseCanonicalText, policyHash, type EnforcedPolicy, type Mode } from './enforcedPolicy';
import { lineColumnAt, type SourceProblem } from './errors';
import type { ApprovalRecord } from './approvals';
import type { Plan, PlanEntry } from './plan';
import type { PolicyFile } from './policyFile';

/**
 * `.devcontainer/airlock.lock`: the approved plan as a committed record, for review in the
 * repository and for `airlock check` on machines that hold no approval of their own (CI).
 *
 * It never makes a container enforce anything: enforcement reads only the approval on the host
 * (`$XDG_CONFIG_HOME/airlock/approvals/`), which nothing in the repository or the container
 * can write. A lock file that was edited, or that disagrees with `airlock.yaml` or
 * `devcontainer.json`, only makes `check` fail.
 */
export const APPROVAL_LOCK_PATH = path.join('.devcontainer', 'airlock.lock');

export interface LockedEntry {
	readonly host: string;
	readonly web: boolean;
	readonly ports: readonly number[];
	readonly sources: readonly string[];
	readonly why: string;
	readonly approvedBy: string;
	readonly approvedAt: string;
}

export interface ApprovalLock {
	readonly version: 1;
	readonly planHash: string;
	readonly policyHash: string;
	readonly mode: Mode;
	readonly terms: readonly string[];
	readonly approvedBy: string;
	readonly approvedAt: string;
	readonly entries: readonly LockedEntry[];
	/** The canonical policy text, one line per element (readable diffs in review). */
	readonly policy: readonly string[];
}

export function approvalLockFile(workspace: string): string {
	return path.join(workspace, APPROVAL_LOCK_PATH);
}

/** The lock's text for an approval: stable key order, one entry per line group, LF. */
export function approvalLockText(record: ApprovalRecord): string {
	const policyText = record.canonicalPolicy;
	const policy = parseCanonicalText(policyText);
	const lock = {
		comment: 'Written by `airlock approve`: the approved Airlock plan, for review and for `airlock check` in CI. It enforces nothing by itself; edits make `airlock check` fail.',
		version: 1,
		planHash: record.planHash,
		policyHash: policyHash(policy),
		mode: record.mode,
		terms: [...(record.terms ?? [])],
		approvedBy: record.approvedBy,
		approvedAt: record.approvedAt,
		entries: record.plan.entries.map((e) => ({ host: e.host, web: e.web, ports: [...e.ports], sources: [...e.sources], why: e.why, approvedBy: e.approvedBy, approvedAt: e.approvedAt })),
		policy: policyText.replace(/\n$/, '').split('\n'),
	};
	return JSON.stringify(lock, null, 2) + '\n';
}

export function writeApprovalLock(workspace: string, record: ApprovalRecord): string {
	const file = approvalLockFile(workspace);
	writeFileAtomic(file, approvalLockText(record), { mode: 0o644 });
	return file;
}

const FIX_APPROVE = 'run `airlock approve` on a machine that approves this repository, and commit .devcontainer/airlock.lock';

function problem(file: string, text: string, offset: number, message: string, hint: string, entry?: string): SourceProblem {
	return { file, ...lineColumnAt(text, Math.max(0, offset)), message, hint, ...(entry === undefined ? {} : { entry }) };
}

export type LockRead =
	| { readonly kind: 'missing'; readonly file: string }
	| { readonly kind: 'invalid'; readonly file: string; readonly problems: readonly SourceProblem[] }
	| { readonly kind: 'ok'; readonly file: string; readonly text: string; readonly lock: ApprovalLock; readonly policy: EnforcedPolicy };

/** Reads and verifies the lock: well formed, and its hashes match its own policy and terms. */
export function readApprovalLock(workspace: string): LockRead {
	const file = approvalLockFile(workspace);
	const text = readFileIfExists(file);
	if (text === undefined) {
		return { kind: 'missing', file };
	}
	const invalid = (offset: number, message: string): LockRead => ({ kind: 'invalid', file, problems: [problem(file, text, offset, message, FIX_APPROVE)] });
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (err) {
		const at = /position (\d+)/.exec((err as Error).message);
		return invalid(at ? Number(at[1]) : 0, `not valid JSON (${(err as Error).message})`);
	}
	const v = value as Partial<ApprovalLock> | null;
	const strings = (xs: unknown): xs is string[] => Array.isArray(xs) && xs.every((x) => typeof x === 'string');
	if (v === null || typeof v !== 'object' || v.version !== 1 || typeof v.planHash !== 'string' || typeof v.policyHash !== 'string' || (v.mode !== 'enforce' && v.mode !== 'audit')
		|| !strings(v.terms) || !strings(v.policy) || !Array.isArray(v.entries) || typeof v.approvedBy !== 'string' || typeof v.approvedAt !== 'string') {
		return invalid(0, 'not an Airlock approval lock (version 1 with planHash, policyHash, mode, terms, entries and policy)');
	}
	for (const e of v.entries as unknown[]) {
		const entry = e as Partial<LockedEntry> | null;
		if (entry === null || typeof entry !== 'object' || typeof entry.host !== 'string' || typeof entry.web !== 'boolean' || !Array.isArray(entry.ports) || !entry.ports.every((p) => Number.isInteger(p)) || !strings(entry.sources)) {
			return invalid(text.indexOf('"entries"'), `an entry is not {host, web, ports, sources, …}: ${JSON.stringify(e)}`);
		}
	}
	let policy: EnforcedPolicy;
	try {
		policy = parseCanonicalText(v.policy.join('\n') + '\n');
	} catch (err) {
		return invalid(text.indexOf('"policy"'), `its policy is not canonical policy text: ${(err as Error).message}`);
	}
	if (policyHash(policy) !== v.policyHash || planHashOf(policy, v.terms) !== v.planHash) {
		return invalid(text.indexOf('"planHash"'), 'its hashes do not match its own policy and terms (edited by hand?)');
	}
	return { kind: 'ok', file, text, lock: v as ApprovalLock, policy };
}

/** Where `airlock.yaml` lists `host`, for pointing at it. */
function entryPosition(files: readonly (PolicyFile | undefined)[], host: string): { file: string; line: number; column: number } | undefined {
	for (const f of files) {
		const e = f?.allow.find((a) => a.host === host);
		if (f && e) {
			return { file: f.file, line: e.line, column: e.column };
		}
	}
	return undefined;
}

function portsText(e: Pick<PlanEntry, 'web' | 'ports'>): string {
	return [...(e.web ? [80, 443] : []), ...e.ports].join(',') || 'none';
}

/**
 * Compares the plan this machine resolves (without the approver's personal layer, in CI) with
 * the committed lock. Every host the plan gives must be in the lock with the same ports; a host
 * only the lock has must come from the approver's user layer alone; the plan's terms must be in
 * the lock; the mode must be the lock's (or the lock's is stricter, from the user layer).
 */
export function compareWithLock(plan: Plan, read: Extract<LockRead, { kind: 'ok' }>, projectFile: PolicyFile | undefined): SourceProblem[] {
	const problems: SourceProblem[] = [];
	const locked = new Map(read.lock.entries.map((e) => [e.host, e]));
	const planned = new Map(plan.entries.map((e) => [e.host, e]));
	const approveHint = 'review and approve the change with `airlock approve`, then commit .devcontainer/airlock.lock';
	for (const e of plan.entries) {
		const l = locked.get(e.host);
		const where = entryPosition([projectFile], e.host) ?? { file: projectFile?.file ?? read.file, line: 1, column: 1 };
		if (l === undefined) {
			problems.push({ ...where, entry: e.host, message: `${e.host} (from ${e.sources.join(', ')}) is not in the approved plan recorded in ${APPROVAL_LOCK_PATH}`, hint: approveHint });
		} else if (l.web !== e.web || l.ports.join(',') !== e.ports.join(',')) {
			problems.push({ ...where, entry: e.host, message: `${e.host} allows ports ${portsText(e)} here, but ${portsText(l)} in the approved plan recorded in ${APPROVAL_LOCK_PATH}`, hint: approveHint });
		}
	}
	for (const l of read.lock.entries) {
		if (!planned.has(l.host) && !(l.sources.length > 0 && l.sources.every((s) => s === 'user'))) {
			problems.push(problem(read.file, read.text, read.text.indexOf(`"host": ${JSON.stringify(l.host)}`), `${l.host} (from ${l.sources.join(', ')}) is in the approved plan, but airlock.yaml and its presets no longer give it`, approveHint, l.host));
		}
	}
	for (const t of plan.terms) {
		if (!read.lock.terms.includes(t)) {
			problems.push({ file: projectFile?.file ?? read.file, line: 1, column: 1, entry: t, message: `"${t}" is not in the approved plan recorded in ${APPROVAL_LOCK_PATH}`, hint: approveHint });
		}
	}
	if (plan.mode !== read.lock.mode && read.lock.mode !== 'enforce') {
		problems.push(problem(read.file, read.text, read.text.indexOf('"mode"'), `mode is ${plan.mode} here, but ${read.lock.mode} in the approved plan`, approveHint, 'mode'));
	}
	return problems;
}

/**
 * Brings the committed lock in step with this machine's approval when that cannot lose anyone's
 * approval: written when missing or when it records the same plan differently; left alone (and
 * reported) when it records another plan, which only a new `airlock approve` may replace.
 */
export function syncApprovalLock(workspace: string, record: ApprovalRecord): { readonly state: 'written' | 'in-step' | 'other-approval'; readonly file: string; readonly other?: ApprovalLock } {
	const read = readApprovalLock(workspace);
	if (read.kind === 'ok' && read.lock.planHash !== record.planHash) {
		return { state: 'other-approval', file: read.file, other: read.lock };
	}
	if (read.kind === 'ok' && read.text === approvalLockText(record)) {
		return { state: 'in-step', file: read.file };
	}
	return { state: 'written', file: writeApprovalLock(workspace, record) };
}
