import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
	CANONICAL_HOST_PATTERN,
	HostProblemCode,
	HostRejected,
	SPECIAL_NAMES,
	checkHost,
	checkPort,
	checkRuleText,
	findSpecialName,
	isCoveredByWildcard,
} from '../../extension/core/hostname';

function rejected(raw: string): HostRejected {
	const result = checkHost(raw);
	assert.equal(result.ok, false, `expected ${JSON.stringify(raw)} to be rejected, got ${JSON.stringify(result)}`);
	return result as HostRejected;
}

/** Each row: input, the rule that must reject it, and (optionally) the offending offset. */
function expectRejections(rows: ReadonlyArray<readonly [string, HostProblemCode, number?]>): void {
	for (const [raw, code, offset] of rows) {
		it(`rejects ${JSON.stringify(raw)} (${code})`, () => {
			const r = rejected(raw);
			assert.equal(r.code, code, `${JSON.stringify(raw)}: ${r.message}`);
			assert.ok(r.message.length > 0 && r.hint.length > 0);
			if (offset !== undefined) {
				assert.equal(r.offset, offset, `${JSON.stringify(raw)}: ${r.message}`);
			}
		});
	}
}

describe('hostname: checkHost accepts and normalises', () => {
	const accepted: ReadonlyArray<readonly [string, string, boolean]> = [
		['api.example.com', 'api.example.com', false],
		['Example.COM.', 'example.com', false],
		['*.example.com', '*.example.com', true],
		['*.Example.Com.', '*.example.com', true],
		['github.io', 'github.io', false],
		['a.b', 'a.b', false],
		['a-b.c-d.example', 'a-b.c-d.example', false],
		['0x7f.example.com', '0x7f.example.com', false],
		['10-0-0-1.example.com', '10-0-0-1.example.com', false],
		['1.2.3.4.example.com', '1.2.3.4.example.com', false],
		['*.api.example.net', '*.api.example.net', true],
		['*.example.co.uk', '*.example.co.uk', true],
		['*.user.github.io', '*.user.github.io', true],
		[`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`, false],
	];
	for (const [raw, host, wildcard] of accepted) {
		it(`accepts ${JSON.stringify(raw)} as ${host}`, () => {
			const result = checkHost(raw);
			assert.deepEqual(result, { ok: true, host, wildcard });
			assert.match(host, CANONICAL_HOST_PATTERN);
		});
	}

	it('accepts a name of exactly 253 octets and rejects 254', () => {
		const a63 = 'a'.repeat(63);
		const exact = [a63, a63, a63, 'b'.repeat(57), 'com'].join('.');
		assert.equal(exact.length, 253);
		assert.equal(checkHost(exact).ok, true);
		assert.equal(checkHost(exact + '.').ok, true, 'one trailing dot is removed before counting');
		const over = rejected([a63, a63, a63, 'b'.repeat(58), 'com'].join('.'));
		assert.equal(over.code, 'too-long');
		assert.equal(over.offset, 253);
	});

	it('accepts valid A-labels and reports their Unicode form', () => {
		assert.deepEqual(checkHost('xn--mnchen-3ya.de'), { ok: true, host: 'xn--mnchen-3ya.de', wildcard: false, unicode: 'münchen.de' });
		assert.deepEqual(checkHost('XN--MNCHEN-3YA.DE'), { ok: true, host: 'xn--mnchen-3ya.de', wildcard: false, unicode: 'münchen.de' });
		assert.deepEqual(checkHost('*.xn--55qx5d.xn--fiqs8s'), { ok: true, host: '*.xn--55qx5d.xn--fiqs8s', wildcard: true, unicode: '*.公司.中国' });
	});
});

describe('hostname: wildcards', () => {
	expectRejections([
		['*', 'wildcard', 0],
		['*.', 'wildcard', 0],
		['*example.com', 'wildcard', 0],
		['a.*.com', 'wildcard', 2],
		['a.*.example.com', 'wildcard', 2],
		['**.x.com', 'wildcard', 0],
		['*.*.x.com', 'wildcard', 2],
		['foo*.x.com', 'wildcard', 3],
		['x.com.*', 'wildcard', 6],
		['*.x*.com', 'wildcard', 3],
	]);

	it('names the fix for a partial-label wildcard', () => {
		assert.match(rejected('*example.com').hint, /\*\.example\.com/);
		assert.match(rejected('foo*.x.com').hint, /\*\.x\.com/);
		assert.match(rejected('a.*.example.com').hint, /\*\.example\.com/);
		assert.doesNotMatch(rejected('a.*.com').hint, /\*\.com/, 'never suggests a wildcard on a public suffix');
	});
});

