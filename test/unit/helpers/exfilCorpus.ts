import { createHash } from 'node:crypto';

/**
 * Exfiltration attempts for measuring the scorer's detection rate (docs/exfil-scoring.md):
 * deterministic pseudo-random secrets, encoded the ways DNS and URL exfiltration encodes data,
 * cut into labels, under a wildcard an attacker could use (`*.tenant.example`).
 */
export interface ExfilCase {
	readonly kind: string;
	readonly host: string;
	readonly url?: string;
	readonly base: string;
}

export const EXFIL_BASE = 'tenant.example';

/** Deterministic bytes: SHA-256 in counter mode over a seed. */
export function pseudoRandomBytes(seed: string, length: number): Buffer {
	const chunks: Buffer[] = [];
	for (let i = 0; Buffer.concat(chunks).length < length; i++) {
		chunks.push(createHash('sha256').update(`${seed}:${i}`).digest());
	}
	return Buffer.concat(chunks).subarray(0, length);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

export function base32(bytes: Buffer): string {
	let bits = 0;
	let value = 0;
	let out = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += BASE32[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) {
		out += BASE32[(value << (5 - bits)) & 31];
	}
	return out;
}

function base36(bytes: Buffer): string {
	return [...bytes].map((b) => BASE36[b % 36]).join('');
}

function chunk(text: string, size: number): string[] {
	const out: string[] = [];
	for (let i = 0; i < text.length; i += size) {
		out.push(text.slice(i, i + size));
	}
	return out;
}

export const ENCODINGS: Readonly<Record<string, (b: Buffer) => string>> = {
	hex: (b) => b.toString('hex'),
	base32,
	'base64url (case folded)': (b) => b.toString('base64url').toLowerCase(),
	base36,
};

/** Every encoding × payload size × label size, plus credentials in names and plain-HTTP URLs. */
export function exfilCases(): ExfilCase[] {
	const cases: ExfilCase[] = [];
	for (const [encoding, encode] of Object.entries(ENCODINGS)) {
		for (const bytes of [16, 24, 32, 64]) {
			for (const labelSize of [63, 32, 16]) {
				for (let n = 0; n < 5; n++) {
					const text = encode(pseudoRandomBytes(`${encoding}:${bytes}:${labelSize}:${n}`, bytes));
					const labels = chunk(text, labelSize).map((l) => l.replace(/^[-_]+|[-_]+$/g, 'x'));
					cases.push({ kind: `${encoding}, ${bytes} bytes, labels of ${labelSize}`, host: `${labels.join('.')}.${EXFIL_BASE}`, base: EXFIL_BASE });
				}
			}
		}
	}
	// Hyphen-chunked base36, to see what splitting labels at hyphens costs in detection.
	for (let n = 0; n < 5; n++) {
		const text = base36(pseudoRandomBytes(`hyphens:${n}`, 48));
		cases.push({ kind: 'base36, 48 bytes, hyphen every 12', host: `${chunk(text.slice(0, 48), 12).join('-')}.${EXFIL_BASE}`, base: EXFIL_BASE });
	}
	const token = (prefix: string, alphabet: string, length: number, seed: string): string =>
		prefix + [...pseudoRandomBytes(seed, length)].map((b) => alphabet[b % alphabet.length]).join('');
	const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	const credentials: Record<string, string> = {
		'github-token': token('ghp_', alnum, 36, 'gh'),
		'aws-access-key-id': token('AKIA', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 'aws'),
		'anthropic-key': token('sk-ant-api03-', alnum + '_-', 93, 'ant'),
		'openai-key': token('sk-proj-', alnum + '_-', 48, 'oai'),
		'slack-token': `xoxb-${token('', '0123456789', 11, 's1')}-${token('', '0123456789', 13, 's2')}-${token('', alnum, 24, 's3')}`,
		'google-api-key': token('AIza', alnum + '_-', 35, 'goog'),
		'jwt': `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${token('', alnum, 43, 'jwt')}`,
		'gitlab-token': token('glpat-', alnum, 20, 'gl'),
		'npm-token': token('npm_', alnum, 36, 'npm'),
	};
	for (const [name, secret] of Object.entries(credentials)) {
		const dns = secret.toLowerCase().replace(/_/g, '-');
		const labels = chunk(dns, 40).map((l) => l.replace(/^-+|-+$/g, 'x'));
		cases.push({ kind: `${name} in the host name`, host: `${labels.join('.')}.${EXFIL_BASE}`, base: EXFIL_BASE });
		cases.push({ kind: `${name} in a plain-HTTP URL`, host: `api.${EXFIL_BASE}`, url: `http://api.${EXFIL_BASE}/collect?k=${encodeURIComponent(secret)}`, base: EXFIL_BASE });
	}
	return cases;
}
