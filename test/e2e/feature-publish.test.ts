/*
 * A published Feature, proven: `scripts/publish-feature.sh` publishes the shipped Feature to an
 * OCI registry this test starts itself (Debian's docker-registry, on loopback), `airlock up
 * --feature-ref` brings a locked container up from that reference, `airlock check` resolves it,
 * and fails with a clear message once the registry is gone.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { docker, leftovers, newTestRun, removeEverything } from './lib/docker';
import { describeRun, run, type RunResult } from './lib/process';
import { DEV_IMAGE, REPO_ROOT } from './lib/workspace';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

async function waitForRegistry(port: number): Promise<void> {
	for (let attempt = 0; attempt < 100; attempt++) {
		const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200, () => false);
		if (ok) {
			return;
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`the test registry did not answer on 127.0.0.1:${port}`);
}

describe('a Feature published to an OCI registry', function () {
	this.timeout(1_200_000);
	const testRun = newTestRun('publish');
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-publish-'));
	const workspace = path.join(root, 'published-app');
	const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: path.join(root, 'config') };
	let registry: ChildProcess | undefined;
	let port = 0;
	let ref = '';

	const airlock = (args: readonly string[], timeoutMs = 120_000): Promise<RunResult> =>
		run(process.execPath, [CLI, ...args, '--workspace', workspace], { env, timeoutMs });

	before(async function () {
		port = await freePort();
		fs.mkdirSync(path.join(root, 'registry'));
		fs.writeFileSync(path.join(root, 'registry.yml'), [
			'version: 0.1',
			'log: { level: warn }',
			`storage: { filesystem: { rootdirectory: ${path.join(root, 'registry')} }, delete: { enabled: true } }`,
			`http: { addr: "127.0.0.1:${port}" }`,
			'',
		].join('\n'));
		registry = spawn('docker-registry', ['serve', path.join(root, 'registry.yml')], { stdio: 'ignore' });
		await waitForRegistry(port);

		fs.mkdirSync(path.join(workspace, '.devcontainer'), { recursive: true });
		fs.writeFileSync(path.join(workspace, '.devcontainer', 'Dockerfile'), `FROM ${DEV_IMAGE}\n`);
		fs.writeFileSync(path.join(workspace, '.devcontainer', 'devcontainer.json'), JSON.stringify({
			name: 'published-app',
			build: { dockerfile: 'Dockerfile', options: ['--network=host'] },
			remoteUser: 'dev',
			runArgs: ['--network', 'none', ...testRun.labelArgs],
		}, null, 2) + '\n');
		fs.writeFileSync(path.join(workspace, '.devcontainer', 'airlock.yaml'), 'version: 1\nbaseline: false\nallow: [api.published-app.example]\n');
	});

	after(async function () {
		this.timeout(300_000);
		await airlock(['down']).catch(() => undefined);
		registry?.kill();
		await removeEverything(testRun);
		assert.deepEqual(await leftovers(testRun), { containers: [], networks: [], volumes: [] });
		fs.rmSync(root, { recursive: true, force: true });
	});

	it('publishes the shipped Feature with scripts/publish-feature.sh', async () => {
		const publish = await run('bash', [path.join(REPO_ROOT, 'scripts', 'publish-feature.sh'), `localhost:${port}`, 'airlock-e2e/features'], { timeoutMs: 120_000 });
		assert.equal(publish.code, 0, describeRun('publish-feature.sh', [], publish));
		const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'devcontainer-feature', 'src', 'airlock', 'devcontainer-feature.json'), 'utf8')) as { version: string }).version;
		ref = `localhost:${port}/airlock-e2e/features/airlock:${version.split('.')[0]}`;
		assert.match(publish.stdout, new RegExp(`airlock generate --feature-ref ${ref.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
		const tags = await fetch(`http://127.0.0.1:${port}/v2/airlock-e2e/features/airlock/tags/list`).then((r) => r.json()) as { tags: string[] };
		assert.deepEqual([...tags.tags].sort(), [version.split('.')[0], version.split('.').slice(0, 2).join('.'), version, 'latest'].sort());
	});

	it('up --feature-ref brings a locked container up from the published reference, with no copy in the repository', async () => {
		assert.equal((await airlock(['approve', '--yes'])).code, 0);
		const up = await airlock(['up', '--feature-ref', ref, '--json'], 900_000);
		assert.equal(up.code, 0, describeRun('airlock up', ['--feature-ref', ref], up));
		const result = JSON.parse(up.stdout.trim().split('\n').pop() ?? '{}') as { containerId: string; locked: boolean };
		assert.equal(result.locked, true);
		const config = JSON.parse(fs.readFileSync(path.join(workspace, '.devcontainer', 'devcontainer.json'), 'utf8')) as { features: Record<string, unknown> };
		assert.deepEqual(Object.keys(config.features), [ref]);
		assert.equal(fs.existsSync(path.join(workspace, '.devcontainer', 'airlock')), false);
		const policy = await docker(['exec', '-u', 'root', result.containerId, 'cat', '/etc/airlock/policy']);
		assert.equal(policy.stdout, 'airlock-policy 1\nmode enforce\nallow api.published-app.example\n');
		// generate without the flag keeps the published reference: the one rule never switches it.
		const generate = await airlock(['generate']);
		assert.equal(generate.code, 0, generate.stderr);
		assert.match(generate.stdout, /uses the published Feature .* it is kept/);
	});

	it('check resolves the published reference, and fails clearly when it cannot be fetched', async () => {
		const ok = await airlock(['check']);
		assert.equal(ok.code, 0, describeRun('airlock check', [], ok));
		registry?.kill();
		registry = undefined;
		const gone = await airlock(['check']);
		assert.equal(gone.code, 1, describeRun('airlock check', [], gone));
		assert.match(gone.stderr, new RegExp(`the Feature ${ref.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} that devcontainer\\.json references cannot be fetched: .+\\. Check the registry`));
	});
});
