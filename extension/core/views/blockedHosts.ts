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

	/**
	 * Drops the hosts the policy now allows (after an approved change was applied), so the list
	 * keeps only what is still blocked. Returns the hosts dropped.
	 */
	forgetAllowed(rules: readonly AllowRule[]): string[] {
		const dropped: string[] = [];
		for (const [host, tally] of this.byHost) {
			if (nowAllowed(host, tally, rules)) {
				this.byHost.delete(host);
				this.total -= tally.count;
				dropped.push(host);
			}
		}
		return dropped;
	}

	get(host: string): BlockedHostSummary | undefined {
		return this.list().find((s) => s.host === host.toLowerCase());
	}

	clear(): void {
		this.byHost.clear();
		this.total = 0;
	}
}

/** One rule of an enforced policy: a host (or `*.domain`), with a CONNECT port or the web ports. */
export interface AllowRule {
	readonly host: string;
	readonly port?: number;
}

const WEB_PORTS: readonly number[] = [80, 443];
/** Blocks that allowing the host (and port) cures; an IP literal or a private address stays blocked whatever is allowed. */
const CURABLE_RULES = new Set(['not-allowlisted', 'port-not-allowed']);

function hostMatches(pattern: string, host: string): boolean {
	return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : pattern === host;
}

function nowAllowed(host: string, tally: { ports: Set<number>; rules: Set<string> }, rules: readonly AllowRule[]): boolean {
	if (![...tally.rules].every((r) => CURABLE_RULES.has(r))) {
		return false;
	}
	const matching = rules.filter((r) => hostMatches(r.host, host));
	return [...tally.ports].every((port) => matching.some((r) => (r.port === undefined ? WEB_PORTS.includes(port) : r.port === port)));
}

/**
 * The domain of the hosts `airlock-ctl verify` asks the proxy for (its "proxy-denied-host"
 * probe, `blocked.airlock-verify.invalid`, in devcontainer-feature/src/airlock/bin/airlock-ctl).
 * Those blocks are Airlock proving itself, not requests of the user's, so the views leave them out.
 */
export const VERIFY_PROBE_DOMAIN = 'airlock-verify.invalid';

export function isVerifyProbe(host: string): boolean {
	const h = host.toLowerCase().replace(/\.$/, '');
	return h === VERIFY_PROBE_DOMAIN || h.endsWith(`.${VERIFY_PROBE_DOMAIN}`);
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

const PLAIN_REASONS: Readonly<Record<string, string>> = {
	'not-allowlisted': 'it is not in the approved allowlist',
	'port-not-allowed': 'this port is not approved for it',
	'ip-literal': 'the request named an IP address instead of a host name',
	'private-destination': 'it leads to a private or internal address',
	'method-not-allowed': 'the proxy takes only HTTPS tunnels to port 443 and plain HTTP to port 80',
};

/** "HTTPS" for a tunnel to 443, "HTTP" for port 80, else "port N". */
function requestKind(request: Pick<BlockedRequestLike, 'method' | 'port'>): string {
	if (request.port === 443 && request.method === 'CONNECT') {
		return 'HTTPS';
	}
	if (request.port === 80 && request.method !== 'CONNECT') {
		return 'HTTP';
	}
	return `port ${request.port}`;
}

/**
 * A blocked request in plain words for a notification: "evil.example was blocked (HTTPS): it is
 * not in the approved allowlist." (the output channel keeps the proxy's terms).
 */
export function describeBlockedRequest(request: Pick<BlockedRequestLike, 'host' | 'method' | 'port' | 'enforced' | 'rule'>): string {
	const reason = PLAIN_REASONS[request.rule] ?? 'the proxy refused it';
	const kind = requestKind(request);
	return request.enforced
		? `${request.host} was blocked (${kind}): ${reason}.`
		: `${request.host} would be blocked in enforce mode (${kind}): ${reason}. Audit mode let it through.`;
}
