import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_NEW_PER_MINUTE, MAX_PENDING, MAX_WHY_CHARS, REJECT_COOLDOWN_MS, REQUEST_HOST, RequestBook, parseAsk, policyAllows, readRequestBook, requestBookFile, requestId, writeRequestBook } from '../../extension/core/requests';
import { parseProxyLogLine, type ProxyLogEntry } from '../../extension/core/proxyLog';
import { cleanUntrustedText, percentDecodeUtf8 } from '../../extension/core/untrustedText';
import { makeTempWorkspace } from './helpers/tempWorkspace';
import * as fs from 'node:fs';

/**
 * Access requests from the agent are untrusted input: checked with the full grammar, capped,
 * shown as plain text, bounded in count and rate on the host, never approved by themselves,
 * and a rejected one stays quiet for a while.
 */

/** What the proxy logs for `airlock-request HOST[:PORT] --why WHY` (docs/architecture.md §3). */
function askLine(time: number, host: string, port: string, why: string): ProxyLogEntry {
	const enc = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
	// The command encodes the reason; the proxy's log format (%#) encodes the header once more.
	const ask = enc(`v=1;host=${host};port=${port};why=${enc(why)}`);
	const line = JSON.stringify({ time, client: '127.0.0.1', method: 'GET', host: REQUEST_HOST, port: 80, verdict: 'deny', enforced: true, rule: 'access-request', status: 403, bytes: 800, exfil: '-', ask });
	const entry = parseProxyLogLine(line);
	assert.ok(entry, line);
	return entry;
}

describe('access requests: reading what the agent sent', () => {
	it('reads host, port and reason through both layers of encoding', () => {
		const e = askLine(100, 'API.example.com', '', 'need the <b>docs</b> & "API"');
		assert.equal(e.rule, 'access-request');
		const parsed = parseAsk(e.ask ?? '');
		assert.deepEqual(parsed, { ok: true, host: 'api.example.com', why: 'need the <b>docs</b> & "API"' });
		assert.deepEqual(parseAsk(askLine(1, 'git.example.org', '22', 'ssh').ask ?? ''), { ok: true, host: 'git.example.org', port: 22, why: 'ssh' });
		assert.deepEqual(parseAsk(askLine(1, 'a.example.org', '443', 'x').ask ?? ''), { ok: true, host: 'a.example.org', why: 'x' }, '443 is the web ports');
	});

	it('refuses what the grammar refuses, and anything not in the command\'s format', () => {
		for (const [host, port] of [['169.254.169.254', ''], ['localhost', ''], ['*.amazonaws.com', ''], ['request.airlock.invalid', ''], ['a.example.com', '0'], ['a.example.com', '70000']]) {
			const parsed = parseAsk(askLine(1, host, port, 'x').ask ?? '');
			assert.equal(parsed.ok, false, `${host}:${port}`);
		}
		for (const raw of ['', 'host=a.example.com', 'v=1;host=a.example.com;port=;why=x;extra=1', 'v=1;host=a.example.com;port=;why=x,%20v=1;host=b.example.com;port=;why=y', 'v=2;host=a.example.com;port=;why=x', 'v=1;host=a.example.com;port=;why=']) {
			assert.equal(parseAsk(raw).ok, false, raw);
		}
	});

	it('cleans the reason: one line, no controls, no invisible or direction characters, no link or icon syntax, capped', () => {
		const hostile = 'line1\nline2\u0007\u202Eevil\u200B [click](command:airlock.approve) $(check) ' + 'x'.repeat(1000);
		const parsed = parseAsk(askLine(1, 'a.example.com', '', hostile).ask ?? '');
		assert.ok(parsed.ok);
		// eslint-disable-next-line no-control-regex -- looking for control characters
		assert.doesNotMatch(parsed.why, /[\u0000-\u001f\u007f-\u009f\u200b\u202e]/);
		assert.doesNotMatch(parsed.why, /\]\(/);
		assert.doesNotMatch(parsed.why, /\$\(/);
		assert.ok([...parsed.why].length <= MAX_WHY_CHARS);
		assert.ok(parsed.why.endsWith('…'));
		assert.match(parsed.why, /^line1 line2 evil \[click\] \(command:airlock\.approve\) \$ \(check\) x+…$/);
	});

	it('the cleaner holds for any input', () => {
		fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 1, max: 200 }), (raw, max) => {
			const { text } = cleanUntrustedText(raw, max);
			assert.ok([...text].length <= max);
			// eslint-disable-next-line no-control-regex -- looking for control characters
			assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u);
			assert.doesNotMatch(text, /\]\(|\$\(|^\s|\s$|\s\s/);
		}), { numRuns: 300 });
		fc.assert(fc.property(fc.string({ maxLength: 200 }), (raw) => {
			percentDecodeUtf8(raw);
		}));
	});
});

