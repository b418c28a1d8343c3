import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { readFileIfExists, writeFileAtomic } from './atomicFile';
import { workspaceKey } from './approvals';
import { checkHost, isCoveredByWildcard } from './hostname';
import { airlockConfigDir } from './plan';
import type { EnforcedPolicy } from './enforcedPolicy';
import type { ProxyLogEntry } from './proxyLog';
import { cleanUntrustedText, percentDecodeUtf8 } from './untrustedText';

/**
 * Access requests: the agent asks for a host, with a reason (`airlock-request HOST[:PORT] --why
 * TEXT` in the container). The request travels through the proxy to a reserved name, which the
 * proxy refuses and logs with rule `access-request` and the request in `ask`
 * (docs/architecture.md, "Access requests"); the editor and the CLI read it from the log they
 * already follow, in every topology.
 *
 * Everything here treats the request as untrusted: anyone in the container can write that log
 * line without the command. So the host checks it again with the full grammar, caps its text,
 * keeps at most MAX_PENDING waiting, accepts at most MAX_NEW_PER_MINUTE new ones a minute, and
 * never approves one by itself. A rejected request is not raised again for REJECT_COOLDOWN_MS.
 *
 * The book of requests lives on the host per workspace, under
 * $XDG_CONFIG_HOME/airlock/requests/<workspace-key>.json (written atomically).
 */

/** The name the proxy answers itself (lib/squid.sh, AIRLOCK_REQUEST_NAME). */
export const REQUEST_HOST = 'request.airlock.invalid';
export const MAX_WHY_CHARS = 300;
export const MAX_PENDING = 50;
export const MAX_NEW_PER_MINUTE = 10;
/** How long a rejected request stays quiet when the agent asks again. */
export const REJECT_COOLDOWN_MS = 24 * 60 * 60 * 1000;
/** Decided requests kept for the record (the oldest go first). */
const MAX_KEPT = 500;

export type RequestState = 'pending' | 'approved' | 'rejected';

export interface AccessRequest {
	/** Stable for a host and port: `r` + 8 hex digits. */
	readonly id: string;
	/** Canonical, checked with the full host grammar. */
	readonly host: string;
	/** A tunnel port; undefined for the web ports (80 and 443). */
	readonly port?: number;
	/** The agent's reason, cleaned (one line, capped, no markup). */
	readonly why: string;
	/** Milliseconds since the epoch, from the proxy log. */
	readonly firstSeen: number;
	readonly lastSeen: number;
	/** How many times the agent asked. */
	readonly count: number;
	readonly state: RequestState;
	readonly decidedAt?: number;
	readonly decidedBy?: string;
}

export interface RequestBookData {
	readonly version: 1;
	readonly requests: readonly AccessRequest[];
	/** Requests the host refused to queue, by reason. */
	readonly ignored: { readonly malformed: number; readonly overLimit: number; readonly rateLimited: number };
	/** The last log time read (ms) and how many entries at exactly that time were read. */
	readonly watermark: { readonly time: number; readonly atTime: number };
}

export type ParsedAsk = { ok: true; host: string; port?: number; why: string } | { ok: false; problem: string };

/**
 * Reads the `ask` field of a log line: `v=1;host=HOST;port=PORT;why=TEXT`, percent-encoded by
 * the command and once more by the proxy's log format.
 */
export function parseAsk(ask: string): ParsedAsk {
	const text = percentDecodeUtf8(ask);
	const m = /^v=1;host=([^;]{1,300});port=([0-9]{0,5});why=([^;]*)$/.exec(text);
	if (!m) {
		return { ok: false, problem: 'not an airlock-request request (expected v=1;host=…;port=…;why=…)' };
	}
	const checked = checkHost(m[1]);
	if (!checked.ok) {
		return { ok: false, problem: `the host cannot be allowed: ${checked.message}` };
	}
	let port: number | undefined;
	if (m[2] !== '') {
		const n = Number(m[2]);
		if (!/^[1-9][0-9]{0,4}$/.test(m[2]) || n > 65535) {
			return { ok: false, problem: `the port ${m[2]} is not 1-65535` };
		}
		port = n === 80 || n === 443 ? undefined : n;
	}
	const why = cleanUntrustedText(percentDecodeUtf8(m[3]), MAX_WHY_CHARS).text;
	if (why === '') {
		return { ok: false, problem: 'the request has no reason' };
	}
	return { ok: true, host: checked.host, ...(port !== undefined ? { port } : {}), why };
}

export function requestTarget(r: Pick<AccessRequest, 'host' | 'port'>): string {
	return r.port === undefined ? r.host : `${r.host}:${r.port}`;
}

export function requestId(host: string, port?: number): string {
	return 'r' + createHash('sha256').update(`${host}:${port ?? 'web'}`).digest('hex').slice(0, 8);
}

/** True when `policy` already lets `host` (on `port`, or the web ports) through. */
export function policyAllows(policy: Pick<EnforcedPolicy, 'rules'>, host: string, port?: number): boolean {
	return policy.rules.some((rule) => rule.port === port && (rule.host === host || isCoveredByWildcard(host, rule.host)));
}

