import { strict as assert } from 'node:assert';
import { parseVerifyJson, verifyReport, type VerifyProbe } from '../../extension/core/views/verifyReport';

const control = (result: VerifyProbe['result'], target = 'https://api.example.com/'): VerifyProbe => ({ name: 'control', target, result, detail: result === 'PASS' ? 'tunnel opened through the proxy' : 'no tunnel through the proxy (503)' });
const blocked: VerifyProbe[] = [
	{ name: 'direct-tcp-ipv4', target: 'http://1.1.1.1/', result: 'BLOCKED', detail: 'refused at once' },
	{ name: 'proxy-denied-host', target: 'https://blocked.airlock-verify.invalid/', result: 'BLOCKED', detail: 'proxy answered 403' },
];

describe('views: what Verify Lockdown found', () => {
	it('reads the JSON line airlock-ctl prints after its text', () => {
		const json = parseVerifyJson(`PASS control ...\nverify: OK\n${JSON.stringify({ ok: true, controlPassed: true, leaks: 0, probes: [control('PASS'), ...blocked] })}\n`);
		assert.equal(json?.probes.length, 3);
		assert.equal(parseVerifyJson('no json here'), undefined);
	});

	it('a failed control with every probe blocked is a warning that says nothing leaked, never a breach', () => {
		const report = verifyReport({ ok: false, controlPassed: false, leaks: 0, probes: [control('FAIL'), ...blocked] }, 'app');
		assert.equal(report.outcome, 'control-failed');
		assert.equal(report.severity, 'warning');
		assert.match(report.message, /nothing leaked: all 2 ways around the proxy were blocked/);
		assert.match(report.message, /https:\/\/api\.example\.com\//);
		assert.doesNotMatch(report.message, /got through|LEAK/);
	});

	it('a leak is an error naming the probe that got through', () => {
		const report = verifyReport({ ok: false, controlPassed: true, leaks: 1, probes: [control('PASS'), { name: 'dns-direct', target: '1.1.1.1:53/udp', result: 'LEAK', detail: 'got an answer' }] }, 'app');
		assert.equal(report.outcome, 'leak');
		assert.equal(report.severity, 'error');
		assert.match(report.message, /^app LEAKS: 1 way around the proxy got through: dns-direct/);
	});

	it('all good; and no exact host to test the allowed path', () => {
		assert.equal(verifyReport({ ok: true, controlPassed: true, leaks: 0, probes: [control('PASS'), ...blocked] }, 'app').outcome, 'locked');
		assert.equal(verifyReport({ ok: false, controlPassed: false, leaks: 0, probes: [control('FAIL', '(none)'), ...blocked] }, 'app').outcome, 'no-control-host');
	});
});
