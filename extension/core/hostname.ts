import { getPublicSuffix } from 'tldts';
import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * The one strict host grammar (docs/architecture.md §1, docs/policy-grammar.md).
 *
 * Every allowlist entry passes through `checkHost` before it can reach a proxy config line, so
 * this file errs on the side of rejecting. An entry is an exact host (`api.example.com`) or a
 * wildcard whose whole first label is `*` (`*.example.com`). Accepted hosts are canonical:
 * lower case, no trailing dot, ASCII only (IDNs as A-labels).
 *
 * The container has a twin of this grammar, `devcontainer-feature/src/airlock/lib/grammar.sh`,
 * generated from the constants below by `scripts/gen-feature-grammar.mjs`. The twin checks the
 * structure (CANONICAL_HOST_PATTERN, ports) and SPECIAL_NAMES. Two checks stay on the host only,
 * because a POSIX shell has neither the Public Suffix List nor a punycode decoder: wildcards on
 * public suffixes (or covering them, as `*.amazonaws.com` covers `s3.amazonaws.com`) and the
 * validity of `xn--` labels. Both were checked here before the policy
 * was approved; neither can break a config line.
 */

export interface HostAccepted {
	ok: true;
	/** Canonical: lower case, one trailing dot removed, ASCII (A-labels). */
	host: string;
	/** True for `*.example.com`. */
	wildcard: boolean;
	/** The decoded U-label form when any label is an A-label (`xn--`), for human review. */
	unicode?: string;
}

export interface HostRejected {
	ok: false;
	/**
	 * What is wrong, naming the offending part. It does not repeat the whole entry: the caller
	 * shows it, e.g. `"x.com:22": contains a port (":22")`.
	 */
	message: string;
	/** What to do instead. */
	hint: string;
	/** 0-based UTF-16 index into the raw string of the first offending character, when known. */
	offset?: number;
	/** Which rule rejected the entry (stable; tests and tools may switch on it). */
	code: HostProblemCode;
}

export type HostProblemCode =
	| 'not-a-string'
	| 'empty'
	| 'too-long'
	| 'whitespace'
	| 'control-character'
	| 'line-separator'
	| 'invisible-character'
	| 'bidi-control'
	| 'unicode-dot'
	| 'lone-surrogate'
	| 'non-ascii'
	| 'url-scheme'
	| 'userinfo'
	| 'path'
	| 'query'
	| 'fragment'
	| 'port'
	| 'cidr'
	| 'ip-range'
	| 'ipv6'
	| 'ipv4'
	| 'numeric-tld'
	| 'wildcard'
	| 'wildcard-public-suffix'
	| 'quote'
	| 'percent'
	| 'backslash'
	| 'underscore'
	| 'syntax-character'
	| 'leading-hyphen'
	| 'leading-dot'
	| 'trailing-dots'
	| 'empty-label'
	| 'label-hyphen'
	| 'label-too-long'
	| 'single-label'
	| 'invalid-punycode'
	| 'special-name';

/** Problems the container twin cannot see (no Public Suffix List, no punycode decoder there). */
export const HOST_SIDE_ONLY_CODES: readonly HostProblemCode[] = ['wildcard-public-suffix', 'invalid-punycode'];

export const MAX_LABEL_LENGTH = 63;
/** Octets of the whole canonical entry, `*.` included. */
export const MAX_HOST_LENGTH = 253;
/** Anything longer is refused before it is scanned (a trailing dot and slack for good messages). */
export const MAX_INPUT_LENGTH = 1024;
export const MAX_PORT = 65535;

/** Characters a canonical label may contain (LDH: letters, digits, hyphen). */
export const LABEL_CHARACTERS = 'abcdefghijklmnopqrstuvwxyz0123456789-';
/**
 * The last label must start with a letter. No delegated TLD starts with a digit, and URL parsers
 * (WHATWG "ends in a number") read a name whose last label is a number, decimal or `0x` hex, as
 * an IPv4 address.
 */
export const TOP_LABEL_FIRST_CHARACTERS = 'abcdefghijklmnopqrstuvwxyz';

const LABEL_SOURCE = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const TOP_LABEL_SOURCE = '[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?';

/**
 * The structure of every accepted entry: optional whole `*.` first label, then at least two LDH
 * labels of 1–63 octets with no edge hyphen, the last starting with a letter, 253 octets at most.
 */
export const CANONICAL_HOST_PATTERN = new RegExp(
	`^(?=.{1,${MAX_HOST_LENGTH}}$)(?:\\*\\.)?(?:${LABEL_SOURCE}\\.)+${TOP_LABEL_SOURCE}$`,
);

export interface SpecialName {
	/** Canonical name. */
	readonly name: string;
	/** True: the name and every name under it. False: the name only. */
	readonly subtree: boolean;
	/** Why it is refused, one line, plain ASCII. */
	readonly why: string;
}

