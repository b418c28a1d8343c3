/*
 * Faults in a locked container built by the real devcontainer CLI with the local Feature: the
 * proxy killed, the container restarted, corrupt and hostile policies pushed through applyPolicy
 * (the editor's and the CLI's path). Every negative probe follows a positive control.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { canonicalText } from '../../extension/core/enforcedPolicy';
import { createDockerClient } from '../../extension/docker/connect';
import { applyPolicy, readStatus } from '../../extension/docker/control';
import { ApplyRejectedError } from '../../extension/docker/errors';
import { dockerOk } from '../e2e/lib/docker';
import { parseAirlockStatus } from '../../extension/docker/status';
import { asAgent, asRoot, waitFor, type BuiltWorkspace } from '../bench/lib/harness';
import { ALLOWED, DENIED, assertAllowedThroughProxy, assertDeniedByProxy, assertDirectRefused, createWorld, type World } from './lib/fixture';

/** Prints a measured figure into the test output (not asserted unless the issue states a bound). */
function figure(text: string): void {
	process.stdout.write(`      figure: ${text}\n`);
}

/** Parses `key=value` lines a probe script printed. */
function keyValues(text: string): Record<string, string> {
	return Object.fromEntries(text.split('\n').map((l) => /^(\w+)=(.*)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1], m[2]]));
}

