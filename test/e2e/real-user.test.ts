/*
 * A real user with only what Airlock ships: the packed npm package installed into an empty
 * prefix by a non-root host user (uid 4321, in the docker group, like a developer's account),
 * then in a fresh git repository with its own Dockerfile-based dev container:
 * `airlock init`, `airlock approve --yes`, `airlock up` with no development flags. Twice, once per
 * topology: plain `airlock init` (what a user types; this machine has Compose, so it proposes the
 * sidecar) and `airlock init --topology single`.
 *
 * Proves: the container builds from the Feature copy Airlock writes (no registry); it is locked;
 * a process started with a bare `docker exec` goes through the proxy (allowed host answers,
 * another gets the proxy's 403); the workspace stays writable for the agent (the devcontainer
 * CLI maps the remote user to the host user's uid); `airlock check` passes, also in a fresh clone
 * at another path with an empty config home (CI); `airlock down` leaves nothing behind.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { docker, dockerOk, leftovers, newTestRun, removeEverything } from './lib/docker';
import { describeRun, run, runOk, type RunResult } from './lib/process';
import { createTestNetwork, type TestNetworkPlan } from './lib/testNetwork';
import { ensureTestHostImage, pageBody, startWebHost, type WebHost } from './lib/testHosts';
import { DEV_IMAGE, REPO_ROOT } from './lib/workspace';

const NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.112/28', subnetV6: '2001:db8:a9::/64' };
const ALLOWED = 'allowed.airlock-user.example';
const DENIED = 'denied.airlock-user.example';
const HOST_USER = 'airlock-e2e-user';
const HOST_UID = 4321;
type Topology = 'single' | 'sidecar';
const TOPOLOGIES: readonly Topology[] = ['single', 'sidecar'];

/** The host user a developer would be: not root, in the docker group. Created once per machine. */
async function ensureHostUser(): Promise<void> {
	if ((await run('id', ['-u', HOST_USER])).code === 0) {
		return;
	}
	await runOk('useradd', ['--create-home', '--uid', String(HOST_UID), '--user-group', '--groups', 'docker', '--shell', '/bin/bash', HOST_USER]);
}