/**
 * Names that reach the machine itself, the container host, the local network or a cloud
 * metadata service, or that resolve to any IP address the asker chooses. Most specific first,
 * so the message names the closest match. Sources:
 * - localhost: RFC 6761 §6.3; local: RFC 6762 (mDNS); home.arpa: RFC 8375;
 *   in-addr.arpa / ip6.arpa: RFC 1035 §3.5, RFC 3596 (reverse DNS); internal: ICANN reserved it
 *   for private use (2024); invalid: RFC 6761 §6.4 (the proxy answers request.airlock.invalid).
 * - host.docker.internal, gateway.docker.internal: Docker Desktop's names for the host machine.
 * - metadata, metadata.google.internal: Google Compute Engine metadata server
 *   (https://cloud.google.com/compute/docs/metadata/overview, curl http://metadata.google.internal/computeMetadata/v1/).
 * - instance-data, instance-data.ec2.internal: EC2's name for the instance metadata service
 *   (169.254.169.254; https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html).
 *   Azure and OCI document only the IP (169.254.169.254), which the IP rules already refuse.
 * - nip.io, xip.io, sslip.io (https://sslip.io: "returns the IP address embedded in the name"),
 *   traefik.me: map names like 10.0.0.1.nip.io to that IP.
 * - localtest.me, lvh.me, vcap.me, lacolhost.com, localho.st, fuf.me, colasloth.com
 *   (https://colasloth.github.io): every name under them resolves to 127.0.0.1.
 */
export const SPECIAL_NAMES: readonly SpecialName[] = [
	{ name: 'host.docker.internal', subtree: true, why: "Docker's name for the host machine" },
	{ name: 'gateway.docker.internal', subtree: true, why: "Docker's name for the host gateway" },
	{ name: 'docker.internal', subtree: true, why: "Docker's names for the host machine" },
	{ name: 'metadata.google.internal', subtree: true, why: 'the Google Cloud metadata server (credentials)' },
	{ name: 'instance-data.ec2.internal', subtree: true, why: 'the AWS EC2 instance metadata service (credentials)' },
	{ name: 'internal', subtree: true, why: 'private-use names (.internal) resolve only inside a network' },
	{ name: 'metadata', subtree: false, why: 'the cloud metadata server (credentials)' },
	{ name: 'instance-data', subtree: false, why: 'the AWS EC2 instance metadata service (credentials)' },
	{ name: 'localhost', subtree: true, why: 'the machine itself (loopback)' },
	{ name: 'localdomain', subtree: true, why: 'a local alias for the machine itself' },
	{ name: 'local', subtree: true, why: 'multicast DNS names on the local network (.local)' },
	{ name: 'home.arpa', subtree: true, why: 'home network names (home.arpa)' },
	{ name: 'in-addr.arpa', subtree: true, why: 'reverse DNS for IPv4 addresses, not a web host' },
	{ name: 'ip6.arpa', subtree: true, why: 'reverse DNS for IPv6 addresses, not a web host' },
	{ name: 'arpa', subtree: true, why: 'infrastructure names (.arpa), not web hosts' },
	{ name: 'invalid', subtree: true, why: 'reserved names that never resolve (RFC 6761); Airlock answers request.airlock.invalid itself, for access requests' },
	{ name: 'nip.io', subtree: true, why: 'a wildcard-DNS service that resolves names to any IP address, private ones included' },
	{ name: 'xip.io', subtree: true, why: 'a wildcard-DNS service that resolves names to any IP address, private ones included' },
	{ name: 'sslip.io', subtree: true, why: 'a wildcard-DNS service that resolves names to any IP address, private ones included' },
	{ name: 'traefik.me', subtree: true, why: 'a wildcard-DNS service that resolves names to any IP address, private ones included' },
	{ name: 'localtest.me', subtree: true, why: 'every name under it resolves to 127.0.0.1 (loopback)' },
	{ name: 'lvh.me', subtree: true, why: 'every name under it resolves to 127.0.0.1 (loopback)' },
	{ name: 'vcap.me', subtree: true, why: 'every name under it resolves to 127.0.0.1 (loopback)' },
	{ name: 'lacolhost.com', subtree: true, why: 'every name under it resolves to 127.0.0.1 (loopback)' },
	{ name: 'localho.st', subtree: true, why: 'every name under it resolves to 127.0.0.1 (loopback)' },
	{ name: 'fuf.me', subtree: true, why: 'every name under it resolves to 127.0.0.1 (loopback)' },
	{ name: 'colasloth.com', subtree: true, why: 'every name under it resolves to 127.0.0.1 (loopback)' },
];

/** The special name `host` (canonical, without `*.`) is, or lies under; undefined when none. */
export function findSpecialName(host: string): SpecialName | undefined {
	return SPECIAL_NAMES.find((s) => host === s.name || (s.subtree && host.endsWith('.' + s.name)));
}

