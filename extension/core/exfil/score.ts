import {
	BASE32_LABEL_MIN, BASE32_MIN_DIGITS, CREDENTIAL_PATTERNS, DOTLESS_EXCLUDED, ENCODED_LABEL_MIN, ENCODED_LABEL_MIN_BITS, ENCODED_TOTAL_MIN,
	ENTROPY_LONG_MAX_BITS, ENTROPY_LONG_MIN_LENGTH, ENTROPY_MAX_BITS, ENTROPY_MIN_LENGTH, HEX_LABEL_MAX, SUBDOMAIN_MAX_LENGTH,
} from './rules';

/**
 * The host side of the exfiltration scorer. The proxy runs its generated twin
 * (lib/exfil-score.pl) on every request under an allowed wildcard, before any DNS lookup; this
 * one scores names for the editor, `airlock propose` and the tests. Both follow the algorithm
 * below step by step, and test/fixtures/exfil/vectors.json holds them to the same answers.
 *
 *   1. The host is lower-cased (ASCII) and loses one trailing dot.
 *   2. The scored labels are those left of `base` (the allowed wildcard's domain). Without a
 *      base: every label but the last two.
 *   3. Credential formats (scope host/both) on the host, and (unless DOTLESS_EXCLUDED) on the
 *      host with its dots removed.
 *   4. For a plain-HTTP URL (`http://…`), credential formats (scope url/both) on the URL
 *      percent-decoded twice and lower-cased.
 *   5. Shapes of the scored labels (see rules.ts): hex and base32 on whole labels; entropy and
 *      the encoded payload on the pieces of each label between '-' and '_', so a compound name
 *      (`fluffy-space-disco-4r5g6h7j8k9`) is not read as one random string; overall length.
 */
export interface ExfilTarget {
	/** The request's host (the CONNECT host, or the Host of a plain-HTTP request). */
	readonly host: string;
	/** The plain-HTTP request URL; CONNECT requests have none (or their authority, `host:port`). */
	readonly url?: string;
	/** The domain of the allowed wildcard the host falls under (`example.com` for `*.example.com`). */
	readonly base?: string;
}

export interface ExfilScore {
	readonly suspect: boolean;
	/** `credential:<name>` and shape signals, in the order they were checked; empty when benign. */
	readonly signals: readonly string[];
}

const COMPILED = CREDENTIAL_PATTERNS.map((p) => ({ ...p, regex: new RegExp(p.pattern, 'i'), dotless: !DOTLESS_EXCLUDED.includes(p.name) }));

