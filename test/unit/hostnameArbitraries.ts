import fc from 'fast-check';
import { domainToASCII } from 'node:url';

/**
 * Generators for the host grammar's property tests (hostname.property.test.ts and
 * containerGrammar.test.ts), biased toward the region where a grammar goes wrong: names that
 * almost look valid, with one hostile character, a misplaced wildcard or an IP inside.
 */

const LDH = [...'abcdefghijklmnopqrstuvwxyz0123456789-'];
const LETTERS_DIGITS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

/** One of every class of character the grammar must refuse, plus a few it must normalise. */
export const HOSTILE_CHARACTERS: readonly string[] = [
	' ', '\t', '\n', '\r', '\0', '\u000b', '\u000c', '\u0001', '\u001b', '\u007f', '\u0085', '\u0090',
	'\u00a0', '\u1680', '\u2000', '\u2003', '\u200a', '\u202f', '\u205f', '\u3000',
	'\u2028', '\u2029',
	'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e',
	'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c',
	'\u3002', '\uff0e', '\uff61',
	"'", '"', '`', '%', '\\', '/', ':', '@', '?', '#',
	'^', '$', '(', ')', '[', ']', '{', '}', '|', '+', '!', ';', ',', '=', '<', '>', '~', '&', '_',
	'é', 'ü', '\u0430', '\u0131', '\u212a', '\uff45', '\u{1f600}', '\ud800', '\udfff',
];

export const hostileChar: fc.Arbitrary<string> = fc.constantFrom(...HOSTILE_CHARACTERS);

/**
 * A valid LDH label: 1–n letters/digits/hyphens, no edge hyphen. Never `xn--…`: that prefix
 * claims an internationalised label, and a random tail is almost never valid punycode (A-labels
 * come from `aLabel`).
 */
export function validLabel(maxLength = 12): fc.Arbitrary<string> {
	return fc
		.tuple(fc.constantFrom(...LETTERS_DIGITS), fc.string({ unit: fc.constantFrom(...LDH), maxLength: Math.max(0, maxLength - 2) }), fc.constantFrom(...LETTERS_DIGITS))
		.map(([first, middle, last]) => (middle.length === 0 && first === last ? first : first + middle + last))
		.filter((label) => !label.toLowerCase().startsWith('xn--'));
}

const unicodeWord = fc.string({ unit: fc.constantFrom(...'äöüßéèçñøåæœабвгдежзийклмнопрстуфхцчшщыэюяαβγδεζηθλμπσωあいうえおかきくけこ中国日本語한국'), minLength: 1, maxLength: 8 });

/** A valid A-label, made by encoding a Unicode word the way browsers do. */
export const aLabel: fc.Arbitrary<string> = unicodeWord.map((w) => domainToASCII(w)).filter((a) => a.startsWith('xn--') && !a.includes('.') && a.length <= 63);

/** Top-level domains with no special names under them, so every generated name is public. */
const SAFE_TLDS = ['com', 'org', 'net', 'dev', 'de', 'fr', 'app', 'ch', 'nl', 'xn--p1ai', 'xn--fiqs8s'];
/** Registrable domains under one owner, for wildcards (a wildcard on a public suffix is refused). */
const OWNED_DOMAINS = ['example.com', 'example.org', 'example.net', 'test-site.dev', 'xn--mnchen-3ya.de'];

/** Names the grammar must accept, with case and one trailing dot to normalise. */
export const validHost: fc.Arbitrary<string> = fc.oneof(
	fc.tuple(fc.array(fc.oneof({ weight: 5, arbitrary: validLabel() }, { weight: 1, arbitrary: aLabel }, { weight: 1, arbitrary: validLabel(63) }), { minLength: 1, maxLength: 3 }), fc.constantFrom(...SAFE_TLDS)).map(([labels, tld]) => [...labels, tld].join('.')),
	fc.tuple(fc.array(validLabel(), { maxLength: 2 }), fc.constantFrom(...OWNED_DOMAINS)).map(([labels, domain]) => ['*', ...labels, domain].join('.')),
).chain((host) => fc.tuple(fc.mixedCase(fc.constant(host)), fc.boolean()).map(([h, dot]) => (dot ? h + '.' : h)));