const NAMED_CODE_POINTS: ReadonlyMap<number, string> = new Map([
	[0x00, 'NULL'],
	[0x07, 'BELL'],
	[0x08, 'BACKSPACE'],
	[0x09, 'CHARACTER TABULATION (tab)'],
	[0x0a, 'LINE FEED (newline)'],
	[0x0b, 'LINE TABULATION'],
	[0x0c, 'FORM FEED'],
	[0x0d, 'CARRIAGE RETURN'],
	[0x1b, 'ESCAPE'],
	[0x20, 'SPACE'],
	[0x7f, 'DELETE'],
	[0x85, 'NEXT LINE'],
	[0xa0, 'NO-BREAK SPACE'],
	[0xad, 'SOFT HYPHEN'],
	[0x061c, 'ARABIC LETTER MARK'],
	[0x1680, 'OGHAM SPACE MARK'],
	[0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
	[0x2000, 'EN QUAD'],
	[0x2001, 'EM QUAD'],
	[0x2002, 'EN SPACE'],
	[0x2003, 'EM SPACE'],
	[0x2004, 'THREE-PER-EM SPACE'],
	[0x2005, 'FOUR-PER-EM SPACE'],
	[0x2006, 'SIX-PER-EM SPACE'],
	[0x2007, 'FIGURE SPACE'],
	[0x2008, 'PUNCTUATION SPACE'],
	[0x2009, 'THIN SPACE'],
	[0x200a, 'HAIR SPACE'],
	[0x200b, 'ZERO WIDTH SPACE'],
	[0x200c, 'ZERO WIDTH NON-JOINER'],
	[0x200d, 'ZERO WIDTH JOINER'],
	[0x200e, 'LEFT-TO-RIGHT MARK'],
	[0x200f, 'RIGHT-TO-LEFT MARK'],
	[0x2028, 'LINE SEPARATOR'],
	[0x2029, 'PARAGRAPH SEPARATOR'],
	[0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
	[0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
	[0x202c, 'POP DIRECTIONAL FORMATTING'],
	[0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
	[0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
	[0x202f, 'NARROW NO-BREAK SPACE'],
	[0x205f, 'MEDIUM MATHEMATICAL SPACE'],
	[0x2060, 'WORD JOINER'],
	[0x2066, 'LEFT-TO-RIGHT ISOLATE'],
	[0x2067, 'RIGHT-TO-LEFT ISOLATE'],
	[0x2068, 'FIRST STRONG ISOLATE'],
	[0x2069, 'POP DIRECTIONAL ISOLATE'],
	[0x3000, 'IDEOGRAPHIC SPACE'],
	[0x3002, 'IDEOGRAPHIC FULL STOP'],
	[0xfeff, 'ZERO WIDTH NO-BREAK SPACE (byte order mark)'],
	[0xff0e, 'FULLWIDTH FULL STOP'],
	[0xff61, 'HALFWIDTH IDEOGRAPHIC FULL STOP'],
]);

/** "U+200B ZERO WIDTH SPACE", or "U+00E9 'é'" for a visible character without a listed name. */
export function describeCodePoint(cp: number): string {
	const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
	const name = NAMED_CODE_POINTS.get(cp);
	if (name) {
		return `${hex} ${name}`;
	}
	const isSurrogate = cp >= 0xd800 && cp <= 0xdfff;
	const ch = isSurrogate ? '' : String.fromCodePoint(cp);
	if (ch && /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch) && !/^[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]$/u.test(ch)) {
		return `${hex} '${ch}'`;
	}
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ? `${hex} (control character)` : hex;
}

/** Quotes untrusted text for a message: printable ASCII only, at most 80 characters. */
export function quoteForMessage(text: string): string {
	let out = '';
	for (const ch of text.slice(0, 80)) {
		const cp = ch.codePointAt(0) ?? 0;
		if (cp >= 0x20 && cp < 0x7f && ch !== '"' && ch !== '\\') {
			out += ch;
		} else {
			out += cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u{${cp.toString(16)}}`;
		}
	}
	return `"${out}${text.length > 80 ? '...' : ''}"`;
}

function reject(code: HostProblemCode, message: string, hint: string, offset?: number): HostRejected {
	return offset === undefined ? { ok: false, code, message, hint } : { ok: false, code, message, hint, offset };
}

const PLAIN_HINT = 'write a plain host name such as api.example.com, or *.example.com for its subdomains';

type HiddenKind = 'lone-surrogate' | 'line-separator' | 'whitespace' | 'control-character' | 'unicode-dot' | 'bidi-control' | 'invisible-character';

function classifyHidden(cp: number): HiddenKind | undefined {
	if (cp >= 0x21 && cp <= 0x7e) {
		return undefined;
	}
	if (cp >= 0xd800 && cp <= 0xdfff) {
		return 'lone-surrogate';
	}
	if (cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029) {
		return 'line-separator';
	}
	const ch = String.fromCodePoint(cp);
	if (cp === 0x20 || cp === 0x09 || /^\p{Zs}$/u.test(ch)) {
		return 'whitespace';
	}
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
		return 'control-character';
	}
	if (cp === 0x3002 || cp === 0xff0e || cp === 0xff61) {
		return 'unicode-dot';
	}
	if (cp === 0x061c || (cp >= 0x200e && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
		return 'bidi-control';
	}
	return /^\p{Cf}$/u.test(ch) ? 'invisible-character' : undefined;
}

const HIDDEN_TEXT: Record<HiddenKind, { what: string; hint: string }> = {
	'lone-surrogate': { what: 'an unpaired surrogate', hint: 'the text is not valid Unicode; retype the entry as plain ASCII' },
	'line-separator': { what: 'a line break', hint: 'put each host in its own list entry, on one line, with nothing else in the value' },
	whitespace: { what: 'whitespace', hint: 'remove the whitespace; a host name has no spaces, not even at the start or end' },
	'control-character': { what: 'a control character', hint: 'remove it and retype the entry as plain text' },
	'unicode-dot': { what: 'a look-alike dot', hint: "use the ASCII full stop '.' between labels" },
	'bidi-control': { what: 'an invisible text-direction control (it can make the entry display as a different host)', hint: 'delete the entry and retype it as plain ASCII' },
	'invisible-character': { what: 'an invisible character', hint: 'delete the entry and retype it as plain ASCII' },
};

/** The first character that must never appear, anywhere, named by code point. */
function findHiddenCharacter(raw: string): HostRejected | undefined {
	for (let i = 0; i < raw.length; i++) {
		const cp = raw.codePointAt(i) ?? 0;
		const kind = classifyHidden(cp);
		if (kind) {
			const text = HIDDEN_TEXT[kind];
			return reject(kind, `contains ${text.what}, ${describeCodePoint(cp)}, at column ${i + 1}`, text.hint, i);
		}
		if (cp > 0xffff) {
			i++;
		}
	}
	return undefined;
}

function findNonAscii(raw: string): HostRejected | undefined {
	for (let i = 0; i < raw.length; i++) {
		const cp = raw.charCodeAt(i);
		if (cp > 0x7e) {
			const full = raw.codePointAt(i) ?? cp;
			const ascii = domainToASCII(raw);
			let hint: string;
			if (ascii && /^[\x21-\x7e]+$/.test(ascii) && ascii.includes('xn--')) {
				hint = `write internationalised names in their ASCII (A-label) form: ${ascii}`;
			} else if (ascii && /^[\x21-\x7e]+$/.test(ascii)) {
				hint = `it contains look-alike characters; if you meant ${quoteForMessage(ascii)}, type that in plain ASCII`;
			} else {
				hint = 'write the host in ASCII; internationalised names go in their A-label (xn--) form';
			}
			return reject('non-ascii', `contains the non-ASCII character ${describeCodePoint(full)} at column ${i + 1}`, hint, i);
		}
	}
	return undefined;
}

/** A number as URL parsers read IPv4 parts: decimal, 0x hex (even empty), or 0-led octal. */
function isIpv4Part(part: string): boolean {
	return /^(?:0[xX][0-9a-fA-F]*|[0-9]+)$/.test(part);
}

/** True when `text` (no trailing dot) is an IPv4 address in any encoding URL parsers accept. */
function looksLikeIpv4(text: string): boolean {
	const parts = text.replace(/\.$/, '').split('.');
	return parts.length >= 1 && parts.length <= 4 && parts.every(isIpv4Part);
}

function ipv4Form(text: string): string {
	const parts = text.replace(/\.$/, '').split('.');
	if (parts.some((p) => /^0[xX]/.test(p))) {
		return 'hexadecimal form';
	}
	if (parts.some((p) => /^0[0-9]/.test(p))) {
		return 'octal form';
	}
	if (parts.length === 1) {
		return 'single-number form';
	}
	return parts.length < 4 ? 'short form' : 'dotted form';
}

const IP_HINT = 'IP addresses are never allowed; list the host names the service uses (the proxy refuses IP-literal requests)';

/** URL pieces, IP literals, ranges and ports: entries that are more (or other) than a host name. */
function findNotAHost(raw: string): HostRejected | undefined {
	const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(raw);
	if (scheme) {
		const rest = raw.slice(scheme[0].length).split(/[/?#]/)[0];
		const bare = rest.slice(rest.lastIndexOf('@') + 1).replace(/:[0-9]*$/, '');
		return reject('url-scheme', `is a URL (scheme ${quoteForMessage(scheme[0])}); an entry is a host name only`, `write just the host: ${bare || 'api.example.com'}`, 0);
	}
	const at = raw.indexOf('@');
	if (at >= 0) {
		return reject('userinfo', `contains user information before '@'`, `write just the host after '@' (${raw.slice(at + 1) || 'api.example.com'}); credentials never belong in an allowlist`, at);
	}
	const colons = raw.split(':').length - 1;
	// The address without brackets, port, prefix length or zone id: hex digits, ':' and '.'.
	const v6 = raw.replace(/^\[/, '').replace(/\](:[0-9]*)?$/, '').replace(/\/[0-9]*$/, '').replace(/%.*$/, '');
	if ((colons >= 2 || (raw.startsWith('[') && colons >= 1)) && /^[0-9A-Fa-f:.]+$/.test(v6)) {
		const zone = raw.indexOf('%');
		const what = zone >= 0 ? 'an IPv6 address literal with a zone id' : 'an IPv6 address literal';
		return reject('ipv6', `is ${what}`, IP_HINT, 0);
	}
	const slash = raw.indexOf('/');
	if (slash >= 0) {
		const before = raw.slice(0, slash);
		if (looksLikeIpv4(before)) {
			return reject('cidr', `is an address range (CIDR)`, IP_HINT, 0);
		}
		return reject('path', `contains a path (${quoteForMessage(raw.slice(slash))})`, `write just the host: ${before || 'api.example.com'}; Airlock allows whole hosts, not paths`, slash);
	}
	const question = raw.indexOf('?');
	if (question >= 0) {
		return reject('query', `contains a query (${quoteForMessage(raw.slice(question))})`, `write just the host: ${raw.slice(0, question) || 'api.example.com'}`, question);
	}
	const hash = raw.indexOf('#');
	if (hash >= 0) {
		return reject('fragment', `contains a fragment or comment (${quoteForMessage(raw.slice(hash))})`, `write just the host: ${raw.slice(0, hash) || 'api.example.com'}; put notes in the entry's reason`, hash);
	}
	const dash = raw.indexOf('-');
	if (dash > 0 && looksLikeIpv4(raw.slice(0, dash)) && looksLikeIpv4(raw.slice(dash + 1))) {
		return reject('ip-range', `is an address range`, IP_HINT, 0);
	}
	const colon = raw.indexOf(':');
	const hostPart = colon >= 0 ? raw.slice(0, colon) : raw;
	if (looksLikeIpv4(hostPart)) {
		return reject('ipv4', `is an IPv4 address literal (${ipv4Form(hostPart)})`, IP_HINT, 0);
	}
	if (colon >= 0) {
		const port = raw.slice(colon + 1);
		const host = hostPart.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '') || 'api.example.com';
		// YAML reads a plain scalar starting with '*' as an alias, so the example quotes it.
		const yamlHost = host.startsWith('*') ? `"${host}"` : host;
		if (/^[0-9]+$/.test(port)) {
			return reject('port', `contains a port (":${port}")`, `write {host: ${yamlHost}, ports: [${Number(port)}]}; without ports an entry allows the web ports 80 and 443`, colon);
		}
		return reject('syntax-character', `contains ':' at column ${colon + 1}`, `write just the host (${host}); ports go in "ports: [...]"`, colon);
	}
	return undefined;
}

function findWildcardProblem(raw: string): HostRejected | undefined {
	if (!raw.includes('*')) {
		return undefined;
	}
	if (/^\*\.?$/.test(raw)) {
		return reject('wildcard', `is a bare '*', which would allow every host`, 'list the hosts you need, or *.example.com for the subdomains of one domain', 0);
	}
	const first = raw.indexOf('*');
	const double = raw.indexOf('**');
	if (double >= 0) {
		const rest = raw.replace(/^[*.]+/, '').replace(/\*/g, '') || 'example.com';
		return reject('wildcard', `contains '**'; a wildcard is one '*' label`, `write *.${rest}: one leading "*." matches subdomains at any depth`, double);
	}
	// The one allowed form: '*.' at the start and no other '*'.
	const second = raw.startsWith('*.') ? raw.indexOf('*', 1) : first;
	if (second < 0) {
		return undefined;
	}
	const labelStart = raw.lastIndexOf('.', second) + 1;
	const labelEnd = raw.indexOf('.', second) < 0 ? raw.length : raw.indexOf('.', second);
	const label = raw.slice(labelStart, labelEnd);
	if (label !== '*') {
		const rest = labelStart === 0 && label.startsWith('*') ? raw.slice(1) : raw.slice(labelEnd + 1);
		const fix = rest.replace(/\*/g, '').replace(/^\.+/, '') || 'example.com';
		return reject('wildcard', `has '*' inside the label ${quoteForMessage(label)}; '*' must be a whole label`, `write *.${fix} to match subdomains, or list the exact hosts`, second);
	}
	if (raw.startsWith('*.')) {
		return reject('wildcard', `has more than one wildcard label`, 'use a single leading "*." label; it already matches subdomains at any depth', second);
	}
	const after = raw.slice(labelEnd + 1).toLowerCase();
	const afterIsSuffix = after === '' || getPublicSuffix(after, SUFFIX_OPTIONS) === after;
	const fix = afterIsSuffix ? 'list the exact hosts you need' : `write *.${after} to match every subdomain, or list the exact hosts`;
	return reject('wildcard', `has a wildcard in the middle; '*' is allowed only as the whole first label`, fix, second);
}

/** The Public Suffix List including its private section (github.io, herokuapp.com, ...). */
const SUFFIX_OPTIONS = { allowPrivateDomains: true, extractHostname: false, detectIp: false, validateHostname: false } as const;

/** Public suffixes strictly under a domain: a few names to show and how many there are. */
export interface CoveredSuffixes {
	/** Up to SUFFIX_EXAMPLES names, shortest first; `*.x.y` for a PSL wildcard rule. */
	readonly examples: readonly string[];
	readonly total: number;
}

const SUFFIX_EXAMPLES = 3;

/** The flat trie tldts ships (its Public Suffix List, the same data getPublicSuffix reads). */
interface SuffixTrie {
	readonly nodeFlags: Uint8Array;
	readonly edgeStart: ArrayLike<number>;
	readonly edgeLength: ArrayLike<number>;
	readonly edgeChild: ArrayLike<number>;
	readonly labelText: string;
	readonly rulesRoot: number;
}

let suffixTrie: { trie: SuffixTrie; offsets: Uint32Array } | undefined;

/**
 * Loaded on first use, so the grammar generator (which imports this file as an ES module) never
 * needs it. tldts exports no API to list suffixes, so this reads the trie behind getPublicSuffix;
 * the self-check below (and test/unit/hostname.test.ts) fail loudly if a tldts update moves it.
 */
function loadSuffixTrie(): { trie: SuffixTrie; offsets: Uint32Array } {
	if (suffixTrie) {
		return suffixTrie;
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const trie = require('tldts/dist/cjs/src/data/trie') as SuffixTrie;
	const offsets = new Uint32Array(trie.edgeLength.length);
	for (let edge = 0, offset = 0; edge < trie.edgeLength.length; edge++) {
		offsets[edge] = offset;
		offset += trie.edgeLength[edge];
	}
	suffixTrie = { trie, offsets };
	if (!findSuffixesUnder('io', 50_000).all.includes('github.io')) {
		suffixTrie = undefined;
		throw new Error('the Public Suffix List inside tldts has a layout this Airlock does not read (github.io not found under io); update extension/core/hostname.ts for this tldts version');
	}
	return suffixTrie;
}

function findSuffixesUnder(base: string, limit: number): { all: string[]; total: number } {
	const { trie, offsets } = suffixTrie ?? loadSuffixTrie();
	const labelOf = (edge: number): string => trie.labelText.slice(offsets[edge], offsets[edge] + trie.edgeLength[edge]);
	let node = trie.rulesRoot;
	for (const label of base.split('.').reverse()) {
		const next = childrenOf(node).get(label) ?? -1;
		if (next < 0) {
			// Not in the list, or only under a PSL wildcard: then base itself is a suffix, refused above.
			return { all: [], total: 0 };
		}
		node = next;
	}
	const all: string[] = [];
	let total = 0;
	const walk = (at: number, suffix: string, depth: number): void => {
		for (let edge = trie.edgeStart[at]; edge < trie.edgeStart[at + 1] && depth < 10; edge++) {
			const name = `${labelOf(edge)}.${suffix}`;
			const child = trie.edgeChild[edge];
			if (trie.nodeFlags[child] !== 0) {
				total++;
				if (all.length < limit) {
					all.push(name);
				}
			}
			walk(child, name, depth + 1);
		}
	};
	walk(node, base, 0);
	return { all, total };
}

/** Per trie node, its children by label: built on first visit (a 10,000-entry plan visits few nodes). */
const childMaps = new Map<number, Map<string, number>>();

function childrenOf(node: number): Map<string, number> {
	let map = childMaps.get(node);
	if (!map) {
		const { trie, offsets } = suffixTrie ?? loadSuffixTrie();
		map = new Map();
		for (let edge = trie.edgeStart[node]; edge < trie.edgeStart[node + 1]; edge++) {
			map.set(trie.labelText.slice(offsets[edge], offsets[edge] + trie.edgeLength[edge]), trie.edgeChild[edge]);
		}
		childMaps.set(node, map);
	}
	return map;
}

/**
 * The public suffixes strictly under `base` (ICANN and private sections): `amazonaws.com` has
 * `s3.amazonaws.com` and hundreds more, where anyone can create names. A wildcard over `base`
 * would allow them all, so the grammar refuses it like a wildcard on a suffix.
 */
export function publicSuffixesUnder(base: string): CoveredSuffixes {
	const { all, total } = findSuffixesUnder(base, 2_000);
	const examples = all
		.filter((n) => !n.startsWith('*.'))
		.sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
		.slice(0, SUFFIX_EXAMPLES);
	return { examples: examples.length > 0 ? examples : all.slice(0, SUFFIX_EXAMPLES), total };
}

function coveredSuffixesMessage(base: string, covered: CoveredSuffixes): string {
	const more = covered.total > covered.examples.length ? ` and ${covered.total - covered.examples.length} more` : '';
	return `would allow names under ${covered.total === 1 ? 'a public suffix' : `${covered.total} public suffixes`} inside ${quoteForMessage(base)} (${covered.examples.join(', ')}${more}), where anyone can register names: the Public Suffix List's private section lists them`;
}

function coveredSuffixesHint(base: string, covered: CoveredSuffixes): string {
	const endpoint = covered.examples.find((e) => !e.startsWith('*.')) ?? `api.${base}`;
	return `list the exact endpoints you use instead, e.g. ${covered.examples.filter((e) => !e.startsWith('*.')).join(', ') || endpoint}, or yours under one of them (your-name.${endpoint}); a wildcard is accepted only where one owner controls every name under it`;
}

const QUOTES = new Set(["'", '"', '`']);

/** Only the characters findBadAsciiCharacter lets through: no hidden, non-ASCII or syntax characters. */
const PLAIN_CHARACTERS = /^[A-Za-z0-9.*-]+$/;

function findBadAsciiCharacter(raw: string): HostRejected | undefined {
	for (let i = 0; i < raw.length; i++) {
		const ch = raw[i];
		if (/[A-Za-z0-9.*-]/.test(ch)) {
			continue;
		}
		const at = `at column ${i + 1}`;
		if (QUOTES.has(ch)) {
			return reject('quote', `contains the quote character ${ch} ${at}`, 'remove the quotes from inside the value (YAML quotes around the whole value are fine)', i);
		}
		if (ch === '%') {
			return reject('percent', `contains '%' ${at}; percent-encoding is not allowed in host names`, PLAIN_HINT, i);
		}
		if (ch === '\\') {
			return reject('backslash', `contains a backslash ${at}`, `remove it; entries are plain names, not escaped or regular-expression text (${PLAIN_HINT})`, i);
		}
		if (ch === '_') {
			return reject('underscore', `contains '_' ${at}; underscores are not valid in host names (letters, digits and '-' only)`, "check the exact host name; if it really has '_' it is not a web host name the proxy can allow", i);
		}
		return reject('syntax-character', `contains '${ch}' ${at}; a host name has only letters, digits, '-' and '.'`, `remove it: patterns, regular expressions and proxy-config syntax are not accepted (${PLAIN_HINT})`, i);
	}
	return undefined;
}

function checkLabels(host: string): HostRejected | undefined {
	const labels = host.split('.');
	let offset = 0;
	for (let n = 0; n < labels.length; n++) {
		const label = labels[n];
		if (label === '') {
			return reject('empty-label', `has an empty label ('..') at column ${offset + 1}`, 'remove the extra dot', offset);
		}
		if (label.startsWith('-') || label.endsWith('-')) {
			const at = label.startsWith('-') ? offset : offset + label.length - 1;
			return reject('label-hyphen', `the label ${quoteForMessage(label)} starts or ends with '-'`, 'check the host name; labels start and end with a letter or digit', at);
		}
		if (label.length > MAX_LABEL_LENGTH) {
			return reject('label-too-long', `the label starting at column ${offset + 1} is ${label.length} characters; the limit is ${MAX_LABEL_LENGTH}`, 'check the host name; DNS labels are at most 63 characters', offset + MAX_LABEL_LENGTH);
		}
		offset += label.length + 1;
	}
	const top = labels[labels.length - 1];
	if (!TOP_LABEL_FIRST_CHARACTERS.includes(top[0])) {
		return reject('numeric-tld', `the last label ${quoteForMessage(top)} does not start with a letter; URL parsers read a numeric last label as an IPv4 address`, 'write the full host name ending in its real top-level domain (e.g. .com)', host.length - top.length);
	}
	if (labels.length < 2) {
		return reject('single-label', `is a single label; a host needs at least two (name.tld)`, 'write the fully qualified name, e.g. intranet.example.com; single-label names resolve only inside a local network', 0);
	}
	return undefined;
}

/** `host` without `*.`; every `xn--` label must decode and encode back to itself. */
function checkALabels(host: string): { unicode?: string; problem?: HostRejected } {
	let hasALabel = false;
	let offset = 0;
	for (const label of host.split('.')) {
		if (label.startsWith('xn--')) {
			hasALabel = true;
			const decoded = domainToUnicode(label);
			const valid = decoded !== '' && decoded !== label && !decoded.includes('.') && /[\u0080-\uffff]/.test(decoded) && domainToASCII(decoded) === label;
			if (!valid) {
				return { problem: reject('invalid-punycode', `the label ${quoteForMessage(label)} is not a valid internationalised (xn--) label`, 'copy the A-label form from a trusted source, e.g. the address bar of a browser', offset) };
			}
		}
		offset += label.length + 1;
	}
	if (!hasALabel) {
		return {};
	}
	return { unicode: domainToUnicode(host) };
}

/** Validates one allowlist host entry; see the file comment. Never throws. */
export function checkHost(raw: string): HostAccepted | HostRejected {
	try {
		return checkHostUnsafe(raw);
	} catch (err) {
		// Defence in depth: a bug here must reject, never accept and never crash the caller.
		return reject('syntax-character', `could not check this entry (${err instanceof Error ? err.name : 'error'})`, PLAIN_HINT);
	}
}

function checkHostUnsafe(raw: string): HostAccepted | HostRejected {
	if (typeof raw !== 'string') {
		return reject('not-a-string', `expected a host name as text, got ${raw === null ? 'null' : typeof raw}`, PLAIN_HINT);
	}
	if (raw.length === 0) {
		return reject('empty', 'the host is empty', PLAIN_HINT, 0);
	}
	if (raw.length > MAX_INPUT_LENGTH) {
		return reject('too-long', `the host is ${raw.length} characters long; a host name is at most ${MAX_HOST_LENGTH}`, 'check the entry; it is not a host name', MAX_HOST_LENGTH);
	}
	// Nearly every entry is plain LDH text with dots and '*'; the character scans (which build
	// precise messages) find nothing there, so one regular expression skips them (10k-entry plans).
	const plain = PLAIN_CHARACTERS.test(raw);
	const early = plain
		? findNotAHost(raw) ?? findWildcardProblem(raw)
		: findHiddenCharacter(raw) ?? findNonAscii(raw) ?? findNotAHost(raw) ?? findWildcardProblem(raw) ?? findBadAsciiCharacter(raw);
	if (early) {
		return early;
	}
	if (raw.startsWith('-')) {
		return reject('leading-hyphen', `starts with '-', which looks like a command-line option`, PLAIN_HINT, 0);
	}
	if (raw.startsWith('.')) {
		const rest = raw.replace(/^\.+/, '') || 'example.com';
		return reject('leading-dot', `starts with '.', the proxy's own subdomain syntax`, `write *.${rest} for its subdomains (and ${rest} for the domain itself)`, 0);
	}
	if (raw.endsWith('..')) {
		return reject('trailing-dots', `ends with more than one dot`, 'end the name with at most one dot (the dot is removed anyway)', raw.length - 1);
	}
	if (raw.startsWith('*.') && raw.length > 2 && raw[2] === '.') {
		return reject('empty-label', `has an empty label after '*.'`, 'remove the extra dot', 2);
	}
	const host = raw.replace(/\.$/, '').toLowerCase();
	const wildcard = host.startsWith('*.');
	const base = wildcard ? host.slice(2) : host;
	const baseOffset = wildcard ? 2 : 0;

	const labelProblem = checkLabels(base);
	if (labelProblem && labelProblem.code !== 'single-label') {
		return { ...labelProblem, offset: (labelProblem.offset ?? 0) + baseOffset };
	}
	const special = findSpecialName(base);
	if (special) {
		const under = base === special.name ? '' : ` (under ${special.name})`;
		return reject('special-name', `is a special name and is refused: ${special.why}${under}`, 'allow only public internet hosts; local and metadata services must never be reachable through the allowlist', baseOffset);
	}
	if (wildcard) {
		const suffix = getPublicSuffix(base, SUFFIX_OPTIONS);
		if (suffix === base) {
			const kind = base.includes('.') ? 'public suffix' : 'top-level domain';
			return reject('wildcard-public-suffix', `would allow every site under the ${kind} ${quoteForMessage(base)}, which many unrelated owners share`, `list the exact hosts, or a wildcard under one owner's domain (*.yourname.${base})`, 0);
		}
		const covered = publicSuffixesUnder(base);
		if (covered.total > 0) {
			return reject('wildcard-public-suffix', coveredSuffixesMessage(base, covered), coveredSuffixesHint(base, covered), 0);
		}
	}
	if (labelProblem) {
		return labelProblem;
	}
	if (host.length > MAX_HOST_LENGTH) {
		return reject('too-long', `is ${host.length} characters; a host name is at most ${MAX_HOST_LENGTH}`, 'check the entry; DNS names are at most 253 characters', MAX_HOST_LENGTH);
	}
	const idn = checkALabels(base);
	if (idn.problem) {
		return { ...idn.problem, offset: (idn.problem.offset ?? 0) + baseOffset };
	}
	// The structure is already guaranteed by the checks above; this is the last gate before a config line.
	if (!CANONICAL_HOST_PATTERN.test(host)) {
		return reject('syntax-character', `is not a canonical host name`, PLAIN_HINT);
	}
	const accepted: HostAccepted = { ok: true, host, wildcard };
	if (idn.unicode !== undefined) {
		accepted.unicode = wildcard ? '*.' + idn.unicode : idn.unicode;
	}
	return accepted;
}

/**
 * True when every name `host` matches is also matched by `wildcard`: `*.example.com` covers
 * `a.example.com`, `a.b.example.com` and `*.a.example.com` (and itself), but NOT `example.com`.
 * Both arguments canonical; false when `wildcard` is not a wildcard.
 */
export function isCoveredByWildcard(host: string, wildcard: string): boolean {
	if (!wildcard.startsWith('*.')) {
		return false;
	}
	const suffix = wildcard.slice(1);
	return host.length > suffix.length && host.endsWith(suffix);
}

export type PortCheck = { ok: true; port: number } | { ok: false; message: string; hint: string };

/**
 * A port from a policy file: a number, whole, 1–65535. Strings ("22"), floats, booleans and
 * out-of-range values are refused. (22.0 is the number 22 by the time it gets here; a YAML
 * layer that wants to refuse the spelling must look at the source text.)
 */
export function checkPort(value: unknown): PortCheck {
	const hint = 'write the port as a whole number from 1 to 65535, e.g. ports: [22]';
	if (typeof value === 'string') {
		const digits = /^[0-9]+$/.test(value);
		return { ok: false, message: `the port ${quoteForMessage(value)} is text, not a number`, hint: digits ? `remove the quotes: ports: [${Number(value)}]` : hint };
	}
	if (typeof value !== 'number') {
		const what = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'boolean' ? `the boolean ${value}` : `a value of type ${typeof value}`;
		return { ok: false, message: `a port must be a number, got ${what}`, hint };
	}
	if (Number.isNaN(value)) {
		return { ok: false, message: 'the port is not a number (NaN)', hint };
	}
	if (!Number.isInteger(value)) {
		return { ok: false, message: `the port ${value} is not a whole number`, hint };
	}
	if (value < 1 || value > MAX_PORT) {
		return { ok: false, message: `the port ${value} is outside 1-${MAX_PORT}`, hint };
	}
	return { ok: true, port: value };
}

/** `code` is set when the host part was rejected by `checkHost`. */
export type RuleCheck = { ok: true; host: string; port?: number } | { ok: false; message: string; hint: string; code?: HostProblemCode };

/**
 * One rule of the canonical enforced policy (`HOST` or `HOST:PORT`, docs/architecture.md §2),
 * exactly as the container twin's `airlock_check_rule` accepts it: the host already canonical,
 * the port decimal without leading zeros.
 */
export function checkRuleText(rule: string): RuleCheck {
	if (typeof rule !== 'string') {
		return { ok: false, message: 'expected rule text', hint: 'write HOST or HOST:PORT' };
	}
	const colon = rule.indexOf(':');
	const hostText = colon < 0 ? rule : rule.slice(0, colon);
	const portText = colon < 0 ? undefined : rule.slice(colon + 1);
	const checked = checkHost(hostText);
	if (!checked.ok) {
		return { ok: false, message: checked.message, hint: checked.hint, code: checked.code };
	}
	if (checked.host !== hostText) {
		return { ok: false, message: `${quoteForMessage(hostText)} is not in canonical form (expected ${checked.host})`, hint: 'write hosts in lower case without a trailing dot' };
	}
	if (portText === undefined) {
		return { ok: true, host: checked.host };
	}
	if (!/^[1-9][0-9]{0,4}$/.test(portText) || Number(portText) > MAX_PORT) {
		return { ok: false, message: `the port ${quoteForMessage(portText)} is not a number from 1 to ${MAX_PORT} without leading zeros`, hint: 'write HOST:PORT, e.g. github.com:22' };
	}
	return { ok: true, host: checked.host, port: Number(portText) };
}
