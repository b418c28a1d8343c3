/*
 * The Feature at build time, through the real devcontainer CLI: what it refuses (a root remote
 * user, a non-root container user, an invalid allow item), the allowSudo opt-out that turns the
 * status to "weakened", and `devcontainer features package` producing a publishable artifact.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { leftovers, newTestRun, removeEverything } from './lib/docker';
import { describeRun, run } from './lib/process';
import { createWorkspace, DEFAULT_DOCKERFILE, devcontainerBin, REPO_ROOT } from './lib/workspace';

describe('Airlock Feature at build time', function () {
	this.timeout(600_000);
	const testRun = newTestRun('feature-install');

	after(async function () {
		this.timeout(300_000);
		await removeEverything(testRun);
		assert.deepEqual(await leftovers(testRun), { containers: [], networks: [], volumes: [] }, 'teardown left Docker objects behind');
	});

	it('refuses a root remote user and says to set remoteUser', async () => {
		const ws = createWorkspace(testRun, { name: 'root-remote', featureOptions: { allow: 'allowed.airlock-e2e.example' }, remoteUser: 'root' });
		const up = await ws.up();
		assert.notEqual(up.code, 0, 'the build must fail');
		assert.match(up.stderr + up.stdout, /airlock: install: the remote user is "root" \(root\): Airlock cannot protect a root session/);
		assert.match(up.stderr + up.stdout, /Set "remoteUser" in devcontainer.json to a non-root user/);
		await ws.remove();
	});

	it('refuses a non-root container user, since the entrypoint could not program the firewall', async () => {
		const ws = createWorkspace(testRun, {
			name: 'nonroot-container',
			featureOptions: { allow: 'allowed.airlock-e2e.example' },
			dockerfile: `${DEFAULT_DOCKERFILE}USER dev\n`,
		});
		const up = await ws.up();
		assert.notEqual(up.code, 0, 'the build must fail');
		assert.match(up.stderr + up.stdout, /the container user is "dev" \(uid 1000\), but Airlock's entrypoint must run as root/);
		assert.match(up.stderr + up.stdout, /Set "containerUser": "root"/);
		await ws.remove();
	});

	it('refuses an invalid allow item, naming the item and the reason', async () => {
		const ws = createWorkspace(testRun, { name: 'bad-allow', featureOptions: { allow: 'allowed.airlock-e2e.example, bad_host.example' } });
		const up = await ws.up();
		assert.notEqual(up.code, 0, 'the build must fail');
		assert.match(up.stderr + up.stdout, /airlock: install: option allow: item 2 "bad_host\.example": \S/);
		await ws.remove();
	});

	it('keeps sudo only when allowSudo is set, and the status then says weakened', async () => {
		const ws = createWorkspace(testRun, { name: 'allow-sudo', featureOptions: { allow: 'allowed.airlock-e2e.example', allowSudo: true } });
		const up = await ws.up();
		assert.equal(up.code, 0, describeRun('devcontainer up', [ws.folder], up));
		const status = JSON.parse((await ws.rootExec(['airlock-ctl', 'status', '--json'])).stdout) as { state: string; reason: string };
		assert.equal(status.state, 'weakened');
		assert.match(status.reason, /sudo/);
		const sudoers = await ws.rootExec(['cat', '/etc/sudoers.d/dev']);
		assert.match(sudoers.stdout, /^dev ALL=\(ALL\) NOPASSWD:ALL/m);
		// That egress stays closed with allowSudo (after a positive control through the proxy, on
		// a network with a test host) is the allow_sudo scenario's (feature-scenarios.test.ts): here
		// the container has no network, so a refused request would prove nothing.
		await ws.remove();
	});

	it('packages as a publishable Feature (devcontainer features package)', async () => {
		const out = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-feature-package-'));
		try {
			const result = await run(devcontainerBin(), ['features', 'package', path.join(REPO_ROOT, 'devcontainer-feature', 'src'), '-o', out, '-f'], { timeoutMs: 120_000 });
			assert.equal(result.code, 0, describeRun('devcontainer features package', [], result));
			const tgz = path.join(out, 'devcontainer-feature-airlock.tgz');
			assert.ok(fs.existsSync(tgz), `missing ${tgz}`);
			const collection = JSON.parse(fs.readFileSync(path.join(out, 'devcontainer-collection.json'), 'utf8')) as { features: Array<{ id: string; version: string; options: Record<string, unknown> }> };
			const feature = collection.features.find((f) => f.id === 'airlock');
			assert.ok(feature, 'the collection lists airlock');
			assert.equal(feature.version, '0.1.0');
			assert.deepEqual(Object.keys(feature.options).sort(), ['allow', 'allowSudo', 'exfilWarn', 'mode', 'proxyPort']);
			// The .tgz the CLI writes is a plain (uncompressed) tar.
			const listing = await run('tar', ['-tf', tgz]);
			for (const file of ['install.sh', 'install-airlock.sh', 'entrypoint.sh', 'wait-locked.sh', 'bin/airlock-ctl', 'bin/airlock-ssh-proxy', 'lib/grammar.sh', 'lib/common.sh', 'lib/squid.sh', 'lib/firewall.sh', 'devcontainer-feature.json']) {
				assert.match(listing.stdout, new RegExp(`(^|/)${file.replace(/\./g, '\\.')}$`, 'm'), `${file} is in the package`);
			}
		} finally {
			fs.rmSync(out, { recursive: true, force: true });
		}
	});
});