describe('hostname: wildcards on public suffixes (tldts, private section included)', () => {
	expectRejections([
		['*.com', 'wildcard-public-suffix', 0],
		['*.co.uk', 'wildcard-public-suffix', 0],
		['*.github.io', 'wildcard-public-suffix', 0],
		['*.herokuapp.com', 'wildcard-public-suffix', 0],
		['*.s3.amazonaws.com', 'wildcard-public-suffix', 0],
		['*.s3.us-east-1.amazonaws.com', 'wildcard-public-suffix', 0],
		['*.blogspot.com', 'wildcard-public-suffix', 0],
		['*.cloudfront.net', 'wildcard-public-suffix', 0],
		['*.xn--fiqs8s', 'wildcard-public-suffix', 0],
		['*.intranet', 'wildcard-public-suffix', 0],
	]);

	it('allows an exact host that is itself a public suffix (it is one site)', () => {
		for (const host of ['github.io', 'herokuapp.com', 's3.amazonaws.com', 'co.uk']) {
			assert.equal(checkHost(host).ok, true, host);
		}
	});

	it('says which suffix', () => {
		assert.match(rejected('*.co.uk').message, /public suffix "co\.uk"/);
		assert.match(rejected('*.com').message, /top-level domain "com"/);
	});
});

describe('hostname: IP literals and ranges in every encoding', () => {
	expectRejections([
		['127.0.0.1', 'ipv4', 0],
		['127.0.0.1.', 'ipv4', 0],
		['2130706433', 'ipv4', 0],
		['0x7f000001', 'ipv4', 0],
		['0X7F000001', 'ipv4', 0],
		['0x7f.1', 'ipv4', 0],
		['0177.0.0.1', 'ipv4', 0],
		['127.1', 'ipv4', 0],
		['10.1', 'ipv4', 0],
		['0x', 'ipv4', 0],
		['169.254.169.254', 'ipv4', 0],
		['::1', 'ipv6', 0],
		['[::1]', 'ipv6', 0],
		['fe80::1%eth0', 'ipv6', 0],
		['[fe80::1%25eth0]', 'ipv6', 0],
		['::ffff:127.0.0.1', 'ipv6', 0],
		['[::ffff:127.0.0.1]', 'ipv6', 0],
		['2001:db8::1', 'ipv6', 0],
		['[2001:db8::1]:443', 'ipv6', 0],
		['10.0.0.0/8', 'cidr', 0],
		['fd00::/8', 'ipv6', 0],
		['1.2.3.4-1.2.3.9', 'ip-range', 0],
		['10.0.0.1-9', 'ip-range', 0],
		['127.0.0.1:8080', 'ipv4', 0],
		['1.2.3.4.5', 'numeric-tld', 8],
		['example.123', 'numeric-tld', 8],
		['example.0x1f', 'numeric-tld', 8],
		['example.1com', 'numeric-tld', 8],
	]);

	it('names the encoding', () => {
		assert.match(rejected('2130706433').message, /single-number form/);
		assert.match(rejected('0x7f000001').message, /hexadecimal form/);
		assert.match(rejected('0177.0.0.1').message, /octal form/);
		assert.match(rejected('127.1').message, /short form/);
		assert.match(rejected('fe80::1%eth0').message, /zone id/);
	});
});

describe('hostname: URL pieces inside a host', () => {
	expectRejections([
		['https://x.com', 'url-scheme', 0],
		['http://user:pw@x.com:8080/p', 'url-scheme', 0],
		['x.com:443', 'port', 5],
		['x.com:22', 'port', 5],
		['x.com:', 'syntax-character', 5],
		['x.com:ssh', 'syntax-character', 5],
		['x.com:22:22', 'syntax-character', 5],
		['[x.com]:22', 'port', 7],
		['x.com/path', 'path', 5],
		['x.com/', 'path', 5],
		['user@x.com', 'userinfo', 4],
		['x.com?q', 'query', 5],
		['x.com#f', 'fragment', 5],
		['#x.com', 'fragment', 0],
	]);

	it('tells how to write a port', () => {
		assert.match(rejected('x.com:22').hint, /\{host: x\.com, ports: \[22\]\}/);
		assert.match(rejected('[X.com.]:22').hint, /\{host: x\.com, ports: \[22\]\}/);
		assert.match(rejected('*.x.com:22').hint, /\{host: "\*\.x\.com", ports: \[22\]\}/, 'a YAML alias must be quoted');
	});

	it('names the host to write instead of a URL', () => {
		assert.match(rejected('https://user@X.com:8443/path?q#f').hint, /X\.com/);
		assert.match(rejected('x.com/path').hint, /just the host: x\.com/);
	});
});