describe('access requests: the book', () => {
	it('raises a request once, counts repeats, and reading the same log again changes nothing', () => {
		const book = new RequestBook();
		const log = [askLine(100, 'api.example.com', '', 'docs'), askLine(101, 'api.example.com', '', 'the docs again'), askLine(101, 'git.example.org', '22', 'ssh')];
		const outcomes = log.map((e) => book.ingest(e).kind);
		assert.deepEqual(outcomes, ['new', 'repeat', 'new']);
		const api = book.find('api.example.com');
		assert.equal(api?.count, 2);
		assert.equal(api?.why, 'the docs again');
		assert.equal(book.find('git.example.org:22')?.port, 22);
		assert.equal(book.find(requestId('git.example.org', 22))?.host, 'git.example.org');
		const again = new RequestBook(book.toData());
		assert.deepEqual(log.map((e) => again.ingest(e).kind), ['ignored', 'ignored', 'ignored']);
		assert.deepEqual(again.toData(), book.toData());
		assert.equal(again.ingest(askLine(101, 'b.example.com', '', 'same millisecond, later line')).kind, 'new');
	});

	it('is never approved by itself; a person\'s decision is recorded with who and when', () => {
		const book = new RequestBook();
		book.ingest(askLine(100, 'api.example.com', '', 'docs'));
		assert.equal(book.list('pending').length, 1);
		assert.equal(book.list('approved').length, 0);
		const decided = book.decide(requestId('api.example.com'), 'approved', 'person@host', 5000);
		assert.deepEqual([decided?.state, decided?.decidedBy, decided?.decidedAt], ['approved', 'person@host', 5000]);
	});

	it('a rejected request stays quiet for the cooldown, then is raised again', () => {
		const book = new RequestBook();
		book.ingest(askLine(100, 'api.example.com', '', 'docs'));
		book.decide(requestId('api.example.com'), 'rejected', 'person', 100_000);
		assert.equal(book.ingest(askLine(200, 'api.example.com', '', 'please')).kind, 'quiet');
		assert.equal(book.find('api.example.com')?.state, 'rejected');
		const later = (100_000 + REJECT_COOLDOWN_MS + 1000) / 1000;
		assert.equal(book.ingest(askLine(later, 'api.example.com', '', 'a day later')).kind, 'new');
		assert.equal(book.find('api.example.com')?.state, 'pending');
	});

	it('requests the approved policy already allows are not raised; an approval closes the ones it covers', () => {
		const policy = { rules: [{ host: '*.example.com' }, { host: 'git.example.org', port: 22 }] };
		const allowed = (h: string, p?: number): boolean => policyAllows(policy, h, p);
		const book = new RequestBook();
		assert.equal(book.ingest(askLine(1, 'a.example.com', '', 'x'), allowed).kind, 'ignored');
		assert.equal(book.ingest(askLine(2, 'git.example.org', '22', 'x'), allowed).kind, 'ignored');
		assert.equal(book.ingest(askLine(3, 'git.example.org', '', 'x'), allowed).kind, 'new', 'the web ports are not port 22');
		assert.equal(book.ingest(askLine(4, 'c.example.net', '', 'x'), allowed).kind, 'new');
		const closed = book.reconcile({ rules: [{ host: 'c.example.net' }] }, 'approval', 10);
		assert.deepEqual(closed.map((r) => r.host), ['c.example.net']);
		assert.equal(book.find('c.example.net')?.state, 'approved');
	});

	it('bounds rate and count: at most a few new requests a minute, at most MAX_PENDING waiting', () => {
		const book = new RequestBook();
		const kinds = Array.from({ length: MAX_NEW_PER_MINUTE + 5 }, (_, i) => book.ingest(askLine(1000 + i, `h${i}.example.com`, '', 'x')).kind);
		assert.equal(kinds.filter((k) => k === 'new').length, MAX_NEW_PER_MINUTE);
		assert.equal(book.ignoredCounts.rateLimited, 5);
		let t = 2000;
		for (let i = 0; book.list('pending').length < MAX_PENDING && i < 1000; i++) {
			t += 61;
			book.ingest(askLine(t, `m${i}.example.com`, '', 'x'));
		}
		assert.equal(book.list('pending').length, MAX_PENDING);
		assert.equal(book.ingest(askLine(t + 61, 'one-more.example.com', '', 'x')).kind, 'ignored');
		assert.ok(book.ignoredCounts.overLimit >= 1);
	});

	it('counts malformed lines and ignores every other log line', () => {
		const book = new RequestBook();
		const bad = parseProxyLogLine(JSON.stringify({ time: 5, client: 'x', method: 'GET', host: REQUEST_HOST, port: 80, verdict: 'deny', enforced: true, rule: 'access-request', status: 403, bytes: 0, ask: 'v=1;host=10.0.0.1;port=;why=x' }));
		assert.ok(bad);
		assert.equal(book.ingest(bad).kind, 'ignored');
		assert.equal(book.ignoredCounts.malformed, 1);
		const blocked = parseProxyLogLine(JSON.stringify({ time: 6, client: 'x', method: 'CONNECT', host: 'a.example.com', port: 443, verdict: 'deny', enforced: true, rule: 'not-allowlisted', status: 403, bytes: 0, ask: 'v=1;host=b.example.com;port=;why=x' }));
		assert.ok(blocked);
		assert.equal(blocked.ask, undefined, 'ask is read only on access-request lines');
		assert.deepEqual(book.ingest(blocked), { kind: 'ignored', why: 'not-a-request' });
	});

	it('is stored on the host per workspace, atomically, and re-cleaned when read', () => {
		const ws = makeTempWorkspace();
		try {
			const book = new RequestBook();
			book.ingest(askLine(100, 'api.example.com', '', 'docs'));
			writeRequestBook(ws.dir, book, ws.env);
			const file = requestBookFile(ws.dir, ws.env);
			assert.ok(file.startsWith(ws.env.XDG_CONFIG_HOME ?? '/nonexistent'));
			assert.equal(fs.statSync(file).mode & 0o777, 0o600);
			const data = JSON.parse(fs.readFileSync(file, 'utf8'));
			data.requests[0].why = 'edited\u202E[x](command:y)';
			data.requests.push({ id: 'not-an-id', host: 'localhost' });
			fs.writeFileSync(file, JSON.stringify(data));
			const back = readRequestBook(ws.dir, ws.env);
			assert.equal(back.list().length, 1);
			assert.equal(back.list()[0].why, 'edited[x] (command:y)');
			fs.writeFileSync(file, '{not json');
			assert.equal(readRequestBook(ws.dir, ws.env).list().length, 0);
		} finally {
			ws.cleanup();
		}
	});
});