/** IP literals in the encodings URL parsers accept, and ranges. */
export const ipLike: fc.Arbitrary<string> = fc.oneof(
	fc.ipV4(),
	fc.ipV4Extended(),
	fc.ipV6(),
	fc.ipV6().map((v6) => `[${v6}]`),
	fc.ipV6().map((v6) => `${v6}%eth0`),
	fc.ipV4().map((v4) => `::ffff:${v4}`),
	fc.integer({ min: 0, max: 0xffffffff }).map(String),
	fc.integer({ min: 0, max: 0xffffffff }).map((n) => '0x' + n.toString(16)),
	fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([v4, bits]) => `${v4}/${bits}`),
	fc.tuple(fc.ipV4(), fc.ipV4()).map(([a, b]) => `${a}-${b}`),
	fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([v4, port]) => `${v4}:${port}`),
);

/** A label that is sometimes valid and sometimes one hostile step away. */
const labelish: fc.Arbitrary<string> = fc.oneof(
	{ weight: 6, arbitrary: validLabel() },
	{ weight: 1, arbitrary: fc.constant('*') },
	{ weight: 1, arbitrary: aLabel },
	{ weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('x', 'n', '-', 'z', 'a'), minLength: 1, maxLength: 8 }).map((s) => 'xn--' + s) },
	{ weight: 1, arbitrary: fc.integer({ min: 0, max: 999 }).map(String) },
	{ weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((n) => '0x' + n.toString(16)) },
	{ weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...LDH, '*', '_'), maxLength: 6 }) },
	{ weight: 1, arbitrary: validLabel(70) },
	{ weight: 2, arbitrary: fc.tuple(validLabel(), hostileChar, fc.nat()).map(([l, c, at]) => l.slice(0, at % (l.length + 1)) + c + l.slice(at % (l.length + 1))) },
	{ weight: 1, arbitrary: fc.constantFrom('localhost', 'local', 'internal', 'docker', 'metadata', 'nip', 'io', 'arpa', 'home', 'me', 'lvh', 'com', 'co', 'uk', 'github') },
);

const prefix = fc.constantFrom('', '', '', '', '*.', '.', '-', '*', '**.', 'https://', 'http://', 'user@', ' ', '\u200b', '"', '[');
const suffix = fc.constantFrom('', '', '', '', '.', '..', ':22', ':0', ':443', ':65536', ':022', '/path', '?q', '#f', '\n', ' ', '\r', ']', ';', '\u202e', '%0a');

/** Host-like strings built from labels, with hostile prefixes and suffixes. */
export const hostLike: fc.Arbitrary<string> = fc
	.tuple(prefix, fc.array(labelish, { minLength: 1, maxLength: 5 }), fc.constantFrom('.', '.', '.', '.', '..', '\u3002', '\uff0e'), suffix)
	.map(([p, labels, sep, s]) => p + labels.join(sep) + s)
	.chain((h) => fc.mixedCase(fc.constant(h)));

/** A valid host with one hostile character inserted somewhere. */
export const validWithHostile: fc.Arbitrary<string> = fc
	.tuple(validHost, hostileChar, fc.nat())
	.map(([h, c, at]) => h.slice(0, at % (h.length + 1)) + c + h.slice(at % (h.length + 1)));

/** A valid host with a '*' placed anywhere. */
export const wildcardPlacement: fc.Arbitrary<string> = fc
	.tuple(validHost, fc.nat(), fc.constantFrom('*', '*.', '.*', '**'))
	.map(([h, at, star]) => h.slice(0, at % (h.length + 1)) + star + h.slice(at % (h.length + 1)));

/** Random Unicode, including unpaired surrogates and control characters. */
export const randomUnicode: fc.Arbitrary<string> = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 40 }),
	fc.string({ unit: 'binary-ascii', maxLength: 40 }),
	fc.string({ unit: 'grapheme', maxLength: 20 }),
	fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)), maxLength: 20 }),
	fc.string({ unit: fc.constantFrom(...'abcz09.-*:', ...HOSTILE_CHARACTERS), maxLength: 30 }),
);

/** Everything, weighted toward the interesting region. */
export const anyHostInput: fc.Arbitrary<string> = fc.oneof(
	{ weight: 4, arbitrary: hostLike },
	{ weight: 3, arbitrary: validHost },
	{ weight: 3, arbitrary: validWithHostile },
	{ weight: 2, arbitrary: wildcardPlacement },
	{ weight: 2, arbitrary: ipLike },
	{ weight: 2, arbitrary: randomUnicode },
);