describe('hostname: non-ASCII and invisible characters', () => {
	expectRejections([
		['münchen.de', 'non-ascii', 1],
		['ｅxample.com', 'non-ascii', 0],
		['exаmple.com', 'non-ascii', 2], // Cyrillic а
		['a.com\u{1F600}', 'non-ascii', 5],
		['xn--zz.com', 'invalid-punycode', 0],
		['a.xn--zz.com', 'invalid-punycode', 2],
		['xn--a.com', 'invalid-punycode', 0],
		['xn--abc-.com', 'label-hyphen', 7],
		['xn--example-.com', 'label-hyphen', 11],
		['*.xn--zz.example', 'invalid-punycode', 2],
		['a\u3002b.com', 'unicode-dot', 1],
		['a\uFF0Eb.com', 'unicode-dot', 1],
		['a\uFF61b.com', 'unicode-dot', 1],
		['a\u00A0b.com', 'whitespace', 1],
		['a\u2003b.com', 'whitespace', 1],
		['a\u3000b.com', 'whitespace', 1],
		['a\u200Bb.com', 'invisible-character', 1],
		['a\u200Cb.com', 'invisible-character', 1],
		['a\u200Db.com', 'invisible-character', 1],
		['a\u2060b.com', 'invisible-character', 1],
		['\uFEFFa.com', 'invisible-character', 0],
		['a\u00ADb.com', 'invisible-character', 1],
		['a\u202Ab.com', 'bidi-control', 1],
		['a\u202Eb.com', 'bidi-control', 1],
		['a\u2066b.com', 'bidi-control', 1],
		['a\u2069b.com', 'bidi-control', 1],
		['a\u200Eb.com', 'bidi-control', 1],
		['a\u200Fb.com', 'bidi-control', 1],
		['a\uD800b.com', 'lone-surrogate', 1],
		['a.com\uDC00', 'lone-surrogate', 5],
	]);

	it('names the code point', () => {
		assert.match(rejected('a\u200Bb.com').message, /U\+200B ZERO WIDTH SPACE/);
		assert.match(rejected('a\u202Eb.com').message, /U\+202E RIGHT-TO-LEFT OVERRIDE/);
		assert.match(rejected('a\u3002b.com').message, /U\+3002 IDEOGRAPHIC FULL STOP/);
		assert.match(rejected('a\uFEFF.com').message, /U\+FEFF ZERO WIDTH NO-BREAK SPACE/);
		assert.match(rejected('münchen.de').message, /U\+00FC/);
	});

	it('suggests the A-label for an internationalised name', () => {
		assert.match(rejected('münchen.de').hint, /xn--mnchen-3ya\.de/);
	});

	it('never echoes invisible characters back in a message', () => {
		for (const raw of ['a\u202Eb.com', 'a\u200Bb.com:22', 'x.com/\u202E', 'x.com:\u0000']) {
			const r = rejected(raw);
			assert.doesNotMatch(r.message + r.hint, /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u, JSON.stringify(raw));
		}
	});
});

describe('hostname: control characters and whitespace', () => {
	expectRejections([
		['a.com\n', 'line-separator', 5],
		['a.com\r', 'line-separator', 5],
		['a.com\r\nb.com', 'line-separator', 5],
		['a\u2028.com', 'line-separator', 1],
		['a\u2029.com', 'line-separator', 1],
		['a\u0085.com', 'line-separator', 1],
		['a\tb.com', 'whitespace', 1],
		[' a.com', 'whitespace', 0],
		['a.com ', 'whitespace', 5],
		['a .com', 'whitespace', 1],
		['a\u0000.com', 'control-character', 1],
		['a\u001b[31m.com', 'control-character', 1],
		['a\u007f.com', 'control-character', 1],
		['a\u0090.com', 'control-character', 1],
		['a\u000b.com', 'control-character', 1],
	]);

	it('names NUL and TAB', () => {
		assert.match(rejected('a\u0000.com').message, /U\+0000 NULL/);
		assert.match(rejected('a\tb.com').message, /U\+0009 CHARACTER TABULATION/);
		assert.match(rejected('a.com\n').message, /U\+000A LINE FEED/);
	});
});

