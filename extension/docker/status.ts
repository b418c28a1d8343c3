/**
 * The JSON `airlock-ctl status --json` prints (docs/architecture.md §3), parsed strictly so a
 * caller can trust every field. Pure: unit-tested without Docker.
 */

export type LockState = 'locked' | 'weakened' | 'not-locked';

export interface AirlockStatus {
	readonly state: LockState;
	/** Why the state is not plainly `locked` (e.g. "sudo kept"), or null. */
	readonly reason: string | null;
	readonly mode: 'enforce' | 'audit';
	readonly policyHash: string;
	readonly hosts: number;
	readonly tunnels: number;
	readonly proxyPort: number;
	/** ISO-8601 time the state began. */
	readonly since: string;
}

/** Returns the status or a sentence saying which field is wrong. */
export function parseAirlockStatus(text: string): { status: AirlockStatus } | { problem: string } {
	let value: unknown;
	try {
		value = JSON.parse(text.trim());
	} catch (err) {
		return { problem: `status is not JSON (${(err as Error).message})` };
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return { problem: 'status is not a JSON object' };
	}
	const o = value as Record<string, unknown>;
	if (o.state !== 'locked' && o.state !== 'weakened' && o.state !== 'not-locked') {
		return { problem: `status.state is ${JSON.stringify(o.state)}, expected "locked", "weakened" or "not-locked"` };
	}
	if (o.reason !== null && typeof o.reason !== 'string') {
		return { problem: 'status.reason is neither a string nor null' };
	}
	if (o.mode !== 'enforce' && o.mode !== 'audit') {
		return { problem: `status.mode is ${JSON.stringify(o.mode)}, expected "enforce" or "audit"` };
	}
	if (typeof o.policyHash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(o.policyHash)) {
		return { problem: `status.policyHash is ${JSON.stringify(o.policyHash)}, expected "sha256:" and 64 hex digits` };
	}
	for (const key of ['hosts', 'tunnels'] as const) {
		const n = o[key];
		if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
			return { problem: `status.${key} is ${JSON.stringify(n)}, expected a whole number` };
		}
	}
	const port = o.proxyPort;
	if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
		return { problem: `status.proxyPort is ${JSON.stringify(port)}, expected a port number` };
	}
	if (typeof o.since !== 'string' || Number.isNaN(Date.parse(o.since))) {
		return { problem: `status.since is ${JSON.stringify(o.since)}, expected an ISO-8601 time` };
	}
	return {
		status: {
			state: o.state,
			reason: o.reason,
			mode: o.mode,
			policyHash: o.policyHash,
			hosts: o.hosts as number,
			tunnels: o.tunnels as number,
			proxyPort: port,
			since: o.since,
		},
	};
}

/** True when egress is locked down (possibly weakened by sudo, which the user chose). */
export function isLocked(status: AirlockStatus): boolean {
	return status.state === 'locked' || status.state === 'weakened';
}
