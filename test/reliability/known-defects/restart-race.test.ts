/*
 * KNOWN DEFECT (fails today; not in CI): after `docker restart`, the first `docker exec -u dev`
 * can run before the entrypoint has locked. It then reads the previous start's status file
 * (/run survives a restart) saying "locked", while the new network namespace has no firewall
 * yet: a direct request goes out.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dockerOk } from '../../e2e/lib/docker';
import type { BuiltWorkspace } from '../../bench/lib/harness';
import { assertAllowedThroughProxy, assertDirectRefused, createWorld, type World } from '../lib/fixture';

function firstExec(container: string, script: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn('docker', ['exec', '-u', 'dev', container, 'bash', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		child.stdout.on('data', (c: Buffer) => (out += c.toString()));
		child.stderr.on('data', (c: Buffer) => (out += c.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
		child.on('error', reject);
		child.on('close', () => {
			clearTimeout(timer);
			resolve(out);
		});
	});
}

describe('known defect: docker restart — the first user command runs before the lock', function () {
	this.timeout(600_000);
	let world: World;
	let ws: BuiltWorkspace;

	before(async () => {
		world = await createWorld('restart-race');
		ws = await world.lockedWorkspace('restart-race');
	});

	after(async () => {
		await world?.cleanup();
	});

	it('the first docker exec -u dev after each restart sees locked and a refused direct request', async () => {
		await assertAllowedThroughProxy(ws.container);
		await assertDirectRefused(ws.container, world);
		for (let round = 1; round <= 5; round++) {
			await dockerOk(['restart', '-t', '2', ws.container], { timeoutMs: 120_000 });
			const first = await firstExec(ws.container,
				`cat /run/airlock/status.json; echo; curl -sS -o /dev/null --noproxy '*' --connect-timeout 3 --max-time 5 http://${world.web.ipv4}/index.html 2>&1; echo "direct=$?"`);
			// Both at once, so the message shows the status and what the direct request did.
			assert.ok(/^\{"state":"locked"/.test(first) && /direct=7\b/.test(first), `round ${round}: the first exec after docker restart saw (direct=0 means the request went out): ${first}`);
		}
	});
});