describe('hostname: quotes, escapes and config syntax', () => {
	const syntax = '^$()[]{}|+!;,=<>~&';
	expectRejections([
		["'a.com'", 'quote', 0],
		['"a.com"', 'quote', 0],
		['a`b`.com', 'quote', 1],
		['a%2e.com', 'percent', 1],
		['a\\.com', 'backslash', 1],
		['a_b.com', 'underscore', 1],
		['_dmarc.example.com', 'underscore', 0],
		...[...syntax].map((ch) => [`a${ch}b.com`, 'syntax-character', 1] as const),
		['-a.com', 'leading-hyphen', 0],
		['--help', 'leading-hyphen', 0],
		['.example.com', 'leading-dot', 0],
		['.', 'leading-dot', 0],
		['a..b.com', 'empty-label', 2],
		['*..a.com', 'empty-label', 2],
		['example.com..', 'trailing-dots', 12],
		['a-.com', 'label-hyphen', 1],
		['a.-b.com', 'label-hyphen', 2],
		['*.a-.com', 'label-hyphen', 3],
		[`${'a'.repeat(64)}.com`, 'label-too-long', 63],
		[`x.${'a'.repeat(64)}.com`, 'label-too-long', 65],
	]);

	it('explains the underscore and the leading dot', () => {
		assert.match(rejected('a_b.com').message, /underscores are not valid in host names/);
		assert.match(rejected('.example.com').hint, /\*\.example\.com/);
	});
});

describe('hostname: names that are not public internet hosts', () => {
	expectRejections([
		['intranet', 'single-label', 0],
		['com', 'single-label', 0],
		['intranet.', 'single-label', 0],
		['localhost', 'special-name', 0],
		['LOCALHOST.', 'special-name', 0],
		['x.localhost', 'special-name', 0],
		['*.localhost', 'special-name', 2],
		['printer.local', 'special-name', 0],
		['*.local', 'special-name', 2],
		['svc.cluster.local', 'special-name', 0],
		['corp.internal', 'special-name', 0],
		['*.internal', 'special-name', 2],
		['host.docker.internal', 'special-name', 0],
		['gateway.docker.internal', 'special-name', 0],
		['*.docker.internal', 'special-name', 2],
		['metadata', 'special-name', 0],
		['metadata.google.internal', 'special-name', 0],
		['instance-data', 'special-name', 0],
		['instance-data.ec2.internal', 'special-name', 0],
		['router.home.arpa', 'special-name', 0],
		['*.home.arpa', 'special-name', 2],
		['1.0.0.127.in-addr.arpa', 'special-name', 0],
		['*.in-addr.arpa', 'special-name', 2],
		['*.ip6.arpa', 'special-name', 2],
		['nip.io', 'special-name', 0],
		['10.0.0.1.nip.io', 'special-name', 0],
		['*.sslip.io', 'special-name', 2],
		['169-254-169-254.sslip.io', 'special-name', 0],
		['a.xip.io', 'special-name', 0],
		['x.traefik.me', 'special-name', 0],
		['localtest.me', 'special-name', 0],
		['app.lvh.me', 'special-name', 0],
		['vcap.me', 'special-name', 0],
		['lacolhost.com', 'special-name', 0],
		['x.localho.st', 'special-name', 0],
	]);

	it('names the closest special name', () => {
		assert.match(rejected('host.docker.internal').message, /host machine/);
		assert.match(rejected('metadata.google.internal').message, /Google Cloud metadata/);
		assert.match(rejected('a.b.nip.io').message, /under nip\.io/);
	});

	it('does not confuse a longer label with a special name', () => {
		for (const host of ['notlocalhost.com', 'mylocal.com', 'internal.example.com', 'metadata.example.com', 'sslip.io.example.com', 'anip.io']) {
			assert.equal(checkHost(host).ok, true, host);
		}
	});

	it('every special name is itself refused, and so is every name under a subtree one', () => {
		for (const s of SPECIAL_NAMES) {
			assert.equal(findSpecialName(s.name), s);
			assert.equal(checkHost(s.name).ok, false, s.name);
			if (s.subtree) {
				assert.equal(rejected(`a.${s.name}`).code, 'special-name', s.name);
				assert.equal(rejected(`*.${s.name}`).code, 'special-name', s.name);
			}
		}
	});
});

describe('hostname: input that is not a plausible entry', () => {
	it('rejects the empty string', () => {
		assert.equal(rejected('').code, 'empty');
	});

	it('rejects huge strings early, without throwing', () => {
		const r = rejected('a'.repeat(5_000_000));
		assert.equal(r.code, 'too-long');
		assert.match(r.message, /5000000 characters/);
	});

	it('rejects values that are not strings', () => {
		for (const value of [undefined, null, 42, {}, ['a.com'], true]) {
			assert.equal(rejected(value as unknown as string).code, 'not-a-string');
		}
	});
});