describe('a real user locks a real repository with only what Airlock ships', function () {
	this.timeout(1_800_000);
	const testRun = newTestRun('real-user');
	const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-real-user-')));
	const prefix = path.join(root, 'prefix');
	/** The repository of the topology under test (each topology gets a fresh one). */
	let repo = '';
	const home = path.join(root, 'home');
	let userEnv: NodeJS.ProcessEnv;
	let containerId = '';
	let web: WebHost;
	let net: Awaited<ReturnType<typeof createTestNetwork>>;

	/** Runs a command as the host user, with only the environment a login would give. */
	function asUser(command: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
		const env = options.env ?? userEnv;
		const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v ?? ''}`);
		return run('setpriv', ['--reuid', String(HOST_UID), '--regid', String(HOST_UID), '--init-groups', 'env', '-i', ...envArgs, command, ...args], {
			cwd: options.cwd ?? repo,
			timeoutMs: options.timeoutMs ?? 120_000,
		});
	}
	const airlock = (args: readonly string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> =>
		asUser(path.join(prefix, 'bin', 'airlock'), args, options);

	before(async function () {
		await ensureHostUser();
		for (const dir of [prefix, home]) {
			fs.mkdirSync(dir, { recursive: true });
		}
		fs.chmodSync(root, 0o755);
		// The package a user downloads: `npm pack` of this checkout (its prepack builds dist/).
		const pack = await runOk('npm', ['pack', '--silent', '--pack-destination', root], { cwd: REPO_ROOT, timeoutMs: 300_000 });
		const tarball = path.join(root, pack.stdout.trim().split('\n').pop() ?? '');
		assert.ok(fs.existsSync(tarball), pack.stdout);
		await runOk('chown', ['-R', `${HOST_UID}:${HOST_UID}`, prefix, home]);
		// This machine's way to the npm registry (its CA bundle, set in the global npmrc that
		// --prefix would hide): what the user's own npm setup gives them.
		const cafile = (await run('npm', ['config', 'get', 'cafile'])).stdout.trim();
		const machineTls: NodeJS.ProcessEnv = {
			...(cafile && cafile !== 'null' && cafile !== 'undefined' ? { npm_config_cafile: cafile } : {}),
			...Object.fromEntries(['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'].filter((k) => process.env[k]).map((k) => [k, process.env[k]])),
		};
		userEnv = {
			...machineTls,
			HOME: home,
			USER: HOST_USER,
			// Node (>= 22.12, as Airlock's engines say), the docker client, and what the install puts in PATH.
			PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
			npm_config_cache: path.join(home, '.npm'),
			npm_config_update_notifier: 'false',
			// Headers for optional native modules, from the Node that runs (no download from nodejs.org).
			...(fs.existsSync(path.join(path.dirname(process.execPath), '..', 'include', 'node')) ? { npm_config_nodedir: path.resolve(path.dirname(process.execPath), '..') } : {}),
		};
		const install = await asUser('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { cwd: home, timeoutMs: 600_000 });
		assert.equal(install.code, 0, describeRun('npm install --global', [tarball], install));

		// The test "internet": a web host with two names, on this suite's own network.
		await ensureTestHostImage();
		net = await createTestNetwork(testRun, NETWORK);
		web = await startWebHost(testRun, net, { hostNumber: 10, hostName: 'web' });
	});

	/** The user's repository: their own Dockerfile and devcontainer.json, nothing from Airlock. */
	async function createRepository(topology: Topology): Promise<void> {
		repo = path.join(root, topology, 'acme-app');
		fs.mkdirSync(path.join(repo, '.devcontainer'), { recursive: true });
		fs.writeFileSync(path.join(repo, '.devcontainer', 'Dockerfile'), `FROM ${DEV_IMAGE}\n`);
		fs.writeFileSync(path.join(repo, '.devcontainer', 'devcontainer.json'), [
			'// acme-app dev container',
			'{',
			'  "name": "acme-app",',
			'  // The build reaches Debian\'s mirror over the host network (this machine has no default bridge route).',
			'  "build": { "dockerfile": "Dockerfile", "options": ["--network=host"] },',
			'  "remoteUser": "dev",',
			`  "runArgs": ["--network", "${net.name}", "--add-host", "${ALLOWED}:${web.ipv4}", "--add-host", "${DENIED}:${web.ipv4}", ${testRun.labelArgs.map((a) => JSON.stringify(a)).join(', ')}]`,
			'}',
			'',
		].join('\n'));
		fs.writeFileSync(path.join(repo, 'README.md'), '# acme-app\n');
		await runOk('chown', ['-R', `${HOST_UID}:${HOST_UID}`, repo]);
		for (const args of [['init', '-q', '-b', 'main'], ['config', 'user.email', 'dev@acme.example'], ['config', 'user.name', 'Dev'], ['add', '-A'], ['commit', '-q', '-m', 'acme-app']]) {
			const git = await asUser('git', args);
			assert.equal(git.code, 0, describeRun('git', args, git));
		}
	}

	after(async function () {
		this.timeout(300_000);
		await removeEverything(testRun);
		fs.rmSync(root, { recursive: true, force: true });
	});

	for (const topology of TOPOLOGIES) {
		describe(`${topology} topology`, () => {
			before(() => createRepository(topology));

			it('init writes the policy, approve records it, up brings up a locked container from the shipped Feature', async () => {
				// Plain `init` is what a user types: on this machine (Compose installed) it proposes the sidecar.
				const initArgs = topology === 'sidecar' ? ['init'] : ['init', '--topology', 'single'];
				const init = await airlock(initArgs);
				assert.equal(init.code, 0, describeRun('airlock', initArgs, init));
				assert.match(init.stdout, new RegExp(`topology ${topology}:`), 'init says which topology it proposes, and why');
				const policyFile = path.join(repo, '.devcontainer', 'airlock.yaml');
				// The user adds the host their project talks to, as they would in an editor.
				fs.writeFileSync(policyFile, fs.readFileSync(policyFile, 'utf8').replace(/allow:.*(\n|$)[\s\S]*/, '') + `allow:\n  - { host: ${ALLOWED}, reason: "the acme API" }\n`);
				const approve = await airlock(['approve', '--yes']);
				assert.equal(approve.code, 0, describeRun('airlock approve', [], approve));
				assert.ok(fs.existsSync(path.join(repo, '.devcontainer', 'airlock.lock')), 'approve writes the committed record');

				const up = await airlock(['up', '--json'], { timeoutMs: 1_200_000 });
				assert.equal(up.code, 0, describeRun('airlock up', ['--json'], up));
				const result = JSON.parse(up.stdout.trim().split('\n').pop() ?? '{}') as { containerId: string; remoteUser: string; locked: boolean };
				assert.deepEqual([result.remoteUser, result.locked], ['dev', true]);
				containerId = result.containerId;
				const config = fs.readFileSync(path.join(repo, '.devcontainer', 'devcontainer.json'), 'utf8');
				if (topology === 'single') {
					assert.match(config, /"\.\/airlock": \{/, 'the shipped Feature is referenced locally');
				} else {
					// The proxy and the gate are built from the same shipped copy, beside the agent.
					assert.match(config, /"dockerComposeFile": \[\s*"docker-compose\.airlock\.yml"\s*\]/);
					const compose = fs.readFileSync(path.join(repo, '.devcontainer', 'docker-compose.airlock.yml'), 'utf8');
					assert.match(compose, /context: \.\/airlock\n/, 'the proxy image is built from the shipped copy');
					assert.doesNotMatch(compose, /ghcr\.io/);
				}
				assert.doesNotMatch(config, /ghcr\.io/);
				assert.match(config, /\/\/ acme-app dev container/, 'the user\'s comments are kept');
				const stamp = JSON.parse(fs.readFileSync(path.join(repo, '.devcontainer', 'airlock', 'airlock-copy.json'), 'utf8')) as { origin: string };
				assert.equal(stamp.origin, 'shipped');
			});

			it('sends a process started with a bare docker exec through the proxy: the allowed host answers, another gets 403', async () => {
				const curl = (url: string): string[] => ['curl', '-sS', '-k', '--connect-timeout', '5', '--max-time', '8', '-o', '/dev/stdout', '-w', '\n%{http_code} %{http_connect}\n', url];
				const allowed = await docker(['exec', '-u', 'dev', containerId, ...curl(`https://${ALLOWED}/index.html`)]);
				assert.equal(allowed.code, 0, allowed.stderr);
				assert.equal(allowed.stdout, `${pageBody('web')}\n200 200\n`);
				const denied = await docker(['exec', '-u', 'dev', containerId, ...curl(`https://${DENIED}/index.html`)]);
				assert.equal(denied.code, 56, `the proxy refused the tunnel: ${denied.stdout}${denied.stderr}`);
				assert.match(denied.stdout, /000 403/);
				const direct = await docker(['exec', '-u', 'dev', containerId, 'curl', '-sS', '--noproxy', '*', '--connect-timeout', '5', '--max-time', '8', `http://${ALLOWED}/`]);
				assert.equal(direct.code, 7, `direct egress is refused at once: ${direct.stderr}`);
			});

			it('keeps the workspace writable: the agent is the host user\'s uid, never root', async () => {
				const id = await docker(['exec', '-u', 'dev', containerId, 'id', '-u']);
				assert.equal(id.stdout.trim(), String(HOST_UID), 'the devcontainer CLI maps the remote user to the host user');
				const write = await docker(['exec', '-u', 'dev', '-w', '/workspaces/acme-app', containerId, 'sh', '-c', 'echo hi > agent-wrote-this && echo ok']);
				assert.equal(write.stdout.trim(), 'ok', write.stderr);
				assert.equal(fs.statSync(path.join(repo, 'agent-wrote-this')).uid, HOST_UID);
				const readOnly = await docker(['exec', '-u', 'dev', '-w', '/workspaces/acme-app', containerId, 'sh', '-c', 'echo x >> .devcontainer/airlock.yaml']);
				assert.notEqual(readOnly.code, 0, 'the policy stays read-only in the container');
				assert.match(readOnly.stderr, /Read-only file system/);
				fs.rmSync(path.join(repo, 'agent-wrote-this'));
			});

			it('check passes here, and in a fresh clone at another path with an empty config home (CI)', async () => {
				const check = await airlock(['check']);
				assert.equal(check.code, 0, describeRun('airlock check', [], check));
				for (const args of [['add', '-A'], ['commit', '-q', '-m', 'Lock egress with Airlock']]) {
					const git = await asUser('git', args);
					assert.equal(git.code, 0, describeRun('git', args, git));
				}
				const ciRoot = path.join(root, topology, 'ci');
				const ciHome = path.join(ciRoot, 'home');
				fs.mkdirSync(ciHome, { recursive: true });
				await runOk('chown', ['-R', `${HOST_UID}:${HOST_UID}`, ciRoot]);
				const clone = await asUser('git', ['clone', '-q', repo, path.join(ciRoot, 'checkout')], { cwd: ciRoot });
				assert.equal(clone.code, 0, clone.stderr);
				const ciEnv = { ...userEnv, HOME: ciHome, XDG_CONFIG_HOME: path.join(ciHome, '.config') };
				const ciCheck = await airlock(['check'], { cwd: path.join(ciRoot, 'checkout'), env: ciEnv });
				assert.equal(ciCheck.code, 0, describeRun('airlock check (CI)', [], ciCheck));
				assert.match(ciCheck.stdout, /recorded in \.devcontainer\/airlock\.lock/);
			});

			it('down leaves nothing of the workspace behind', async () => {
				const down = await airlock(['down']);
				assert.equal(down.code, 0, describeRun('airlock down', [], down));
				const containers = await dockerOk(['ps', '-a', '-q', '--filter', `label=devcontainer.local_folder=${repo}`]);
				assert.equal(containers.stdout.trim(), '');
				// What is left with this run's label is the test's own: its web host and its network.
				const left = await leftovers(testRun);
				const webId = (await dockerOk(['inspect', '-f', '{{.Id}}', web.container])).stdout.trim();
				assert.deepEqual(left.containers.map((c) => webId.startsWith(c)), [true], 'only the test host is left');
				assert.deepEqual(left.volumes, []);
			});
		});
	}
});