/** ASCII lower case only, as Perl's `lc` on bytes. */
function asciiLower(text: string): string {
	return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** One round of %XX decoding into single-byte characters; malformed sequences stay as they are. */
export function percentDecodeOnce(text: string): string {
	return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Shannon entropy of `label` in bits per character (characters counted in sorted order, as the Perl twin does). */
export function entropyBits(label: string): number {
	if (label.length === 0) {
		return 0;
	}
	const counts = new Map<string, number>();
	for (const ch of label) {
		counts.set(ch, (counts.get(ch) ?? 0) + 1);
	}
	const n = label.length;
	let sum = 0;
	for (const key of [...counts.keys()].sort()) {
		const c = counts.get(key) ?? 0;
		sum += c * Math.log(c);
	}
	return (Math.log(n) - sum / n) / Math.LN2;
}

/** Compares with a tolerance, so the two scorers agree even when their logarithms differ in the last bit. */
function above(value: number, limit: number): boolean {
	return value > limit + 1e-9;
}

/** The labels left of `base`; without one, every label but the last two. */
export function scoredLabels(host: string, base?: string): string[] {
	let prefix: string;
	if (base !== undefined && base !== '' && host.endsWith('.' + base)) {
		prefix = host.slice(0, host.length - base.length - 1);
	} else if (base !== undefined && host === base) {
		prefix = '';
	} else {
		const labels = host.split('.');
		prefix = labels.slice(0, Math.max(0, labels.length - 2)).join('.');
	}
	return prefix.split('.').filter((l) => l !== '');
}

function isHex(label: string): boolean {
	return /^[0-9a-f]+$/.test(label) && /[0-9]/.test(label) && /[a-f]/.test(label);
}

function base32Digits(label: string): number {
	return /^[a-z2-7]+$/.test(label) ? (label.match(/[2-7]/g) ?? []).length : -1;
}

/** A label's pieces between hyphens and underscores: compound names are measured piece by piece. */
function segments(label: string): string[] {
	return label.split(/[-_]/).filter((s) => s !== '');
}

function shapeSignals(labels: readonly string[]): string[] {
	const signals: string[] = [];
	let entropy = false;
	let hex = false;
	let base32 = false;
	let encodedTotal = 0;
	for (const label of labels) {
		if (isHex(label) && label.length > HEX_LABEL_MAX) {
			hex = true;
		}
		if (label.length >= BASE32_LABEL_MIN && base32Digits(label) >= BASE32_MIN_DIGITS) {
			base32 = true;
		}
		for (const piece of segments(label)) {
			const bits = entropyBits(piece);
			if (!isHex(piece) && ((piece.length >= ENTROPY_MIN_LENGTH && above(bits, ENTROPY_MAX_BITS)) || (piece.length >= ENTROPY_LONG_MIN_LENGTH && above(bits, ENTROPY_LONG_MAX_BITS)))) {
				entropy = true;
			}
			if (piece.length >= ENCODED_LABEL_MIN && (isHex(piece) || base32Digits(piece) >= 2 || (/[0-9]/.test(piece) && above(bits, ENCODED_LABEL_MIN_BITS)))) {
				encodedTotal += piece.length;
			}
		}
	}
	if (entropy) {
		signals.push('entropy');
	}
	if (hex) {
		signals.push('hex-label');
	}
	if (base32) {
		signals.push('base32-label');
	}
	if (encodedTotal >= ENCODED_TOTAL_MIN) {
		signals.push('encoded-payload');
	}
	if (labels.join('.').length > SUBDOMAIN_MAX_LENGTH) {
		signals.push('long-subdomain');
	}
	return signals;
}

/** Scores one request target; see the file comment for the steps. */
export function scoreTarget(target: ExfilTarget): ExfilScore {
	const host = asciiLower(target.host).replace(/\.$/, '');
	const base = target.base === undefined ? undefined : asciiLower(target.base).replace(/\.$/, '');
	const signals: string[] = [];
	const add = (signal: string): void => {
		if (!signals.includes(signal)) {
			signals.push(signal);
		}
	};
	const dotless = host.replace(/\./g, '');
	for (const p of COMPILED) {
		if (p.scope === 'url') {
			continue;
		}
		if (p.regex.test(host) || (p.dotless && p.regex.test(dotless))) {
			add(`credential:${p.name}`);
		}
	}
	const url = target.url ?? '';
	if (/^http:\/\//i.test(url)) {
		const decoded = asciiLower(percentDecodeOnce(percentDecodeOnce(url)));
		for (const p of COMPILED) {
			if (p.scope !== 'host' && p.regex.test(decoded)) {
				add(`credential:${p.name}`);
			}
		}
	}
	for (const s of shapeSignals(scoredLabels(host, base))) {
		add(s);
	}
	return { suspect: signals.length > 0, signals };
}

/** In words, for the editor and the CLI: "a hex-encoded label", "a GitHub token in the name". */
export function describeSignal(signal: string): string {
	if (signal.startsWith('credential:')) {
		return `a ${signal.slice('credential:'.length).replace(/-/g, ' ')} format in the name or URL`;
	}
	switch (signal) {
		case 'entropy':
			return `a label that looks random (over ${ENTROPY_MAX_BITS} bits of entropy per character, or ${ENTROPY_LONG_MAX_BITS} over ${ENTROPY_LONG_MIN_LENGTH} characters)`;
		case 'hex-label':
			return `a hex-encoded label longer than ${HEX_LABEL_MAX} characters`;
		case 'base32-label':
			return 'a base32-encoded label';
		case 'encoded-payload':
			return 'encoded data spread over several labels';
		case 'long-subdomain':
			return `more than ${SUBDOMAIN_MAX_LENGTH} characters of subdomain`;
		case 'scorer-error':
			return 'the scorer could not read the request (refused to be safe)';
		default:
			return signal;
	}
}
