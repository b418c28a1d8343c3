/**
 * The proxy log inside the container: one JSON object per line (docs/architecture.md §3).
 * Parsing is tolerant of garbage (a half-written line, a Squid warning) and strict on types, so
 * a line that parses can be shown to the user without further checks.
 */

export type ProxyVerdict = 'allow' | 'deny';

export type ProxyRule =
	| 'allowlisted'
	| 'not-allowlisted'
	| 'ip-literal'
	| 'port-not-allowed'
	| 'private-destination'
	| 'method-not-allowed'
	| 'exfil-suspect'
	| 'access-request'
	| 'other';

const KNOWN_RULES: ReadonlySet<string> = new Set<ProxyRule>([
	'allowlisted',
	'not-allowlisted',
	'ip-literal',
	'port-not-allowed',
	'private-destination',
	'method-not-allowed',
	'exfil-suspect',
	'access-request',
	'other',
]);

/** The most signals a line may carry, and their shape (the scorer's names: `entropy`, `credential:github-token`). */
const MAX_SIGNALS = 16;
const SIGNAL = /^[a-z0-9][a-z0-9:-]{0,63}$/;
/** An `ask` field longer than this is not read: the proxy logs whatever header an agent sends. */
export const MAX_ASK_LENGTH = 8192;

export interface ProxyLogEntry {
	/** Seconds since the epoch, with fractions. */
	readonly time: number;
	readonly client: string;
	readonly method: string;
	readonly host: string;
	readonly port: number;
	/** What the policy says. */
	readonly verdict: ProxyVerdict;
	/** False in audit mode, where a `deny` verdict was let through and only logged. */
	readonly enforced: boolean;
	readonly rule: ProxyRule;
	readonly status: number;
	readonly bytes: number;
	/**
	 * The exfiltration scorer's signals for a name under an allowed wildcard (absent when not
	 * scored or benign). With rule `exfil-suspect` the request was refused (or, in audit mode,
	 * would have been); with `allowlisted` it went through under an `exfil: warn` wildcard.
	 */
	readonly exfil?: readonly string[];
	/** Rule `access-request` only: the agent's request, as logged (still percent-encoded, untrusted). */
	readonly ask?: string;
}

function isNonEmptyString(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
	return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Returns the entry, or undefined when the line is not a well-typed proxy log entry. */
export function parseProxyLogLine(line: string): ProxyLogEntry | undefined {
	const text = line.trim();
	if (!text.startsWith('{')) {
		return undefined;
	}
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return undefined;
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return undefined;
	}
	const o = value as Record<string, unknown>;
	if (typeof o.time !== 'number' || !Number.isFinite(o.time) || o.time < 0) {
		return undefined;
	}
	if (typeof o.client !== 'string' || !isNonEmptyString(o.method) || !isNonEmptyString(o.host)) {
		return undefined;
	}
	if (!isIntegerIn(o.port, 0, 65535) || !isIntegerIn(o.status, 0, 999) || !isIntegerIn(o.bytes, 0, Number.MAX_SAFE_INTEGER)) {
		return undefined;
	}
	if ((o.verdict !== 'allow' && o.verdict !== 'deny') || typeof o.enforced !== 'boolean' || typeof o.rule !== 'string') {
		return undefined;
	}
	// A rule name this version does not know (a newer Feature) still says "blocked": keep the line.
	const rule = KNOWN_RULES.has(o.rule) ? (o.rule as ProxyRule) : 'other';
	// Fields a Feature before exfiltration scoring does not write; anything odd in them is dropped.
	const signals = typeof o.exfil === 'string' && o.exfil !== '-' ? o.exfil.split(',').filter((x) => SIGNAL.test(x)).slice(0, MAX_SIGNALS) : [];
	const ask = rule === 'access-request' && typeof o.ask === 'string' && o.ask !== '-' && o.ask.length <= MAX_ASK_LENGTH ? o.ask : undefined;
	return {
		time: o.time,
		client: o.client,
		method: o.method,
		host: o.host,
		port: o.port,
		verdict: o.verdict,
		enforced: o.enforced,
		rule,
		status: o.status,
		bytes: o.bytes,
		...(signals.length > 0 ? { exfil: signals } : {}),
		...(ask !== undefined ? { ask } : {}),
	};
}

