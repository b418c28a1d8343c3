import * as path from 'node:path';
import { readFileIfExists, writeFileAtomic } from './atomicFile';
import { workspaceKey } from './approvals';
import { isCoveredByWildcard } from './hostname';
import { airlockConfigDir, type PlanEntry } from './plan';
import type { ProxyLogEntry } from './proxyLog';

/**
 * How much each allowlist entry is used, from the proxy log: per host and port, how many
 * requests went through and when the last one did. Kept on the host per workspace under
 * $XDG_CONFIG_HOME/airlock/usage/<workspace-key>.json (written atomically), so it outlives
 * container restarts and rebuilds. Reading the same log twice counts nothing twice: the store
 * keeps a watermark (the last log time read, and how many lines at exactly that time).
 */
export const MAX_TRACKED_TARGETS = 5000;
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface TargetUse {
	readonly count: number;
	/** Milliseconds since the epoch. */
	readonly last: number;
}

export interface UsageData {
	readonly version: 1;
	/** When tracking started for this workspace (ms). */
	readonly since: number;
	readonly watermark: { readonly time: number; readonly atTime: number };
	/** `host:port` → use. */
	readonly targets: Readonly<Record<string, TargetUse>>;
}

export class UsageBook {
	private since: number;
	private watermark: { time: number; atTime: number };
	private readonly targets: Map<string, TargetUse>;
	private seenAtTime = 0;

	constructor(data?: UsageData, now = Date.now()) {
		this.since = data?.since ?? now;
		this.watermark = { ...(data?.watermark ?? { time: 0, atTime: 0 }) };
		this.targets = new Map(Object.entries(data?.targets ?? {}));
	}

	get trackingSince(): number {
		return this.since;
	}

	toData(): UsageData {
		return { version: 1, since: this.since, watermark: { ...this.watermark }, targets: Object.fromEntries(this.targets) };
	}

	/** Counts one proxy log entry if it went through (entries in log order). Returns whether it counted. */
	ingest(entry: ProxyLogEntry): boolean {
		const time = Math.round(entry.time * 1000);
		if (time < this.watermark.time) {
			return false;
		}
		if (time === this.watermark.time) {
			this.seenAtTime++;
			if (this.seenAtTime <= this.watermark.atTime) {
				return false;
			}
			this.watermark = { time, atTime: this.seenAtTime };
		} else {
			this.seenAtTime = 1;
			this.watermark = { time, atTime: 1 };
		}
		if (entry.verdict !== 'allow') {
			return false;
		}
		const key = `${entry.host.toLowerCase()}:${entry.port}`;
		const before = this.targets.get(key);
		this.targets.set(key, { count: (before?.count ?? 0) + 1, last: Math.max(before?.last ?? 0, time) });
		if (!before && this.targets.size > MAX_TRACKED_TARGETS) {
			// Forget the target used longest ago.
			let oldest: string | undefined;
			let oldestTime = Infinity;
			for (const [k, v] of this.targets) {
				if (v.last < oldestTime) {
					oldest = k;
					oldestTime = v.last;
				}
			}
			if (oldest !== undefined) {
				this.targets.delete(oldest);
			}
		}
		return true;
	}

	/** Every tracked `host:port` with its use. */
	entries(): [string, TargetUse][] {
		return [...this.targets.entries()];
	}
}

export function usageFile(workspace: string, env: NodeJS.ProcessEnv = process.env): string {
	return path.join(airlockConfigDir(env), 'usage', `${workspaceKey(workspace)}.json`);
}

