/*
 * When the firewall cannot be programmed (the container runs without NET_ADMIN), nothing may
 * run with open egress: the entrypoint records NOT LOCKED with the reason and stops the
 * container. The same image with NET_ADMIN is the positive control.
 */
import * as assert from 'node:assert/strict';
import { docker, dockerOk } from '../e2e/lib/docker';
import { asRoot, waitFor } from '../bench/lib/harness';
import { assertAllowedThroughProxy, assertDirectRefused, useLockedWorld } from './lib/fixture';

/** The devcontainer CLI's own start script, with the Feature's entrypoint line. */
const DEVCONTAINER_START = 'echo Container started\ntrap "exit 0" 15\n/usr/local/share/airlock/entrypoint.sh\nexec "$@"\nwhile sleep 1 & wait $!; do :; done';

describe('reliability: the firewall cannot be programmed (no NET_ADMIN): NOT LOCKED, and no egress', function () {
	this.timeout(600_000);
	const locked = useLockedWorld('no-net-admin');

	/** The Feature's image, started as the devcontainer CLI starts it, with or without NET_ADMIN. */
	async function runImage(netAdmin: boolean): Promise<string> {
		const caps = netAdmin ? ['--cap-add', 'NET_ADMIN'] : ['--cap-drop', 'NET_ADMIN'];
		const hosts = Object.entries(locked.world.addHosts).flatMap(([h, ip]) => ['--add-host', `${h}:${ip}`]);
		const r = await dockerOk(['run', '-d', ...locked.world.testRun.labelArgs, ...caps, '--security-opt', 'no-new-privileges', '--network', locked.world.network.name, ...hosts,
			'--entrypoint', '/bin/sh', locked.ws.image, '-c', DEVCONTAINER_START, '-']);
		return r.stdout.trim();
	}

	async function settledStatus(container: string): Promise<{ state: string; reason: string | null }> {
		return waitFor('a settled status', async () => {
			const r = await asRoot(container, ['airlock-ctl', 'status', '--json']);
			const status = /^\{/.test(r.stdout) ? (JSON.parse(r.stdout) as { state: string; reason: string | null }) : undefined;
			// Before the entrypoint's first word the status says nothing was applied yet: not settled either.
			return status && !(status.reason ?? '').startsWith('locking') && !(status.reason ?? '').startsWith('no lock has been applied') ? status : undefined;
		}, { attempts: 120, everyMs: 250 });
	}

	it('records not-locked with the reason and stops the container; the same image with NET_ADMIN locks', async () => {
		const control = await runImage(true);
		assert.equal((await settledStatus(control)).state, 'locked');
		// Locked means ready: the proxy answers the first request after it.
		await assertAllowedThroughProxy(control);
		await assertDirectRefused(control, locked.world);

		const broken = await runImage(false);
		// Nothing can run in it: the container stops by itself (bounded poll, not a timing claim).
		await waitFor('the container without NET_ADMIN to stop', async () => {
			const running = (await docker(['inspect', '--format', '{{.State.Running}}', broken])).stdout.trim();
			return running === 'false' ? true : undefined;
		}, { attempts: 120, everyMs: 250 });
		const logs = await docker(['logs', broken]);
		assert.match(logs.stderr + logs.stdout, /NOT LOCKED: the firewall cannot be programmed/);
		// The status it left behind says why (read from the stopped container's filesystem).
		const status = await dockerOk(['cp', `${broken}:/run/airlock/status.json`, '-']);
		assert.match(status.stdout, /"state":"not-locked"/);
		assert.match(status.stdout, /stopped so nothing runs with open egress/);
		// And no user command can start in it.
		const exec = await docker(['exec', '-u', 'dev', broken, 'true']);
		assert.notEqual(exec.code, 0);
	});
});
