import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic, readFileIfExists } from './atomicFile';
import { airlockConfigDir, type Plan, type PlanEntry } from './plan';
import { writeApprovalLock } from './approvalLock';
import { canonicalText, parseCanonicalText, planHashOf, policyHash, type EnforcedPolicy, type Mode } from './enforcedPolicy';

/**
 * Approvals live on the host, under $XDG_CONFIG_HOME/airlock/approvals/, outside anything the
 * container can write: the project's airlock.yaml is only a proposal until a person approves it.
 */
export interface ApprovedEntry extends PlanEntry {
	readonly approvedBy: string;
	readonly approvedAt: string;
	/** Why this host is allowed: the reasons written in the policy files, or the approver's note. */
	readonly why: string;
}

export interface ApprovalRecord {
	readonly version: 1;
	readonly workspace: string;
	readonly planHash: string;
	readonly mode: Mode;
	readonly approvedBy: string;
	readonly approvedAt: string;
	readonly note?: string;
	/** The canonical policy text that was approved; with `terms` its hash must equal planHash. */
	readonly canonicalPolicy: string;
	/** The plan's terms (see `planHashOf`); absent in records written before terms existed. */
	readonly terms?: readonly string[];
	/** `terms` repeats the record's terms so the plan can be diffed on its own (absent: none). */
	readonly plan: { readonly mode: Mode; readonly hash: string; readonly entries: readonly ApprovedEntry[]; readonly notes: readonly string[]; readonly terms?: readonly string[] };
}

/**
 * An approval, read and verified once: the record, the policy it approves, the exact text the
 * proxy is sent, and both hashes. The editor and the CLI pass this one object to
 * `enforceApproved` (extension/docker) instead of re-reading and re-parsing the record.
 */
export interface ApprovedPolicy {
	readonly record: ApprovalRecord;
	readonly policy: EnforcedPolicy;
	/** Canonical policy text: what `airlock-ctl apply` receives. */
	readonly text: string;
	/** What was approved: the policy and the terms. */
	readonly planHash: string;
	/** What the proxy must report after an apply. */
	readonly policyHash: string;
	readonly terms: readonly string[];
	readonly approvedAt: string;
	readonly approvedBy: string;
}

export class ApprovalRecordError extends Error {
	constructor(readonly file: string, message: string) {
		super(`${file}: ${message}`);
	}
}

function realWorkspace(workspace: string): string {
	try {
		return fs.realpathSync(workspace);
	} catch {
		return path.resolve(workspace);
	}
}

/** `<basename>-<first 12 hex of sha256(real path)>`, per docs/architecture.md §4. */
export function workspaceKey(workspace: string): string {
	const real = realWorkspace(workspace);
	const base = path.basename(real).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
	return `${base}-${createHash('sha256').update(real).digest('hex').slice(0, 12)}`;
}

export function approvalFile(workspace: string, env: NodeJS.ProcessEnv = process.env): string {
	return path.join(airlockConfigDir(env), 'approvals', `${workspaceKey(workspace)}.json`);
}

/** Who is approving: the OS user and host, or AIRLOCK_APPROVER when set (e.g. in CI). */
export function currentApprover(env: NodeJS.ProcessEnv = process.env): string {
	if (env.AIRLOCK_APPROVER) {
		return env.AIRLOCK_APPROVER;
	}
	let user = env.USER || env.USERNAME || 'unknown';
	try {
		user = os.userInfo().username;
	} catch {
		// No passwd entry (e.g. a random uid in a container): keep the environment's name.
	}
	return `${user}@${os.hostname()}`;
}