describe('hostname: isCoveredByWildcard', () => {
	it('covers subdomains at any depth but not the domain itself', () => {
		assert.equal(isCoveredByWildcard('a.example.com', '*.example.com'), true);
		assert.equal(isCoveredByWildcard('a.b.example.com', '*.example.com'), true);
		assert.equal(isCoveredByWildcard('*.a.example.com', '*.example.com'), true);
		assert.equal(isCoveredByWildcard('example.com', '*.example.com'), false);
	});

	it('matches whole labels only', () => {
		assert.equal(isCoveredByWildcard('badexample.com', '*.example.com'), false);
		assert.equal(isCoveredByWildcard('a.example.com.evil.net', '*.example.com'), false);
	});

	it('is false when the second argument is not a wildcard', () => {
		assert.equal(isCoveredByWildcard('a.example.com', 'example.com'), false);
		assert.equal(isCoveredByWildcard('a.example.com', 'a.example.com'), false);
	});
});

describe('hostname: checkPort', () => {
	it('accepts whole numbers 1 to 65535', () => {
		for (const port of [1, 22, 443, 8443, 65535, 22.0]) {
			assert.deepEqual(checkPort(port), { ok: true, port });
		}
	});

	const bad: ReadonlyArray<readonly [unknown, RegExp]> = [
		[0, /outside 1-65535/],
		[65536, /outside 1-65535/],
		[-22, /outside 1-65535/],
		[22.5, /not a whole number/],
		[NaN, /NaN/],
		[Infinity, /not a whole number/],
		['22', /text, not a number/],
		['ssh', /text, not a number/],
		[true, /boolean true/],
		[false, /boolean false/],
		[null, /null/],
		[undefined, /undefined/],
		[[22], /a list/],
		[{ port: 22 }, /object/],
		[22n, /bigint/],
	];
	for (const [value, message] of bad) {
		it(`rejects ${typeof value === 'bigint' ? '22n' : JSON.stringify(value) ?? String(value)}`, () => {
			const result = checkPort(value);
			assert.equal(result.ok, false);
			if (!result.ok) {
				assert.match(result.message, message);
				assert.ok(result.hint.length > 0);
			}
		});
	}

	it('tells how to fix a quoted port', () => {
		const result = checkPort('22');
		assert.ok(!result.ok && /ports: \[22\]/.test(result.hint));
	});
});

describe('hostname: checkRuleText (the canonical HOST and HOST:PORT lines)', () => {
	it('accepts canonical rules', () => {
		assert.deepEqual(checkRuleText('github.com'), { ok: true, host: 'github.com' });
		assert.deepEqual(checkRuleText('github.com:22'), { ok: true, host: 'github.com', port: 22 });
		assert.deepEqual(checkRuleText('*.example.org:65535'), { ok: true, host: '*.example.org', port: 65535 });
	});

	it('rejects rules that are not canonical or not valid', () => {
		for (const rule of ['GitHub.com', 'github.com.', 'github.com:022', 'github.com:0', 'github.com:65536', 'github.com:', 'github.com:2:2', 'localhost:22', '*.com', '127.0.0.1:22', 'a b.com', '']) {
			assert.equal(checkRuleText(rule).ok, false, rule);
		}
	});
});

describe('hostname: docs/policy-grammar.md', () => {
	it('shows, for every rejected example, exactly the message checkHost gives', () => {
		const doc = readFileSync(join(resolve(__dirname, '..', '..', '..'), 'docs', 'policy-grammar.md'), 'utf8');
		const table = /<!-- host-grammar-table:start -->\n([\s\S]*?)<!-- host-grammar-table:end -->/.exec(doc);
		assert.ok(table, 'the table markers are missing');
		const rows = table[1].split('\n').filter((line) => /^\| .* \| `/.test(line));
		assert.ok(rows.length >= 60, `only ${rows.length} example rows`);
		for (const row of rows) {
			// Cells are separated by ' | '; a literal '|' inside a cell is written '\|'.
			const cells = row.slice(2, -2).split(/ (?<!\\)\| /).map((c) => c.replace(/\\\|/g, '|'));
			assert.equal(cells.length, 3, row);
			const code = /^`(.*)`$/.exec(cells[1]);
			assert.ok(code, row);
			const entry = code[1].startsWith('"') ? (JSON.parse(code[1]) as string) : code[1];
			assert.equal(rejected(entry).message, cells[2], row);
		}
	});
});
