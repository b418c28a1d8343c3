import { strict as assert } from 'node:assert';
import { parseProxyLogLine } from '../../extension/core/proxyLog';
import { blockedHostDescription, BlockedHostTally, NotificationThrottle } from '../../extension/core/views/blockedHosts';

function logLine(host: string, time: number, extra: Record<string, unknown> = {}) {
	const entry = parseProxyLogLine(JSON.stringify({ time, client: '127.0.0.1', method: 'CONNECT', host, port: 443, verdict: 'deny', enforced: true, rule: 'not-allowlisted', status: 403, bytes: 0, ...extra }));
	assert.ok(entry, 'the test line must parse');
	return entry;
}

describe('views: blocked hosts', () => {
	it('counts denied requests per host, most recently seen first', () => {
		const tally = new BlockedHostTally();
		assert.deepEqual(tally.record(logLine('evil.example', 100)), { counted: true, newHost: true });
		assert.deepEqual(tally.record(logLine('other.example', 101)), { counted: true, newHost: true });
		assert.deepEqual(tally.record(logLine('EVIL.example', 102.5, { port: 22, rule: 'port-not-allowed' })), { counted: true, newHost: false });
		assert.equal(tally.totalBlocked, 3);
		assert.equal(tally.hostCount, 2);
		assert.deepEqual(tally.list(), [
			{ host: 'evil.example', count: 2, lastSeen: 102500, ports: [22, 443], rules: ['not-allowlisted', 'port-not-allowed'], enforced: true },
			{ host: 'other.example', count: 1, lastSeen: 101000, ports: [443], rules: ['not-allowlisted'], enforced: true },
		]);
	});

	it('ignores allowed requests', () => {
		const tally = new BlockedHostTally();
		assert.deepEqual(tally.record(logLine('api.example.com', 100, { verdict: 'allow', rule: 'allowlisted', status: 200 })), { counted: false, newHost: false });
		assert.equal(tally.totalBlocked, 0);
		assert.deepEqual(tally.list(), []);
	});

	it('keeps the latest time even when lines arrive out of order', () => {
		const tally = new BlockedHostTally();
		tally.record(logLine('evil.example', 200));
		tally.record(logLine('evil.example', 150));
		assert.equal(tally.get('evil.example')?.lastSeen, 200000);
	});

	it('marks a host seen only in audit mode as not enforced', () => {
		const tally = new BlockedHostTally();
		tally.record(logLine('audit.example', 100, { enforced: false, status: 200 }));
		const summary = tally.get('audit.example');
		assert.equal(summary?.enforced, false);
		assert.equal(blockedHostDescription(summary!, () => '12:00:00'), '1 would block · last 12:00:00');
	});

	it('describes counts, non-web ports and the last time', () => {
		const tally = new BlockedHostTally();
		tally.record(logLine('evil.example', 100));
		tally.record(logLine('evil.example', 101, { port: 2222 }));
		assert.equal(blockedHostDescription(tally.get('evil.example')!, (ms) => `t${ms}`), '2 blocked · port 2222 · last t101000');
	});

	it('throttles notifications to one per interval and counts the ones held back', () => {
		const throttle = new NotificationThrottle(10_000);
		assert.equal(throttle.tryShow(1_000), true);
		assert.equal(throttle.tryShow(2_000), false);
		assert.equal(throttle.tryShow(10_999), false);
		assert.equal(throttle.takeSuppressed(), 2);
		assert.equal(throttle.takeSuppressed(), 0);
		assert.equal(throttle.tryShow(11_000), true);
	});
});