describe('reliability: faults in a locked container', function () {
	this.timeout(600_000);
	const { docker } = createDockerClient();
	let world: World;
	let ws: BuiltWorkspace;

	before(async function () {
		world = await createWorld('faults');
		ws = await world.lockedWorkspace('faults');
	});

	after(async function () {
		await world?.cleanup();
	});

	it('proxy killed (kill -9 of every Squid process): egress stays closed, the proxy is supervised back within 2 s', async () => {
		await assertAllowedThroughProxy(ws.container);
		await assertDirectRefused(ws.container, world);
		// One root script, so the outage probes run within milliseconds of the kill: find Squid's
		// processes, kill -9 them all, probe as the agent (setpriv), then poll until the proxy answers.
		const script = [
			'set -u',
			'pids=""; for d in /proc/[0-9]*; do [ "$(cat "$d/comm" 2>/dev/null)" = squid ] && pids="$pids ${d#/proc/}"; done',
			'echo "pids=$pids"',
			'[ -n "$pids" ] || exit 3',
			'agent() { setpriv --reuid=dev --regid=dev --init-groups env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy "$@"; }',
			't0=$(date +%s%N)',
			'kill -9 $pids',
			`agent curl -sS -o /dev/null --noproxy '*' --connect-timeout 5 --max-time 8 http://${world.web.ipv4}/index.html 2>/dev/null; echo "direct=$?"`,
			`agent curl -sS -o /dev/null -x http://127.0.0.1:3128 --connect-timeout 5 --max-time 8 http://${ALLOWED}/index.html 2>/dev/null; echo "proxy=$?"`,
			'echo "probesMs=$(( ($(date +%s%N) - t0) / 1000000 ))"',
			// Bounded: at most 1000 tries (each at most 1 s), i.e. well under a minute.
			'for i in $(seq 1 1000); do',
			`  if agent curl -sf -o /dev/null -x http://127.0.0.1:3128 --max-time 1 http://${ALLOWED}/index.html; then echo "backMs=$(( ($(date +%s%N) - t0) / 1000000 ))"; exit 0; fi`,
			'  sleep 0.02',
			'done',
			'echo "backMs=never"',
		].join('\n');
		const r = await asRoot(ws.container, ['bash', '-c', script], { timeoutMs: 120_000 });
		const kv = keyValues(r.stdout);
		assert.ok(kv.pids?.trim(), `no Squid process found to kill: ${r.stdout} ${r.stderr}`);
		// During the outage: the firewall refuses direct egress at once (7 = connection refused),
		// and the proxy port refuses too (7), instead of hanging (28 = timeout).
		assert.equal(kv.direct, '7', `direct request during the outage: ${r.stdout}`);
		assert.equal(kv.proxy, '7', `request through the proxy during the outage should be refused at once: ${r.stdout}`);
		assert.notEqual(kv.backMs, 'never', `the proxy did not come back: ${r.stdout}`);
		const backMs = Number(kv.backMs);
		figure(`proxy back ${backMs} ms after kill -9 of ${kv.pids.trim().split(/\s+/).length} Squid process(es); outage probes took ${kv.probesMs} ms`);
		assert.ok(backMs <= 2000, `the proxy came back after ${backMs} ms, more than 2 s`);
		// Back as before: allowed works, denied is denied, direct is refused, status locked.
		await assertAllowedThroughProxy(ws.container);
		await assertDeniedByProxy(ws.container);
		await assertDirectRefused(ws.container, world);
		assert.equal((await readStatus(docker, ws.container)).state, 'locked');
	});

	it('docker restart: locked again by the entrypoint (status since the restart, direct refused, proxy answers)', async () => {
		// The very first exec after a restart is checked in restart-status.test.ts.
		await assertAllowedThroughProxy(ws.container);
		await assertDirectRefused(ws.container, world);
		const rounds = 3;
		for (let round = 1; round <= rounds; round++) {
			const restartedAt = Date.now();
			await dockerOk(['restart', '-t', '2', ws.container], { timeoutMs: 120_000 });
			// Polls the status file as the remote user can read it, not with `airlock-ctl status`:
			// a polling airlock-ctl can take the PID the old supervisor had, which today stops the
			// proxy from starting (supervisor-pid.test.ts).
			const status = await waitFor('the status of this start', async () => {
				const r = await asAgent(ws.container, 'cat /run/airlock/status.json', { proxy: false, timeoutMs: 30_000 });
				const parsed = parseAirlockStatus(r.stdout);
				const s = 'status' in parsed ? parsed.status : undefined;
				// `since` has second precision; the state of this start is not older than the restart.
				return s && Date.parse(s.since) >= Math.floor(restartedAt / 1000) * 1000 && s.state !== 'not-locked' ? s : undefined;
			}, { attempts: 120, everyMs: 250 });
			assert.equal(status.state, 'locked', JSON.stringify(status));
			// Locked means ready (firewall in place and the proxy answering): no wait for the proxy.
			await assertAllowedThroughProxy(ws.container);
			await assertDirectRefused(ws.container, world);
			await assertDeniedByProxy(ws.container);
		}
		figure(`${rounds} restarts, locked again each time`);
	});

	describe('corrupt or hostile policies through applyPolicy are rejected; the last good one keeps working', () => {
		const goodPolicy = canonicalText({ mode: 'enforce', rules: [{ host: ALLOWED }, { host: ALLOWED, port: 8443 }] });
		let goodHash: string;

		before(async () => {
			goodHash = (await applyPolicy(docker, ws.container, goodPolicy)).policyHash;
		});

		const header = 'airlock-policy 1\nmode enforce\n';
		// 10 MB of lines that are each valid: only the size is wrong (the container reads at most 1 MiB).
		const bigLines: string[] = [];
		for (let i = 0, bytes = 0; bytes < 10 * 1024 * 1024 && i < 1_000_000; i += 1) {
			bigLines.push(`allow h${String(i).padStart(6, '0')}.${ALLOWED}`);
			bytes += bigLines[bigLines.length - 1].length + 1;
		}
		const cases: { name: string; text: string; expect: RegExp }[] = [
			{ name: 'a non-canonical header', text: `airlock-policy 2\nmode enforce\nallow ${ALLOWED}\n`, expect: /line 1/ },
			{ name: 'a header in upper case', text: `AIRLOCK-POLICY 1\nmode enforce\nallow ${ALLOWED}\n`, expect: /line 1/ },
			{ name: 'an IP literal', text: `${header}allow 198.51.100.178\n`, expect: /line 3/ },
			{ name: 'allow .x.com', text: `${header}allow .x.com\n`, expect: /line 3/ },
			{ name: 'an injected newline with `http_access allow all`', text: `${header}allow ${ALLOWED}\nhttp_access allow all\n`, expect: /line 4/ },
			{ name: 'a Squid directive inside a host', text: `${header}allow ${ALLOWED} all\n`, expect: /line 3/ },
			{ name: 'a 10 MB blob of allow lines', text: `${header}${bigLines.join('\n')}\n`, expect: /./ },
			{ name: 'NUL bytes', text: `${header}allow ${ALLOWED}\u0000.evil.example\n`, expect: /NUL/ },
			{ name: 'invalid UTF-8 (decoded to U+FFFD on the way in)', text: `${header}allow b\udcffd.example\n`, expect: /line 3/ },
			{ name: 'unsorted lines', text: `${header}allow z.${ALLOWED}\nallow a.${ALLOWED}\n`, expect: /line/ },
			{ name: 'CRLF line endings', text: `airlock-policy 1\r\nmode enforce\r\nallow ${ALLOWED}\r\n`, expect: /line 1/ },
			{ name: 'an empty text', text: '', expect: /line 1/ },
		];

		for (const c of cases) {
			it(`rejects ${c.name}`, async () => {
				await assertAllowedThroughProxy(ws.container);
				let rejected: unknown;
				try {
					await applyPolicy(docker, ws.container, c.text);
				} catch (err) {
					rejected = err;
				}
				assert.ok(rejected instanceof ApplyRejectedError, `applyPolicy accepted ${c.name} (${rejected === undefined ? 'no error' : String(rejected)}); live policy now: ${(await readStatus(docker, ws.container)).policyHash}`);
				assert.match(rejected.containerMessage, /^airlock-ctl: apply: /, rejected.containerMessage);
				assert.match(rejected.containerMessage, c.expect, rejected.containerMessage);
				figure(`${c.name}: ${rejected.containerMessage.split('\n')[0].slice(0, 160)}`);
				const status = await readStatus(docker, ws.container);
				assert.equal(status.policyHash, goodHash, 'the live policy changed');
				assert.equal(status.state, 'locked');
				await assertAllowedThroughProxy(ws.container);
				await assertDeniedByProxy(ws.container);
			});
		}

		it('rejects raw invalid UTF-8 bytes sent straight to airlock-ctl apply', async () => {
			await assertAllowedThroughProxy(ws.container);
			const bytes = Buffer.concat([Buffer.from(`${header}allow b`), Buffer.from([0xff, 0xfe]), Buffer.from('d.example\n')]);
			const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
				const child = spawn('docker', ['exec', '-i', '-u', 'root', ws.container, 'airlock-ctl', 'apply'], { stdio: ['pipe', 'pipe', 'pipe'] });
				let stderr = '';
				child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
				child.stdout.resume();
				const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
				child.on('error', reject);
				child.on('close', (code) => {
					clearTimeout(timer);
					resolve({ code, stderr });
				});
				child.stdin.end(bytes);
			});
			assert.equal(r.code, 2, r.stderr);
			assert.match(r.stderr, /^airlock-ctl: apply: line 3/, r.stderr);
			figure(`raw invalid UTF-8: ${r.stderr.trim().slice(0, 160)}`);
			assert.equal((await readStatus(docker, ws.container)).policyHash, goodHash);
			await assertAllowedThroughProxy(ws.container);
			await assertDeniedByProxy(ws.container);
		});

		it(`still enforces the last good policy after all of them (${DENIED} denied, direct refused)`, async () => {
			await assertAllowedThroughProxy(ws.container);
			await assertDeniedByProxy(ws.container);
			await assertDirectRefused(ws.container, world);
		});
	});
});