/**
 * Parses a chunk of log text; lines that are not entries are skipped and counted. `lines`
 * keeps each entry with the text it came from (for `--json`, which prints lines as written).
 */
export function parseProxyLog(text: string): { entries: ProxyLogEntry[]; lines: { entry: ProxyLogEntry; raw: string }[]; skipped: number } {
	const lines: { entry: ProxyLogEntry; raw: string }[] = [];
	let skipped = 0;
	for (const raw of text.split('\n')) {
		if (raw.trim() === '') {
			continue;
		}
		const entry = parseProxyLogLine(raw);
		if (entry) {
			lines.push({ entry, raw });
		} else {
			skipped++;
		}
	}
	return { entries: lines.map((l) => l.entry), lines, skipped };
}

/** True when the policy said no, whether or not the proxy enforced it (audit mode). */
export function isDenied(entry: ProxyLogEntry): boolean {
	return entry.verdict === 'deny';
}

const RULE_REASONS: Readonly<Record<ProxyRule, string>> = {
	'allowlisted': 'in allowlist',
	'not-allowlisted': 'not in allowlist',
	'ip-literal': 'IP address instead of a host name',
	'port-not-allowed': 'port not allowed for this host',
	'private-destination': 'private or internal address',
	'method-not-allowed': 'method not allowed',
	'exfil-suspect': 'looks like data leaving in the name or URL',
	'access-request': 'access request from the agent',
	'other': 'refused by the proxy',
};

/** Plain-language reason for the rule, e.g. "not in allowlist". */
export function ruleReason(rule: ProxyRule): string {
	return RULE_REASONS[rule];
}

function target(entry: ProxyLogEntry): string {
	// IPv6 literals need brackets so the port stays readable.
	const host = entry.host.includes(':') && !entry.host.startsWith('[') ? `[${entry.host}]` : entry.host;
	return `${host}:${entry.port}`;
}

/**
 * `BLOCKED CONNECT evil.example:443 — not in allowlist`; in audit mode, where the request went
 * through, `AUDIT (would block) CONNECT evil.example:443 — not in allowlist`.
 */
export function formatBlockedLine(entry: ProxyLogEntry): string {
	const head = entry.enforced ? 'BLOCKED' : 'AUDIT (would block)';
	const reason = entry.rule === 'other' ? `${ruleReason(entry.rule)} (HTTP ${entry.status})` : ruleReason(entry.rule);
	const signals = entry.exfil ? ` (${entry.exfil.join(', ')})` : '';
	return `${head} ${entry.method} ${target(entry)} — ${reason}${signals}`;
}

/** True when the scorer flagged the request: refused as a suspect, or let through under `exfil: warn`. */
export function isExfilSignal(entry: ProxyLogEntry): boolean {
	return entry.rule === 'exfil-suspect' || (entry.exfil !== undefined && entry.exfil.length > 0);
}

/** `ALLOWED CONNECT api.example.com:443 (HTTP 200, 5120 bytes)`. */
export function formatAllowedLine(entry: ProxyLogEntry): string {
	const warn = entry.exfil ? ` — exfiltration signals, let through (exfil: warn): ${entry.exfil.join(', ')}` : '';
	return `ALLOWED ${entry.method} ${target(entry)} (HTTP ${entry.status}, ${entry.bytes} bytes)${warn}`;
}

/** One line for either verdict. */
export function formatProxyLogEntry(entry: ProxyLogEntry): string {
	return isDenied(entry) ? formatBlockedLine(entry) : formatAllowedLine(entry);
}
