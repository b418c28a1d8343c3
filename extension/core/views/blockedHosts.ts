/**
 * Blocked requests, aggregated per host for the tree and the status bar. Structural input type
 * so any proxy log entry (core/proxyLog.ts) fits without this file depending on the parser.
 */
export interface BlockedRequestLike {
	/** Seconds since the epoch. */
	readonly time: number;
	readonly method: string;
	readonly host: string;
	readonly port: number;
	readonly verdict: 'allow' | 'deny';
	readonly enforced: boolean;
	readonly rule: string;
}

export interface BlockedHostSummary {
	readonly host: string;
	readonly count: number;
	/** Milliseconds since the epoch. */
	readonly lastSeen: number;
	readonly ports: readonly number[];
	readonly rules: readonly string[];
	/** False when every request was only audited (audit mode let it through). */
	readonly enforced: boolean;
}

interface Tally {
	count: number;
	lastSeen: number;
	ports: Set<number>;
	rules: Set<string>;
	enforced: boolean;
}

export class BlockedHostTally {
	private readonly byHost = new Map<string, Tally>();
	private total = 0;

	/** Counts a denied request. Returns whether it was counted and whether the host is new. */
	record(request: BlockedRequestLike): { counted: boolean; newHost: boolean } {
		if (request.verdict !== 'deny') {
			return { counted: false, newHost: false };
		}
		const host = request.host.toLowerCase();
		let tally = this.byHost.get(host);
		const newHost = tally === undefined;
		if (!tally) {
			tally = { count: 0, lastSeen: 0, ports: new Set(), rules: new Set(), enforced: false };
			this.byHost.set(host, tally);
		}
		tally.count++;
		tally.lastSeen = Math.max(tally.lastSeen, Math.round(request.time * 1000));
		tally.ports.add(request.port);
		tally.rules.add(request.rule);
		tally.enforced ||= request.enforced;
		this.total++;
		return { counted: true, newHost };
	}

	get totalBlocked(): number {
		return this.total;
	}

	get hostCount(): number {
		return this.byHost.size;
	}

	/** Most recently seen first; ties by host name so the order is stable. */
	list(): BlockedHostSummary[] {
		return [...this.byHost.entries()]
			.map(([host, t]) => ({ host, count: t.count, lastSeen: t.lastSeen, ports: [...t.ports].sort((a, b) => a - b), rules: [...t.rules].sort(), enforced: t.enforced }))
			.sort((a, b) => b.lastSeen - a.lastSeen || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
	}

	get(host: string): BlockedHostSummary | undefined {
		return this.list().find((s) => s.host === host.toLowerCase());
	}

	clear(): void {
		this.byHost.clear();
		this.total = 0;
	}
}

/** "3 blocked · last 14:02:11" for the tree item's description. */
export function blockedHostDescription(summary: BlockedHostSummary, formatTime: (ms: number) => string): string {
	const ports = summary.ports.filter((p) => p !== 443 && p !== 80);
	const portText = ports.length > 0 ? ` · port ${ports.join(', ')}` : '';
	const verb = summary.enforced ? 'blocked' : 'would block';
	return `${summary.count} ${verb}${portText} · last ${formatTime(summary.lastSeen)}`;
}

/**
 * Says when a notification may be shown for a newly blocked host: at most one per interval,
 * so a burst of new hosts gives one notification, not a flood. Time is passed in.
 */
export class NotificationThrottle {
	private lastShown = Number.NEGATIVE_INFINITY;
	private suppressed = 0;

	constructor(private readonly intervalMs: number) {}

	/** True when a notification may be shown now; otherwise counts it as suppressed. */
	tryShow(nowMs: number): boolean {
		if (nowMs - this.lastShown >= this.intervalMs) {
			this.lastShown = nowMs;
			return true;
		}
		this.suppressed++;
		return false;
	}

	/** How many were held back since the last call (and resets the count). */
	takeSuppressed(): number {
		const n = this.suppressed;
		this.suppressed = 0;
		return n;
	}
}
