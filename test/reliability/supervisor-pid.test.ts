/*
 * `airlock-ctl lock` decides whether the proxy's supervisor runs from /run/airlock/supervisor.pid.
 * /run survives `docker restart` and PIDs start again from 1, so after a restart that PID can
 * belong to any process, even another airlock-ctl (an `airlock-ctl status` the editor runs).
 * Only a live `_supervise` process counts; otherwise lock starts a new supervisor.
 */
import * as assert from 'node:assert/strict';
import { asRoot } from '../bench/lib/harness';
import { assertAllowedThroughProxy, useLockedWorld } from './lib/fixture';

describe('reliability: a reused supervisor PID does not keep the proxy from starting', function () {
	this.timeout(600_000);
	const locked = useLockedWorld('supervisor-pid');

	it('lock starts the proxy even when the old supervisor PID now belongs to another airlock-ctl process', async () => {
		await assertAllowedThroughProxy(locked.ws.container);
		// What a restart leaves behind: no supervisor, no Squid, the old PID file, and the PID
		// taken by an unrelated process whose command line is "airlock-ctl status --json".
		const script = [
			'kill -9 "$(cat /run/airlock/supervisor.pid)"',
			'for d in /proc/[0-9]*; do [ "$(cat "$d/comm" 2>/dev/null)" = squid ] && kill -9 "${d#/proc/}"; done',
			'sleep 0.5',
			'(exec -a "airlock-ctl status --json" sleep 60) & imposter=$!',
			'echo "$imposter" > /run/airlock/supervisor.pid',
			'airlock-ctl lock >/dev/null 2>&1',
			'n=0; for i in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/3128) 2>/dev/null && { n=1; break; }; sleep 0.1; done',
			'echo "proxy=$n"',
			'airlock-ctl status --json',
			'kill "$imposter"',
		].join('\n');
		const r = await asRoot(locked.ws.container, ['bash', '-c', script], { timeoutMs: 120_000 });
		assert.match(r.stdout, /proxy=1/, `the proxy did not start after lock: ${r.stdout}`);
		await assertAllowedThroughProxy(locked.ws.container);
	});
});
