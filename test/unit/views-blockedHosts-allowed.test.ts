import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockedHostTally, describeBlockedRequest, isVerifyProbe, VERIFY_PROBE_DOMAIN } from '../../extension/core/views/blockedHosts';

const block = (host: string, port = 443, rule = 'not-allowlisted') => ({ time: 1, method: port === 80 ? 'GET' : 'CONNECT', host, port, verdict: 'deny' as const, enforced: true, rule });

describe('views: blocked hosts after an approved change', () => {
	it('drops the hosts the policy now allows, with their requests, and keeps the rest', () => {
		const tally = new BlockedHostTally();
		tally.record(block('a.example.com'));
		tally.record(block('a.example.com'));
		tally.record(block('deep.b.example.org'));
		tally.record(block('git.example.net', 22, 'port-not-allowed'));
		tally.record(block('c.example.com'));
		const dropped = tally.forgetAllowed([{ host: 'a.example.com' }, { host: '*.example.org' }, { host: 'git.example.net' }]);
		assert.deepEqual(dropped.sort(), ['a.example.com', 'deep.b.example.org']);
		assert.deepEqual(tally.list().map((s) => s.host).sort(), ['c.example.com', 'git.example.net']);
		assert.equal(tally.totalBlocked, 2);
		// The web ports do not cover port 22; the port entry does.
		assert.deepEqual(tally.forgetAllowed([{ host: 'git.example.net', port: 22 }]), ['git.example.net']);
	});

	it('keeps blocks that allowing the host cannot cure (an IP literal, a private address)', () => {
		const tally = new BlockedHostTally();
		tally.record(block('internal.example.com', 443, 'private-destination'));
		assert.deepEqual(tally.forgetAllowed([{ host: 'internal.example.com' }]), []);
	});

	it('recognises Airlock\'s own verify probe, whose name airlock-ctl uses', () => {
		assert.equal(isVerifyProbe('blocked.airlock-verify.invalid'), true);
		assert.equal(isVerifyProbe('airlock-verify.invalid.example.com'), false);
		const ctl = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'devcontainer-feature', 'src', 'airlock', 'bin', 'airlock-ctl'), 'utf8');
		const probe = /probe_denied_via_proxy \S+ "([^"]+)"/.exec(ctl)?.[1];
		assert.ok(probe && isVerifyProbe(probe) && probe.endsWith(VERIFY_PROBE_DOMAIN), `airlock-ctl probes ${probe}`);
	});

	it('says what was blocked in plain words', () => {
		assert.equal(describeBlockedRequest(block('evil.example')), 'evil.example was blocked (HTTPS): it is not in the approved allowlist.');
		assert.equal(describeBlockedRequest({ ...block('git.example', 22, 'port-not-allowed') }), 'git.example was blocked (port 22): this port is not approved for it.');
		assert.match(describeBlockedRequest({ ...block('x.example', 80), enforced: false }), /^x\.example would be blocked in enforce mode \(HTTP\): .*Audit mode let it through\.$/);
	});
});