export function emptyRequestBook(): RequestBookData {
	return { version: 1, requests: [], ignored: { malformed: 0, overLimit: 0, rateLimited: 0 }, watermark: { time: 0, atTime: 0 } };
}

export type IngestOutcome =
	| { kind: 'new'; request: AccessRequest }
	| { kind: 'repeat'; request: AccessRequest }
	| { kind: 'quiet'; request: AccessRequest; why: 'rejected-recently' | 'already-allowed' }
	| { kind: 'ignored'; why: 'not-a-request' | 'seen' | 'malformed' | 'over-limit' | 'rate-limited' | 'already-allowed'; problem?: string };

/**
 * The requests of one workspace, in memory. `ingest` reads one proxy log entry; reading the same
 * log again (the CLI reads it whole every time) changes nothing, thanks to the watermark.
 */
export class RequestBook {
	private requests: AccessRequest[];
	private ignored: { malformed: number; overLimit: number; rateLimited: number };
	private watermark: { time: number; atTime: number };
	/** Entries at the watermark's time seen in the current read. */
	private seenAtTime = 0;

	constructor(data: RequestBookData = emptyRequestBook()) {
		this.requests = [...data.requests];
		this.ignored = { ...data.ignored };
		this.watermark = { ...data.watermark };
	}

	toData(): RequestBookData {
		return { version: 1, requests: [...this.requests], ignored: { ...this.ignored }, watermark: { ...this.watermark } };
	}

	list(state?: RequestState): AccessRequest[] {
		return this.requests.filter((r) => state === undefined || r.state === state).sort((a, b) => b.lastSeen - a.lastSeen || (a.id < b.id ? -1 : 1));
	}

	get ignoredCounts(): { readonly malformed: number; readonly overLimit: number; readonly rateLimited: number } {
		return this.ignored;
	}

	/** By id (`r1a2b3c4d`) or by target (`api.example.com`, `git.example.com:22`). */
	find(idOrTarget: string): AccessRequest | undefined {
		const wanted = idOrTarget.trim().toLowerCase();
		return this.requests.find((r) => r.id === wanted || requestTarget(r) === wanted || (r.port === undefined && (`${r.host}:443` === wanted || `${r.host}:80` === wanted)));
	}

	/**
	 * One proxy log entry. `allowedNow` says whether the approved policy already allows a target
	 * (such requests are not raised). Entries must come in log order.
	 */
	ingest(entry: ProxyLogEntry, allowedNow: (host: string, port?: number) => boolean = () => false): IngestOutcome {
		if (entry.rule !== 'access-request' || entry.host !== REQUEST_HOST) {
			return { kind: 'ignored', why: 'not-a-request' };
		}
		const time = Math.round(entry.time * 1000);
		if (time < this.watermark.time) {
			return { kind: 'ignored', why: 'seen' };
		}
		if (time === this.watermark.time) {
			this.seenAtTime++;
			if (this.seenAtTime <= this.watermark.atTime) {
				return { kind: 'ignored', why: 'seen' };
			}
			this.watermark = { time, atTime: this.seenAtTime };
		} else {
			this.seenAtTime = 1;
			this.watermark = { time, atTime: 1 };
		}
		const parsed = entry.ask === undefined ? { ok: false as const, problem: 'the log line carries no request' } : parseAsk(entry.ask);
		if (!parsed.ok) {
			this.ignored.malformed++;
			return { kind: 'ignored', why: 'malformed', problem: parsed.problem };
		}
		const id = requestId(parsed.host, parsed.port);
		const existing = this.requests.find((r) => r.id === id);
		if (existing) {
			const updated: AccessRequest = { ...existing, why: parsed.why, lastSeen: Math.max(existing.lastSeen, time), count: existing.count + 1 };
			if (existing.state === 'pending') {
				this.replace(updated);
				return { kind: 'repeat', request: updated };
			}
			if (existing.state === 'rejected' && time < (existing.decidedAt ?? 0) + REJECT_COOLDOWN_MS) {
				this.replace(updated);
				return { kind: 'quiet', request: updated, why: 'rejected-recently' };
			}
			if (allowedNow(parsed.host, parsed.port)) {
				this.replace(updated);
				return { kind: 'quiet', request: updated, why: 'already-allowed' };
			}
			if (!this.admit(time)) {
				return { kind: 'ignored', why: this.pendingCount() >= MAX_PENDING ? 'over-limit' : 'rate-limited' };
			}
			const raised: AccessRequest = { id, host: parsed.host, ...(parsed.port !== undefined ? { port: parsed.port } : {}), why: parsed.why, firstSeen: time, lastSeen: time, count: existing.count + 1, state: 'pending' };
			this.replace(raised);
			return { kind: 'new', request: raised };
		}
		if (allowedNow(parsed.host, parsed.port)) {
			return { kind: 'ignored', why: 'already-allowed' };
		}
		if (!this.admit(time)) {
			return { kind: 'ignored', why: this.pendingCount() >= MAX_PENDING ? 'over-limit' : 'rate-limited' };
		}
		const request: AccessRequest = { id, host: parsed.host, ...(parsed.port !== undefined ? { port: parsed.port } : {}), why: parsed.why, firstSeen: time, lastSeen: time, count: 1, state: 'pending' };
		this.requests.push(request);
		this.trim();
		return { kind: 'new', request };
	}

