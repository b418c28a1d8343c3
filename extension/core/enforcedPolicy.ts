import { createHash } from 'node:crypto';

/**
 * The enforced policy: what the container is told to allow, with no provenance.
 * Its canonical text is the one format that crosses from host to container
 * (docs/architecture.md §2), and its hash is the plan hash.
 */
export type Mode = 'enforce' | 'audit';

/** One allow rule. `port` undefined means the web ports (80 plain HTTP, 443 CONNECT). */
export interface EnforcedRule {
	readonly host: string;
	readonly port?: number;
}

export interface EnforcedPolicy {
	readonly mode: Mode;
	readonly rules: readonly EnforcedRule[];
	/**
	 * Wildcards (`*.x.y`, each also allowed by a rule) whose exfiltration-suspect names are let
	 * through and flagged instead of refused. Travel as `exfil-warn HOST` lines, so the approval
	 * and the policy hash cover them; absent or empty for most policies.
	 */
	readonly exfilWarn?: readonly string[];
}

export const CANONICAL_HEADER = 'airlock-policy 1';

export function ruleText(rule: EnforcedRule): string {
	return rule.port === undefined ? rule.host : `${rule.host}:${rule.port}`;
}

/** Bytewise comparison, the order `LC_ALL=C sort` gives inside the container. */
function compareBytes(a: string, b: string): number {
	return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function canonicalText(policy: EnforcedPolicy): string {
	// "allow" sorts before "exfil-warn", so one bytewise sort keeps the allow lines first.
	const lines = [...new Set([...policy.rules.map((r) => `allow ${ruleText(r)}`), ...(policy.exfilWarn ?? []).map((h) => `exfil-warn ${h}`)])].sort(compareBytes);
	return [CANONICAL_HEADER, `mode ${policy.mode}`, ...lines].join('\n') + '\n';
}

export function policyHash(policy: EnforcedPolicy): string {
	return 'sha256:' + createHash('sha256').update(canonicalText(policy), 'utf8').digest('hex');
}

/**
 * The plan hash: what a person approves. It covers the enforced policy and the plan's terms,
 * lines that are approved with the hosts but never sent to the proxy (for example which
 * topology holds the lock, or a container finding accepted on purpose). With no terms it is
 * the policy hash itself, so approvals recorded before terms existed stay valid.
 */
export function planHashOf(policy: EnforcedPolicy, terms: readonly string[]): string {
	if (terms.length === 0) {
		return policyHash(policy);
	}
	const termLines = [...new Set(terms)].sort(compareBytes).map((t) => `term ${t}`);
	return 'sha256:' + createHash('sha256').update(canonicalText(policy) + termLines.join('\n') + '\n', 'utf8').digest('hex');
}

/** The Feature's `allow` option: comma-separated `HOST` and `HOST:PORT` items, sorted. */
export function featureAllowOption(policy: EnforcedPolicy): string {
	return [...new Set(policy.rules.map(ruleText))].sort(compareBytes).join(',');
}

/** The Feature's `exfilWarn` option: comma-separated wildcards, sorted; empty for most policies. */
export function featureExfilWarnOption(policy: EnforcedPolicy): string {
	return [...new Set(policy.exfilWarn ?? [])].sort(compareBytes).join(',');
}

export class CanonicalTextError extends Error {
	constructor(readonly line: number, message: string) {
		super(`line ${line}: ${message}`);
	}
}

/**
 * Reads canonical text back (e.g. the container's live policy, for drift checks).
 * Hosts are not re-validated here; callers that enforce must run them through the grammar.
 */
export function parseCanonicalText(text: string): EnforcedPolicy {
	const lines = text.split('\n');
	if (lines[lines.length - 1] === '') {
		lines.pop();
	}
	if (lines[0] !== CANONICAL_HEADER) {
		throw new CanonicalTextError(1, `expected "${CANONICAL_HEADER}"`);
	}
	const modeMatch = /^mode (enforce|audit)$/.exec(lines[1] ?? '');
	if (!modeMatch) {
		throw new CanonicalTextError(2, 'expected "mode enforce" or "mode audit"');
	}
	const rules: EnforcedRule[] = [];
	const exfilWarn: string[] = [];
	for (let i = 2; i < lines.length; i++) {
		const warn = /^exfil-warn (\*\.[^\s:]+)$/.exec(lines[i]);
		if (warn) {
			exfilWarn.push(warn[1]);
			continue;
		}
		const m = /^allow ([^\s:]+)(?::([0-9]{1,5}))?$/.exec(lines[i]);
		if (!m) {
			throw new CanonicalTextError(i + 1, `expected "allow HOST", "allow HOST:PORT" or "exfil-warn *.HOST", got ${JSON.stringify(lines[i])}`);
		}
		const port = m[2] === undefined ? undefined : Number(m[2]);
		if (port !== undefined && (port < 1 || port > 65535)) {
			throw new CanonicalTextError(i + 1, `port ${port} is outside 1-65535`);
		}
		rules.push(port === undefined ? { host: m[1] } : { host: m[1], port });
	}
	return { mode: modeMatch[1] as Mode, rules, ...(exfilWarn.length > 0 ? { exfilWarn } : {}) };
}
