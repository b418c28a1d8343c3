/**
 * A sidecar-topology workspace brought up by `airlock up` (the real devcontainer CLI and Docker
 * Compose), on a test network with a web host and a recording resolver, shared by the e2e and
 * reliability suites. Probes run as root in the agent's container (the sidecar lets the agent be
 * root, so that is the worst case), through the proxy from its environment unless `direct`.
 *
 *   const sc = await startSidecar(run, { name: 'sidecar-app', network: PLAN, allow: [...] });
 *   await sc.control();                         // the allowed host through the proxy, or throw
 *   const c = await sc.curl(url, { direct: true });
 *   await sc.down();
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { docker, dockerOk, type TestRun } from './docker';
import { describeRun, run, type RunResult } from './process';
import { createTestNetwork, type TestNetwork, type TestNetworkPlan } from './testNetwork';
import { ensureTestHostImage, pageBody, startWebHost, type WebHost } from './testHosts';
import { DEV_IMAGE, REPO_ROOT } from './workspace';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

/**
 * The workspace's Dockerfile: an agent image that keeps sudo for its user and has an ssh client, as
 * many dev images do (the benchmark builds it again, uncached, for its first-build figure).
 */
export const SIDECAR_DOCKERFILE = [
	`FROM ${DEV_IMAGE}`,
	'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends sudo openssh-client \\',
	' && rm -rf /var/lib/apt/lists/* \\',
	" && echo 'dev ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/dev && chmod 0440 /etc/sudoers.d/dev",
	'',
].join('\n');

export interface Curl {
	readonly exit: number;
	readonly http: number;
	readonly connect: number;
	readonly body: string;
	readonly stderr: string;
}

export function showCurl(c: Curl): string {
	return `exit ${c.exit} http ${c.http} connect ${c.connect}: ${c.stderr}${c.body.slice(0, 200)}`;
}

export interface SidecarSpec {
	/** The workspace folder's name (the Compose project is `<name>_devcontainer`). */
	readonly name: string;
	readonly network: TestNetworkPlan;
	/** The exact allowed web host the control goes to (resolved by the test resolver). */
	readonly allowed: string;
	/** More airlock.yaml `allow` entries (YAML flow items). */
	readonly alsoAllow?: readonly string[];
	/** Names that point at the web host through `--add-host` (allowed or not). */
	readonly names?: readonly string[];
	/** Names only the test resolver answers. */
	readonly resolverNames?: readonly string[];
}

export interface SidecarWorkspace {
	readonly folder: string;
	readonly env: NodeJS.ProcessEnv;
	readonly net: TestNetwork;
	readonly web: WebHost;
	agent: string;
	proxy: string;
	gate: string;
	/** How long the last `airlock up` in `up()` took (its approval not counted), for the benchmark. */
	lastUpMs: number;
	airlock(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
	inAgent(script: string, user?: string): Promise<RunResult>;
	curl(url: string, options?: { direct?: boolean; user?: string }): Promise<Curl>;
	control(): Promise<void>;
	/** Runs `airlock up --json` and records the containers; throws with the CLI's output on failure. */
	up(): Promise<{ containerId: string; proxyContainerId: string; locked: boolean }>;
	remove(): Promise<void>;
}

export async function createSidecar(testRun: TestRun, spec: SidecarSpec): Promise<SidecarWorkspace> {
	await ensureTestHostImage();
	const net = await createTestNetwork(testRun, spec.network);
	const webV4 = net.hostV4(10);
	const web = await startWebHost(testRun, net, {
		hostNumber: 10,
		hostName: 'web',
		dnsNames: Object.fromEntries([spec.allowed, ...(spec.resolverNames ?? [])].map((n) => [n, webV4])),
	});
	const root = fs.mkdtempSync(path.join(os.tmpdir(), `airlock-${spec.name}-`));
	const folder = path.join(root, spec.name);
	const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: path.join(root, 'config'), AIRLOCK_APPROVER: 'tester@e2e' };
	fs.mkdirSync(path.join(folder, '.devcontainer'), { recursive: true });
	fs.writeFileSync(path.join(folder, '.devcontainer', 'Dockerfile'), SIDECAR_DOCKERFILE);
	fs.writeFileSync(path.join(folder, '.devcontainer', 'devcontainer.json'), JSON.stringify({
		name: spec.name,
		build: { dockerfile: 'Dockerfile', options: ['--network=host'] },
		remoteUser: 'dev',
		// The user's own network and names: in the sidecar topology they become the proxy's way out.
		runArgs: ['--network', net.name, ...(spec.names ?? []).flatMap((n) => ['--add-host', `${n}:${webV4}`]), '--dns', webV4, ...testRun.labelArgs],
	}, null, 2) + '\n');
	fs.writeFileSync(path.join(folder, '.devcontainer', 'airlock.yaml'), [
		'version: 1', 'topology: sidecar', 'baseline: false', 'allow:', `  - ${spec.allowed}`, ...(spec.alsoAllow ?? []).map((a) => `  - ${a}`), '',
	].join('\n'));

	const ws: SidecarWorkspace = {
		folder, env, net, web, agent: '', proxy: '', gate: '', lastUpMs: 0,
		airlock: (args, timeoutMs = 120_000) => run(process.execPath, [CLI, ...args, '--workspace', folder], { env, timeoutMs }),
		inAgent: (script, user = 'root') => docker(['exec', '-u', user, ws.agent, 'sh', '-c', script], { timeoutMs: 60_000 }),
		async curl(url, options = {}) {
			const args = `-sS -k --connect-timeout 5 --max-time 8 -w '\\n#%{http_code} %{http_connect}'${options.direct ? " --noproxy '*'" : ''} ${url}`;
			const r = await ws.inAgent(`curl ${args}; echo " exit=$?"`, options.user);
			const m = /#(\d{3}) (\d{3}) exit=(\d+)/.exec(r.stdout);
			assert.ok(m, `curl did not run: ${r.stdout}${r.stderr}`);
			return { exit: Number(m[3]), http: Number(m[1]), connect: Number(m[2]), body: r.stdout.split('\n#')[0], stderr: r.stderr };
		},
		async control() {
			const c = await ws.curl(`https://${spec.allowed}/index.html`);
			assert.deepEqual([c.exit, c.http, c.body], [0, 200, pageBody('web')], showCurl(c));
		},
		async up() {
			assert.equal((await ws.airlock(['approve', '--yes'])).code, 0);
			const started = performance.now();
			const up = await ws.airlock(['up', '--json'], 1_200_000);
			ws.lastUpMs = performance.now() - started;
			assert.equal(up.code, 0, describeRun('airlock up', ['--json'], up));
			const result = JSON.parse(up.stdout.trim().split('\n').pop() ?? '{}') as { containerId: string; proxyContainerId: string; locked: boolean };
			ws.agent = result.containerId;
			ws.proxy = result.proxyContainerId;
			ws.gate = (await dockerOk(['inspect', '-f', '{{.HostConfig.NetworkMode}}', ws.agent])).stdout.trim().replace(/^container:/, '');
			return result;
		},
		async remove() {
			await ws.airlock(['down']).catch(() => undefined);
			fs.rmSync(root, { recursive: true, force: true });
		},
	};
	return ws;
}