	/** Records a person's decision. Returns the request, or undefined when there is none by that id. */
	decide(id: string, state: 'approved' | 'rejected', decidedBy: string, now = Date.now()): AccessRequest | undefined {
		const existing = this.requests.find((r) => r.id === id);
		if (!existing) {
			return undefined;
		}
		const decided: AccessRequest = { ...existing, state, decidedAt: now, decidedBy };
		this.replace(decided);
		return decided;
	}

	/** Marks pending requests the approved policy now allows as approved (an approval covered them). */
	reconcile(policy: Pick<EnforcedPolicy, 'rules'>, decidedBy: string, now = Date.now()): AccessRequest[] {
		const done: AccessRequest[] = [];
		for (const r of this.list('pending')) {
			if (policyAllows(policy, r.host, r.port)) {
				done.push(this.decide(r.id, 'approved', decidedBy, now) ?? r);
			}
		}
		return done;
	}

	private pendingCount(): number {
		return this.requests.filter((r) => r.state === 'pending').length;
	}

	/** At most MAX_PENDING waiting, and at most MAX_NEW_PER_MINUTE new ones in any minute of log time. */
	private admit(time: number): boolean {
		if (this.pendingCount() >= MAX_PENDING) {
			this.ignored.overLimit++;
			return false;
		}
		if (this.requests.filter((r) => r.firstSeen > time - 60_000 && r.firstSeen <= time).length >= MAX_NEW_PER_MINUTE) {
			this.ignored.rateLimited++;
			return false;
		}
		return true;
	}

	private replace(request: AccessRequest): void {
		this.requests = this.requests.map((r) => (r.id === request.id ? request : r));
	}

	private trim(): void {
		if (this.requests.length <= MAX_KEPT) {
			return;
		}
		const decided = this.requests.filter((r) => r.state !== 'pending').sort((a, b) => (a.decidedAt ?? a.lastSeen) - (b.decidedAt ?? b.lastSeen));
		const drop = new Set(decided.slice(0, this.requests.length - MAX_KEPT).map((r) => r.id));
		this.requests = this.requests.filter((r) => !drop.has(r.id));
	}
}

export function requestBookFile(workspace: string, env: NodeJS.ProcessEnv = process.env): string {
	return path.join(airlockConfigDir(env), 'requests', `${workspaceKey(workspace)}.json`);
}

function isRequest(value: unknown): value is AccessRequest {
	const r = value as AccessRequest;
	return typeof r === 'object' && r !== null && typeof r.id === 'string' && /^r[0-9a-f]{8}$/.test(r.id) && typeof r.host === 'string' && checkHost(r.host).ok
		&& (r.port === undefined || (Number.isInteger(r.port) && r.port > 0 && r.port < 65536)) && typeof r.why === 'string'
		&& typeof r.firstSeen === 'number' && typeof r.lastSeen === 'number' && typeof r.count === 'number' && ['pending', 'approved', 'rejected'].includes(r.state);
}

/** The workspace's book; a missing or unreadable file starts an empty one (it only holds requests, never approvals). */
export function readRequestBook(workspace: string, env: NodeJS.ProcessEnv = process.env): RequestBook {
	const text = readFileIfExists(requestBookFile(workspace, env));
	if (text === undefined) {
		return new RequestBook();
	}
	try {
		const data = JSON.parse(text) as RequestBookData;
		if (data.version !== 1 || !Array.isArray(data.requests)) {
			return new RequestBook();
		}
		return new RequestBook({
			version: 1,
			// Re-cleaned on the way in: the file is the host's, but the text came from the container.
			requests: data.requests.filter(isRequest).map((r) => ({ ...r, why: cleanUntrustedText(r.why, MAX_WHY_CHARS).text })),
			ignored: { malformed: Number(data.ignored?.malformed) || 0, overLimit: Number(data.ignored?.overLimit) || 0, rateLimited: Number(data.ignored?.rateLimited) || 0 },
			watermark: { time: Number(data.watermark?.time) || 0, atTime: Number(data.watermark?.atTime) || 0 },
		});
	} catch {
		return new RequestBook();
	}
}

export function writeRequestBook(workspace: string, book: RequestBook, env: NodeJS.ProcessEnv = process.env): void {
	writeFileAtomic(requestBookFile(workspace, env), JSON.stringify(book.toData(), null, 2) + '\n', { mode: 0o600 });
}

/** The reason that goes into airlock.yaml for an approved request. */
export function requestReason(r: Pick<AccessRequest, 'why'>): string {
	return `requested by the agent: ${r.why}`;
}
