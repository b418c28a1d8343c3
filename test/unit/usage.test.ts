import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DAY_MS, UsageBook, readUsageBook, usageFile, usageForEntries, writeUsageBook } from '../../extension/core/usage';
import { buildPlan } from '../../extension/core/plan';
import { parsePolicyText } from '../../extension/core/policyFile';
import { buildPlanView } from '../../extension/core/views/planView';
import { annotatePlanView } from '../../extension/core/views/planAnnotations';
import { diffPlans } from '../../extension/core/plan';
import { RequestBook, REQUEST_HOST } from '../../extension/core/requests';
import { parseProxyLogLine, type ProxyLogEntry } from '../../extension/core/proxyLog';
import { makeTempWorkspace } from './helpers/tempWorkspace';
import * as path from 'node:path';

/**
 * Usage per entry, from the proxy log, kept on the host per workspace: counted once however
 * often the log is read, attributed to the entry that allowed each request (wildcards
 * included), and unused entries marked only after tracking has run long enough.
 */
function line(time: number, host: string, port = 443, verdict: 'allow' | 'deny' = 'allow'): ProxyLogEntry {
	return { time, client: '127.0.0.1', method: 'CONNECT', host, port, verdict, enforced: true, rule: verdict === 'allow' ? 'allowlisted' : 'not-allowlisted', status: verdict === 'allow' ? 200 : 403, bytes: 10 };
}

const presetsDir = path.resolve(__dirname, '..', '..', '..', 'presets');
const POLICY = 'version: 1\nbaseline: false\nallow:\n  - api.example.com\n  - "*.cdn.example.com"\n  - old.example.com\n  - { host: git.example.org, ports: [22] }\n';

describe('usage per entry', () => {
	it('counts requests that went through, once, however often the log is read', () => {
		const log = [line(1000, 'api.example.com'), line(1000, 'api.example.com'), line(1001, 'denied.example.com', 443, 'deny'), line(1002, 'a.cdn.example.com')];
		const book = new UsageBook(undefined, 0);
		log.forEach((e) => book.ingest(e));
		const again = new UsageBook(book.toData());
		log.forEach((e) => again.ingest(e));
		assert.deepEqual(again.toData(), book.toData());
		assert.deepEqual(Object.fromEntries(book.entries()), { 'api.example.com:443': { count: 2, last: 1_000_000 }, 'a.cdn.example.com:443': { count: 1, last: 1_002_000 } });
		again.ingest(line(1002, 'api.example.com'));
		assert.equal(Object.fromEntries(again.entries())['api.example.com:443'].count, 3, 'a later line at the same millisecond counts');
	});

	it('attributes uses to entries, wildcards included, on the ports each allows; marks unused after the configured time', () => {
		const plan = buildPlan({ project: parsePolicyText(POLICY, 'airlock.yaml'), presetsDir });
		const now = 40 * DAY_MS;
		const book = new UsageBook(undefined, 0);
		book.ingest(line((now - 2 * DAY_MS) / 1000, 'api.example.com'));
		book.ingest(line((now - 1 * DAY_MS) / 1000, 'img.cdn.example.com'));
		book.ingest(line((now - 1 * DAY_MS) / 1000 + 1, 'js.cdn.example.com', 80));
		book.ingest(line((now - 35 * DAY_MS) / 1000, 'git.example.org', 443));
		const use = usageForEntries(plan.entries, book, 30 * DAY_MS, now);
		assert.deepEqual([use.get('api.example.com')?.count, use.get('api.example.com')?.unused], [1, false]);
		assert.equal(use.get('api.example.com')?.text, 'used 1 time, last 2 days ago');
		assert.deepEqual(use.get('*.cdn.example.com')?.names, ['img.cdn.example.com', 'js.cdn.example.com']);
		assert.equal(use.get('old.example.com')?.unused, true);
		assert.equal(use.get('old.example.com')?.text, 'not used in the 40 days tracked');
		assert.equal(use.get('git.example.org')?.count, 0, 'a request on 443 is not a use of a port-22 entry');
		assert.equal(use.get('git.example.org')?.unused, true);
	});

	it('a fresh workspace has no unused entries yet, only no use recorded', () => {
		const plan = buildPlan({ project: parsePolicyText(POLICY, 'airlock.yaml'), presetsDir });
		const book = new UsageBook(undefined, 1000);
		const use = usageForEntries(plan.entries, book, 30 * DAY_MS, 1000 + 2 * DAY_MS);
		assert.equal(use.get('old.example.com')?.unused, false);
		assert.equal(use.get('old.example.com')?.text, 'no use recorded yet (tracking for 2 days)');
	});

	it('survives on the host per workspace (atomically written), and a damaged file starts over', () => {
		const ws = makeTempWorkspace();
		try {
			const book = new UsageBook(undefined, 5);
			book.ingest(line(10, 'api.example.com'));
			writeUsageBook(ws.dir, book, ws.env);
			assert.equal(readUsageBook(ws.dir, ws.env).toData().targets['api.example.com:443'].count, 1);
			assert.equal(readUsageBook(ws.dir, ws.env).trackingSince, 5);
			fs.writeFileSync(usageFile(ws.dir, ws.env), 'garbage');
			assert.deepEqual(readUsageBook(ws.dir, ws.env, 99).toData().targets, {});
		} finally {
			ws.cleanup();
		}
	});
});

describe('plan view annotations', () => {
	it('marks the rows the agent asked for, and the unused entries whose removal can be proposed', () => {
		const plan = buildPlan({ project: parsePolicyText(POLICY, 'airlock.yaml'), presetsDir });
		const requests = new RequestBook();
		const ask = parseProxyLogLine(JSON.stringify({ time: 5, client: 'x', method: 'GET', host: REQUEST_HOST, port: 80, verdict: 'deny', enforced: true, rule: 'access-request', status: 403, bytes: 0, ask: 'v=1;host=api.example.com;port=;why=the%2520docs' }));
		assert.ok(ask);
		requests.ingest(ask);
		const usage = new UsageBook(undefined, 0);
		usage.ingest(line(39 * DAY_MS / 1000, 'api.example.com'));
		const view = annotatePlanView(buildPlanView(plan, diffPlans(undefined, plan)), plan, { requests: requests.list(), usage, unusedAfterDays: 30, now: 40 * DAY_MS });
		const rows = view.groups.flatMap((g) => g.rows);
		const api = rows.find((r) => r.host === 'api.example.com');
		assert.deepEqual(api?.requested && { why: api.requested.why, count: api.requested.count }, { why: 'the docs', count: 1 });
		assert.equal(api?.usage?.unused, false);
		assert.equal(rows.find((r) => r.host === 'old.example.com')?.usage?.unused, true);
		assert.deepEqual(view.usage?.removable, ['*.cdn.example.com', 'git.example.org', 'old.example.com']);
		assert.equal(view.usage?.unusedAfterDays, 30);
	});
});
