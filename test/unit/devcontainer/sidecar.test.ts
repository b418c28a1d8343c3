import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkDevcontainer, planDevcontainer, writeDevcontainer } from '../../../extension/core/devcontainer';
import { InvalidInputError } from '../../../extension/core/errors';
import { buildPlan, diffPlans, readLayers, SIDECAR_TERM } from '../../../extension/core/plan';
import { policyHash } from '../../../extension/core/enforcedPolicy';
import { APPROVED, tempDir } from './fixtureCases';
import { examineWorkspace } from '../../../extension/core/findings';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('sidecar topology: the Compose project Airlock writes', () => {
	const cleanups: string[] = [];
	afterEach(() => {
		for (const dir of cleanups.splice(0)) {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
	function workspace(files: Record<string, string>): string {
		const ws = path.join(tempDir('sidecar'), 'shop');
		cleanups.push(path.dirname(ws));
		for (const [rel, text] of Object.entries(files)) {
			fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
			fs.writeFileSync(path.join(ws, rel), text);
		}
		return ws;
	}
	const options = (ws: string) => ({ workspace: ws, policy: APPROVED, topology: 'sidecar' as const });
	function generate(ws: string) {
		const plan = planDevcontainer(options(ws));
		writeDevcontainer(plan, options(ws));
		const config = JSON.parse(fs.readFileSync(plan.file, 'utf8').replace(/^\s*\/\/.*$/gm, '')) as Json;
		const compose = parseYaml(fs.readFileSync(path.join(ws, '.devcontainer', 'docker-compose.airlock.yml'), 'utf8')) as Json;
		return { plan, config, compose };
	}

	const DOCKERFILE_CONFIG = [
		'// the shop\'s dev container',
		'{',
		'  "name": "shop",',
		'  "build": { "dockerfile": "Dockerfile", "args": { "V": "1" }, "options": ["--network=host"] },',
		'  "remoteUser": "dev",',
		'  "runArgs": ["--network", "corp-net", "--add-host", "api.shop.example:10.9.8.7", "-p", "8080:8080", "--cap-add", "SYS_PTRACE", "-e", "SHOP=1", "--label", "team=shop"],',
		'  "features": { "ghcr.io/devcontainers/features/node:1": {} }',
		'}',
		'',
	].join('\n');

	it('turns a Dockerfile config into Compose: the agent in the gate\'s namespace, the proxy built from the copy, runArgs carried over', () => {
		const ws = workspace({ '.devcontainer/devcontainer.json': DOCKERFILE_CONFIG, '.devcontainer/Dockerfile': 'FROM acme/dev:2\nRUN useradd dev\n' });
		const { config, compose } = generate(ws);
		assert.deepEqual(config.dockerComposeFile, ['docker-compose.airlock.yml']);
		assert.equal(config.service, 'devcontainer');
		assert.deepEqual(config.runServices, ['devcontainer', 'airlock-gate', 'airlock-proxy']);
		assert.equal(config.build, undefined);
		assert.equal(config.runArgs, undefined);
		assert.deepEqual(Object.keys(config.features), ['ghcr.io/devcontainers/features/node:1'], 'no Airlock Feature in the agent: no NET_ADMIN there');
		assert.equal(config.containerEnv.HTTPS_PROXY, 'http://airlock-proxy:3128');
		const agent = compose.services.devcontainer;
		assert.equal(agent.network_mode, 'service:airlock-gate');
		assert.deepEqual(agent.depends_on['airlock-gate'], { condition: 'service_healthy' });
		assert.deepEqual(agent.build, { context: '.', dockerfile: 'Dockerfile', args: { V: '1' }, network: 'host' });
		assert.deepEqual(agent.cap_add, ['SYS_PTRACE']);
		assert.ok(agent.environment.includes('SHOP=1'));
		assert.ok(agent.environment.includes('HTTPS_PROXY=http://airlock-proxy:3128'), 'the proxy for every process, whoever brings the project up');
		assert.deepEqual(agent.labels, ['team=shop']);
		assert.ok(agent.volumes.includes('..:/workspaces/shop:cached'));
		assert.ok(agent.volumes.some((v: Json) => v.target === '/workspaces/shop/.devcontainer' && v.read_only === true), '.devcontainer read-only');
		assert.equal(agent.cap_drop, undefined);
		const gate = compose.services['airlock-gate'];
		assert.deepEqual(gate.cap_drop, ['ALL']);
		assert.deepEqual(gate.cap_add, ['NET_ADMIN']);
		assert.deepEqual(gate.networks, ['airlock-internal']);
		assert.deepEqual(gate.ports, ['8080:8080'], 'published ports belong to the namespace\'s owner');
		const proxy = compose.services['airlock-proxy'];
		assert.equal(proxy.user, 'proxy');
		assert.deepEqual(proxy.cap_drop, ['ALL']);
		assert.equal(proxy.read_only, true);
		assert.deepEqual(proxy.sysctls, { 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' });
		assert.deepEqual(proxy.extra_hosts, { 'api.shop.example': '10.9.8.7' });
		assert.deepEqual(Object.keys(proxy.networks), ['airlock-internal', 'corp-net'], 'the named network is kept, as the proxy\'s way out');
		assert.equal(proxy.build.args.BASE_IMAGE, 'acme/dev:2', 'built on the image the dev container starts from');
		assert.equal(proxy.build.network, 'host');
		assert.match(proxy.image, /^airlock-proxy:[0-9a-f]{12}$/);
		assert.equal(proxy.image, gate.image);
		assert.match(proxy.environment.AIRLOCK_POLICY_TEXT, /^airlock-policy 1\nmode enforce\nallow \*\.example\.org\n/);
		assert.deepEqual(compose.networks['airlock-internal'], { internal: true, driver_opts: { 'com.docker.network.bridge.inhibit_ipv4': 'true' } });
		assert.deepEqual(compose.networks['corp-net'], { external: true });
		assert.deepEqual(checkDevcontainer(ws, APPROVED, { topology: 'sidecar' }).problems, []);
	});

	it('goes back to the single topology exactly as the config was (comments kept), and is idempotent both ways', () => {
		const ws = workspace({ '.devcontainer/devcontainer.json': DOCKERFILE_CONFIG, '.devcontainer/Dockerfile': 'FROM acme/dev:2\n' });
		generate(ws);
		assert.equal(planDevcontainer(options(ws)).changed, false, 'a second sidecar run changes nothing');
		const back = planDevcontainer({ workspace: ws, policy: APPROVED });
		assert.equal(back.composeOverride?.after, null, 'the Compose file goes');
		writeDevcontainer(back, { workspace: ws, policy: APPROVED });
		const text = fs.readFileSync(back.file, 'utf8');
		assert.match(text, /^\/\/ the shop's dev container/);
		const config = JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as Json;
		assert.deepEqual(config.build, { dockerfile: 'Dockerfile', args: { V: '1' }, options: ['--network=host'] });
		assert.deepEqual(config.runArgs, ['--network', 'corp-net', '--add-host', 'api.shop.example:10.9.8.7', '-p', '8080:8080', '--cap-add', 'SYS_PTRACE', '-e', 'SHOP=1', '--label', 'team=shop']);
		assert.equal(config.dockerComposeFile, undefined);
		assert.equal(config.workspaceFolder, undefined);
		assert.ok(config.features['./airlock'], 'the Feature is back in the agent\'s container');
		assert.equal(fs.existsSync(path.join(ws, '.devcontainer', 'docker-compose.airlock.yml')), false);
		assert.deepEqual(checkDevcontainer(ws, APPROVED).problems, []);
	});

	it('gives the workspace a fixed path, so a clone in a folder of another name is in step (CI) and finds it there', () => {
		const ws = workspace({
			'.devcontainer/devcontainer.json': '{ "build": { "dockerfile": "Dockerfile" }, "remoteUser": "dev", "workspaceFolder": "/workspaces/${localWorkspaceFolderBasename}/src" }\n',
			'.devcontainer/Dockerfile': 'FROM acme/dev:2\n',
		});
		const { config, compose } = generate(ws);
		assert.equal(config.workspaceFolder, '/workspaces/shop/src', 'no folder-name variable: Compose could not follow it');
		assert.ok(compose.services.devcontainer.volumes.includes('..:/workspaces/shop:cached'));
		assert.equal(compose['x-airlock'].from.workspace, '/workspaces/shop');
		// The same repository checked out as "checkout" (a CI runner's folder).
		const clone = path.join(path.dirname(ws), 'checkout');
		fs.cpSync(ws, clone, { recursive: true });
		assert.deepEqual(checkDevcontainer(clone, APPROVED, { topology: 'sidecar' }).problems, []);
		assert.equal(planDevcontainer(options(clone)).changed, false, 'generate in the clone changes nothing');
		// The way back restores the variable the user wrote.
		const back = planDevcontainer({ workspace: ws, policy: APPROVED });
		writeDevcontainer(back, { workspace: ws, policy: APPROVED });
		assert.equal((JSON.parse(fs.readFileSync(back.file, 'utf8')) as Json).workspaceFolder, '/workspaces/${localWorkspaceFolderBasename}/src');
	});

	it('refuses a run argument with no safe Compose equivalent, at its position', () => {
		const ws = workspace({ '.devcontainer/devcontainer.json': '{\n  "image": "acme/dev:2",\n  "remoteUser": "dev",\n  "runArgs": ["--gpus", "all"]\n}\n' });
		assert.throws(() => planDevcontainer(options(ws)), (err: unknown) => err instanceof InvalidInputError && err.problems[0].line === 4 && /runArgs "--gpus all" has no Compose equivalent/.test(err.message) && /topology: single/.test(err.message));
		const host = workspace({ '.devcontainer/devcontainer.json': '{ "image": "acme/dev:2", "remoteUser": "dev", "runArgs": ["--network=host"] }\n' });
		assert.throws(() => planDevcontainer(options(host)), /another network namespace than the gate's/);
	});

	it('asks where to build the proxy when the Dockerfile names no image', () => {
		const ws = workspace({ '.devcontainer/devcontainer.json': '{ "build": { "dockerfile": "Dockerfile" }, "remoteUser": "dev" }\n', '.devcontainer/Dockerfile': 'ARG BASE\nFROM $BASE\n' });
		assert.throws(() => planDevcontainer(options(ws)), /proxyBaseImage/);
	});

	it('extends a Compose config: its files kept, the dev service in the gate\'s namespace, the other services on the internal network too', () => {
		const ws = workspace({
			'.devcontainer/devcontainer.json': '{ "dockerComposeFile": "compose.yml", "service": "app", "workspaceFolder": "/workspaces/shop", "remoteUser": "node" }\n',
			'.devcontainer/compose.yml': 'services:\n  app:\n    image: acme/node:20\n    volumes: [..:/workspaces/shop]\n  db:\n    image: postgres:16\n  cache:\n    image: redis\n    networks: [back]\nnetworks:\n  back: {}\n',
		});
		const { config, compose } = generate(ws);
		assert.deepEqual(config.dockerComposeFile, ['compose.yml', 'docker-compose.airlock.yml']);
		assert.equal(compose.services.app.network_mode, 'service:airlock-gate');
		assert.equal(compose.services['airlock-proxy'].build.args.BASE_IMAGE, 'acme/node:20');
		assert.deepEqual(compose.services.db.networks, { default: {}, 'airlock-internal': {} }, 'keeps the default network it had');
		assert.deepEqual(compose.services.cache.networks, { 'airlock-internal': {} }, 'adds to the networks it names');
		assert.equal(compose['x-airlock'], undefined);
		const withNetworks = workspace({
			'.devcontainer/devcontainer.json': '{ "dockerComposeFile": "compose.yml", "service": "app", "workspaceFolder": "/w", "remoteUser": "node" }\n',
			'.devcontainer/compose.yml': 'services:\n  app:\n    image: acme/node:20\n    networks: [front]\n',
		});
		assert.throws(() => planDevcontainer(options(withNetworks)), (err: unknown) => err instanceof InvalidInputError && err.problems[0].line === 4 && /service app sets networks/.test(err.message));
	});

	it('says why a Compose config whose workspaceFolder follows the folder\'s name is out of step in a clone under another name', () => {
		const ws = workspace({
			'.devcontainer/devcontainer.json': '{ "dockerComposeFile": "compose.yml", "service": "app", "workspaceFolder": "/workspaces/${localWorkspaceFolderBasename}", "remoteUser": "node" }\n',
			'.devcontainer/compose.yml': 'services:\n  app:\n    image: acme/node:20\n    volumes: [../..:/workspaces]\n',
		});
		generate(ws);
		assert.deepEqual(checkDevcontainer(ws, APPROVED, { topology: 'sidecar' }).problems, []);
		const clone = path.join(path.dirname(ws), 'checkout');
		fs.cpSync(ws, clone, { recursive: true });
		const problems = checkDevcontainer(clone, APPROVED, { topology: 'sidecar' }).problems;
		assert.equal(problems.length, 1, problems.join('\n'));
		assert.match(problems[0], /workspaceFolder uses \$\{localWorkspaceFolderBasename\}.*"checkout".*a fixed workspaceFolder/);
	});

	it('lists each service the agent reaches directly that has a network of its own (reachable-service), not the lock\'s own', () => {
		const ws = workspace({
			'.devcontainer/devcontainer.json': '{ "dockerComposeFile": "compose.yml", "service": "app", "workspaceFolder": "/workspaces/shop", "remoteUser": "node" }\n',
			'.devcontainer/compose.yml': 'services:\n  app:\n    image: acme/node:20\n  db:\n    image: postgres:16\n  offline:\n    image: acme/tool\n    network_mode: none\n',
		});
		generate(ws);
		const found = examineWorkspace(ws, { accepted: [SIDECAR_TERM] }).findings;
		const reachable = found.filter((f) => f.id === 'reachable-service');
		assert.deepEqual(reachable.map((f) => /Service (\S+)/.exec(f.detail)?.[1]), ['db']);
		assert.equal(reachable[0].severity, 'warning');
		assert.deepEqual(found.filter((f) => f.severity === 'blocker').map((f) => f.id), [], 'the gate\'s NET_ADMIN and the shared namespace are the lock, not doors');
	});

	it('makes the topology a plan term: in the plan hash and the diff, never in the policy hash', () => {
		const ws = workspace({ '.devcontainer/airlock.yaml': 'version: 1\nbaseline: false\nallow: [a.example.com]\n' });
		const single = buildPlan(readLayers(ws, { HOME: ws }));
		fs.writeFileSync(path.join(ws, '.devcontainer', 'airlock.yaml'), 'version: 1\ntopology: sidecar\nbaseline: false\nallow: [a.example.com]\n');
		const sidecar = buildPlan(readLayers(ws, { HOME: ws }));
		assert.deepEqual(sidecar.terms, [SIDECAR_TERM]);
		assert.equal(sidecar.topology, 'sidecar');
		assert.notEqual(sidecar.hash, single.hash);
		assert.equal(policyHash(sidecar.policy), policyHash(single.policy));
		assert.deepEqual(diffPlans(single, sidecar).topologyChanged, { from: 'single', to: 'sidecar' });
		fs.writeFileSync(path.join(ws, '.devcontainer', 'airlock.yaml'), 'version: 1\ntopology: sideways\n');
		assert.throws(() => buildPlan(readLayers(ws, { HOME: ws })), /topology must be "single" or "sidecar"/);
	});
});