/** The last approval for the workspace, or undefined. A corrupt or tampered record throws. */
export function readApproval(workspace: string, env: NodeJS.ProcessEnv = process.env): ApprovalRecord | undefined {
	const file = approvalFile(workspace, env);
	const text = readFileIfExists(file);
	if (text === undefined) {
		return undefined;
	}
	let record: ApprovalRecord;
	try {
		record = JSON.parse(text) as ApprovalRecord;
	} catch (err) {
		throw new ApprovalRecordError(file, `not valid JSON (${(err as Error).message}); approve again with \`airlock approve\``);
	}
	if (record.version !== 1 || typeof record.canonicalPolicy !== 'string' || typeof record.planHash !== 'string' || !record.plan || !Array.isArray(record.plan.entries)) {
		throw new ApprovalRecordError(file, 'not an Airlock approval record (version 1); approve again with `airlock approve`');
	}
	let policy: EnforcedPolicy;
	try {
		policy = parseCanonicalText(record.canonicalPolicy);
	} catch (err) {
		throw new ApprovalRecordError(file, `its approved policy is unreadable (${(err as Error).message}); approve again with \`airlock approve\``);
	}
	if (record.terms !== undefined && (!Array.isArray(record.terms) || record.terms.some((t) => typeof t !== 'string'))) {
		throw new ApprovalRecordError(file, 'its terms are not a list of strings; approve again with `airlock approve`');
	}
	if (planHashOf(policy, record.terms ?? []) !== record.planHash) {
		throw new ApprovalRecordError(file, 'its approved policy does not match its hash (edited by hand?); approve again with `airlock approve`');
	}
	return record;
}

/** The approval as one verified object (see ApprovedPolicy), or undefined when nothing is approved. */
export function approvedPolicyOf(record: ApprovalRecord): ApprovedPolicy {
	const policy = parseCanonicalText(record.canonicalPolicy);
	return {
		record,
		policy,
		text: canonicalText(policy),
		planHash: record.planHash,
		policyHash: policyHash(policy),
		terms: [...(record.terms ?? [])],
		approvedAt: record.approvedAt,
		approvedBy: record.approvedBy,
	};
}

export function readApprovedPolicy(workspace: string, env: NodeJS.ProcessEnv = process.env): ApprovedPolicy | undefined {
	const record = readApproval(workspace, env);
	return record ? approvedPolicyOf(record) : undefined;
}

/**
 * Records that `approvedBy` approved `plan`: on the host (the record enforcement reads) and as
 * `.devcontainer/airlock.lock` in the workspace (the committed copy `airlock check` reads in CI).
 * Entries approved before keep their original approver and time; new or changed entries are
 * attributed to this approval.
 */
export function recordApproval(workspace: string, plan: Plan, who: { approvedBy?: string; note?: string; now?: Date } = {}, env: NodeJS.ProcessEnv = process.env): ApprovalRecord {
	const previous = safeReadApproval(workspace, env);
	const approvedBy = who.approvedBy ?? currentApprover(env);
	const approvedAt = (who.now ?? new Date()).toISOString();
	const before = new Map((previous?.plan.entries ?? []).map((e) => [e.host, e]));
	const entries: ApprovedEntry[] = plan.entries.map((e) => {
		const old = before.get(e.host);
		const unchanged = old && old.web === e.web && old.ports.join(',') === e.ports.join(',');
		if (unchanged) {
			return { ...e, approvedBy: old.approvedBy, approvedAt: old.approvedAt, why: old.why };
		}
		const why = e.reasons.length > 0 ? e.reasons.join('; ') : who.note ?? `from ${e.sources.join(', ')}`;
		return { ...e, approvedBy, approvedAt, why };
	});
	const record: ApprovalRecord = {
		version: 1,
		workspace: realWorkspace(workspace),
		planHash: plan.hash,
		mode: plan.mode,
		approvedBy,
		approvedAt,
		...(who.note ? { note: who.note } : {}),
		canonicalPolicy: canonicalText(plan.policy),
		...(plan.terms.length > 0 ? { terms: [...plan.terms] } : {}),
		plan: { mode: plan.mode, hash: plan.hash, entries, notes: [...plan.notes], ...(plan.terms.length > 0 ? { terms: [...plan.terms] } : {}) },
	};
	writeFileAtomic(approvalFile(workspace, env), JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
	// The committed record (for review and for `airlock check` in CI); enforcement never reads it.
	writeApprovalLock(workspace, record);
	return record;
}

function safeReadApproval(workspace: string, env: NodeJS.ProcessEnv): ApprovalRecord | undefined {
	try {
		return readApproval(workspace, env);
	} catch (err) {
		if (err instanceof ApprovalRecordError) {
			// A broken old record must not block a fresh approval; it is replaced whole.
			return undefined;
		}
		throw err;
	}
}
