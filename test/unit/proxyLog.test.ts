import * as assert from 'node:assert/strict';
import {
	formatAllowedLine,
	formatBlockedLine,
	formatProxyLogEntry,
	isDenied,
	parseProxyLog,
	parseProxyLogLine,
	type ProxyLogEntry,
} from '../../extension/core/proxyLog';

const DENIED_LINE =
	'{"time":1763843000.123,"client":"127.0.0.1","method":"CONNECT","host":"evil.example","port":443,' +
	'"verdict":"deny","enforced":true,"rule":"not-allowlisted","status":403,"bytes":0}';

function lineWith(overrides: Record<string, unknown>): string {
	return JSON.stringify({ ...JSON.parse(DENIED_LINE), ...overrides });
}

function withoutKey(key: string): string {
	const o = JSON.parse(DENIED_LINE) as Record<string, unknown>;
	delete o[key];
	return JSON.stringify(o);
}

describe('proxyLog: parseProxyLogLine', () => {
	it('parses the line from docs/architecture.md §3', () => {
		assert.deepEqual(parseProxyLogLine(DENIED_LINE), {
			time: 1763843000.123,
			client: '127.0.0.1',
			method: 'CONNECT',
			host: 'evil.example',
			port: 443,
			verdict: 'deny',
			enforced: true,
			rule: 'not-allowlisted',
			status: 403,
			bytes: 0,
		});
	});

	it('accepts surrounding whitespace and a CR from a CRLF writer', () => {
		assert.equal(parseProxyLogLine(`  ${DENIED_LINE}\r`)?.host, 'evil.example');
	});

	it('returns undefined for garbage instead of throwing', () => {
		for (const garbage of ['', 'hello', '{', DENIED_LINE.slice(0, 40), '[1,2]', 'null', '42', '"text"', '{}',
			'2026/11/22 20:00:00| WARNING: something', '{"time":1}']) {
			assert.equal(parseProxyLogLine(garbage), undefined, garbage);
		}
	});

	it('rejects every field with the wrong type', () => {
		const wrong: Record<string, unknown[]> = {
			time: ['1763843000', null, -1, true],
			client: [1, null],
			method: ['', 7],
			host: ['', null, 1],
			port: ['443', 443.5, -1, 65536, null],
			verdict: ['denied', 'DENY', true],
			enforced: ['true', 1, null],
			rule: [3, null],
			status: ['403', 40.3, 1000],
			bytes: ['0', -1, 0.5],
		};
		for (const [key, values] of Object.entries(wrong)) {
			for (const value of values) {
				assert.equal(parseProxyLogLine(lineWith({ [key]: value })), undefined, `${key}=${JSON.stringify(value)}`);
			}
			assert.equal(parseProxyLogLine(withoutKey(key)), undefined, `missing ${key}`);
		}
	});

	it('keeps a line whose rule this version does not know, as "other"', () => {
		assert.equal(parseProxyLogLine(lineWith({ rule: 'rate-limited' }))?.rule, 'other');
	});

	it('does not copy unknown fields into the entry', () => {
		const entry = parseProxyLogLine(lineWith({ extra: 'x' }));
		assert.ok(entry);
		assert.equal(Object.hasOwn(entry, 'extra'), false);
	});
});

describe('proxyLog: parseProxyLog', () => {
	it('parses entries and counts the lines it skipped, ignoring blank lines', () => {
		const allowed = lineWith({ host: 'api.example.com', verdict: 'allow', rule: 'allowlisted', status: 200, bytes: 5120 });
		const { entries, skipped } = parseProxyLog(`${DENIED_LINE}\nnot json\n\n${allowed}\n{"time":"x"}\n`);
		assert.deepEqual(entries.map((e) => e.host), ['evil.example', 'api.example.com']);
		assert.equal(skipped, 2);
	});
});

describe('proxyLog: formatting', () => {
	const denied = parseProxyLogLine(DENIED_LINE) as ProxyLogEntry;

	it('formats a block as the output channel shows it', () => {
		assert.equal(formatBlockedLine(denied), 'BLOCKED CONNECT evil.example:443 — not in allowlist');
	});

	it('names each rule in plain words', () => {
		assert.equal(formatBlockedLine({ ...denied, host: '203.0.113.9', rule: 'ip-literal' }),
			'BLOCKED CONNECT 203.0.113.9:443 — IP address instead of a host name');
		assert.equal(formatBlockedLine({ ...denied, port: 22, rule: 'port-not-allowed' }),
			'BLOCKED CONNECT evil.example:22 — port not allowed for this host');
		assert.equal(formatBlockedLine({ ...denied, method: 'GET', port: 80, rule: 'private-destination' }),
			'BLOCKED GET evil.example:80 — private or internal address');
		assert.equal(formatBlockedLine({ ...denied, method: 'PUT', rule: 'method-not-allowed' }),
			'BLOCKED PUT evil.example:443 — method not allowed');
		assert.equal(formatBlockedLine({ ...denied, rule: 'other', status: 503 }),
			'BLOCKED CONNECT evil.example:443 — refused by the proxy (HTTP 503)');
	});

	it('says "would block" in audit mode, where the request went through', () => {
		assert.equal(formatBlockedLine({ ...denied, enforced: false, status: 200 }),
			'AUDIT (would block) CONNECT evil.example:443 — not in allowlist');
	});

	it('brackets IPv6 literals so the port stays readable', () => {
		assert.equal(formatBlockedLine({ ...denied, host: '2001:db8::1', rule: 'ip-literal' }),
			'BLOCKED CONNECT [2001:db8::1]:443 — IP address instead of a host name');
	});

	it('formats allowed requests and dispatches on the verdict', () => {
		const allowed: ProxyLogEntry = { ...denied, host: 'api.example.com', verdict: 'allow', rule: 'allowlisted', status: 200, bytes: 5120 };
		assert.equal(formatAllowedLine(allowed), 'ALLOWED CONNECT api.example.com:443 (HTTP 200, 5120 bytes)');
		assert.equal(formatProxyLogEntry(allowed), formatAllowedLine(allowed));
		assert.equal(formatProxyLogEntry(denied), formatBlockedLine(denied));
		assert.equal(isDenied(allowed), false);
		assert.equal(isDenied({ ...denied, enforced: false }), true);
	});
});