export function readUsageBook(workspace: string, env: NodeJS.ProcessEnv = process.env, now = Date.now()): UsageBook {
	const text = readFileIfExists(usageFile(workspace, env));
	if (text === undefined) {
		return new UsageBook(undefined, now);
	}
	try {
		const data = JSON.parse(text) as UsageData;
		if (data.version !== 1 || typeof data.targets !== 'object' || data.targets === null) {
			return new UsageBook(undefined, now);
		}
		const targets: Record<string, TargetUse> = {};
		for (const [k, v] of Object.entries(data.targets)) {
			if (/^[a-z0-9.*:[\]_-]{1,300}$/.test(k) && Number.isFinite(v?.count) && Number.isFinite(v?.last)) {
				targets[k] = { count: v.count, last: v.last };
			}
		}
		return new UsageBook({ version: 1, since: Number(data.since) || now, watermark: { time: Number(data.watermark?.time) || 0, atTime: Number(data.watermark?.atTime) || 0 }, targets }, now);
	} catch {
		return new UsageBook(undefined, now);
	}
}

export function writeUsageBook(workspace: string, book: UsageBook, env: NodeJS.ProcessEnv = process.env): void {
	writeFileAtomic(usageFile(workspace, env), JSON.stringify(book.toData()) + '\n', { mode: 0o600 });
}

export interface EntryUsage {
	readonly count: number;
	readonly lastUsed?: number;
	/** No use for `unusedAfterMs` (and tracking has run at least that long). */
	readonly unused: boolean;
	/** "used 12 times, last 2 days ago" / "not used in the 30 days tracked". */
	readonly text: string;
	/** For a wildcard: the names seen under it, most used first (at most 5). */
	readonly names: readonly string[];
}

function portsOf(entry: Pick<PlanEntry, 'web' | 'ports'>): Set<number> {
	return new Set([...(entry.web ? [80, 443] : []), ...entry.ports]);
}

export function ago(ms: number): string {
	const minutes = Math.floor(ms / 60_000);
	if (minutes < 1) {
		return 'just now';
	}
	if (minutes < 60) {
		return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
	}
	const hours = Math.floor(minutes / 60);
	if (hours < 48) {
		return `${hours} hour${hours === 1 ? '' : 's'} ago`;
	}
	return `${Math.floor(hours / 24)} days ago`;
}

function days(ms: number): string {
	const d = Math.round(ms / DAY_MS);
	if (ms >= DAY_MS) {
		return `${d} day${d === 1 ? '' : 's'}`;
	}
	const h = Math.max(1, Math.round(ms / 3_600_000));
	return `${h} hour${h === 1 ? '' : 's'}`;
}

/**
 * Use per plan entry: the requests that went through to a name the entry allows, on a port it
 * allows. An entry is unused when nothing used it for `unusedAfterMs` and tracking has run that
 * long (a fresh workspace has no unused entries yet, only "no use recorded yet").
 */
export function usageForEntries(entries: readonly PlanEntry[], book: UsageBook, unusedAfterMs: number, now = Date.now()): Map<string, EntryUsage> {
	const observed = book.entries().map(([key, use]) => {
		const colon = key.lastIndexOf(':');
		return { host: key.slice(0, colon), port: Number(key.slice(colon + 1)), use };
	});
	const tracked = now - book.trackingSince;
	const result = new Map<string, EntryUsage>();
	for (const entry of entries) {
		const ports = portsOf(entry);
		let count = 0;
		let last = 0;
		const names = new Map<string, number>();
		for (const o of observed) {
			if (!ports.has(o.port) || !(o.host === entry.host || (entry.wildcard && isCoveredByWildcard(o.host, entry.host)))) {
				continue;
			}
			count += o.use.count;
			last = Math.max(last, o.use.last);
			names.set(o.host, (names.get(o.host) ?? 0) + o.use.count);
		}
		const idle = count === 0 ? tracked : now - last;
		const unused = idle >= unusedAfterMs && tracked >= unusedAfterMs;
		let text: string;
		if (count === 0) {
			text = tracked >= unusedAfterMs ? `not used in the ${days(tracked)} tracked` : `no use recorded yet (tracking for ${days(tracked)})`;
		} else {
			text = `used ${count} time${count === 1 ? '' : 's'}, last ${ago(now - last)}`;
		}
		result.set(entry.host, {
			count,
			...(count > 0 ? { lastUsed: last } : {}),
			unused,
			text,
			names: entry.wildcard ? [...names.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5).map(([n]) => n) : [],
		});
	}
	return result;
}
