/*
 * A door beside the lock, end to end with the real devcontainer CLI and the real Feature: a
 * devcontainer.json that mounts the Docker engine's socket is refused by `airlock up` with the
 * finding and its location (nothing is built or started); accepted in airlock.yaml and approved,
 * it comes up locked and `airlock status` names the accepted finding. `airlock up` places the
 * Feature that ships with Airlock (no --feature-path), as a user's run does.
 *
 * About 2 minutes (one image build with the Feature; Docker's layer cache keeps the base).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import Docker from 'dockerode';
import { listWorkspaceContainers } from '../../extension/docker/findContainer';
import { leftovers, newTestRun, removeEverything } from './lib/docker';
import { runCliBundle, type RunResult } from './lib/process';
import { createWorkspace, REPO_ROOT, type Workspace } from './lib/workspace';

const CLI_BUNDLE = path.join(REPO_ROOT, 'out', 'e2e-cli-findings', 'cli.js');
const SOCKET_MOUNT = 'source=/var/run/docker.sock,target=/var/run/docker.sock,type=bind';

function airlock(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<RunResult> {
	return runCliBundle(CLI_BUNDLE, args, env, { cwd: REPO_ROOT, timeoutMs });
}

describe('e2e: airlock up refuses the engine socket until the plan accepts it; status names the acceptance', function () {
	this.timeout(900_000);
	const testRun = newTestRun('cli-findings');
	const docker = new Docker({ socketPath: '/var/run/docker.sock' });
	let ws: Workspace;
	let env: NodeJS.ProcessEnv;
	let configFile: string;
	let socketLine: number;

	before(function () {
		esbuild.buildSync({
			entryPoints: [path.join(REPO_ROOT, 'extension/cli/main.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs',
			external: ['cpu-features', 'ssh2'], logLevel: 'warning', outfile: CLI_BUNDLE, mainFields: ['module', 'main'],
		});
		ws = createWorkspace(testRun, { name: 'findings', featureOptions: { allow: '', mode: 'enforce' } });
		// The workspace's config, plus the engine's socket, as a "Docker tools in the agent box" template has it.
		configFile = path.join(ws.folder, '.devcontainer', 'devcontainer.json');
		const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { mounts: string[] };
		config.mounts.push(SOCKET_MOUNT);
		const text = JSON.stringify(config, null, 2);
		fs.writeFileSync(configFile, text);
		socketLine = text.split('\n').findIndex((l) => l.includes('/var/run/docker.sock')) + 1;
		fs.writeFileSync(path.join(ws.folder, '.devcontainer', 'airlock.yaml'), 'version: 1\nmode: enforce\nbaseline: false\nallow: [allowed.airlock-findings.example]\n');
		env = { ...process.env, XDG_CONFIG_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-config-')) };
		delete env.DOCKER_HOST;
	});

	after(async function () {
		this.timeout(300_000);
		if (ws) {
			await ws.remove();
			fs.rmSync(ws.folder, { recursive: true, force: true });
		}
		await removeEverything(testRun);
		assert.deepEqual(await leftovers(testRun), { containers: [], networks: [], volumes: [] }, 'teardown left Docker objects behind');
	});

	it('up refuses with the finding, where it is and both ways out, and starts nothing (exit 1)', async () => {
		const approve = await airlock(['approve', '--yes', '--workspace', ws.folder], env);
		assert.equal(approve.code, 0, approve.stderr);
		assert.match(approve.stdout, /BLOCKER +engine-socket/);
		const before = fs.readFileSync(configFile, 'utf8');
		const up = await airlock(['up', '--workspace', ws.folder], env);
		assert.equal(up.code, 1, up.stdout + up.stderr);
		assert.match(up.stderr, new RegExp(`${configFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${socketLine}:\\d+: engine-socket: .*/var/run/docker\\.sock`));
		assert.match(up.stderr, /Two ways out: remove the setting from the configuration, or accept it on purpose in /);
		assert.match(up.stderr, /- \{ finding: engine-socket, reason: /);
		assert.equal(fs.readFileSync(configFile, 'utf8'), before, 'devcontainer.json was not touched');
		assert.deepEqual(await listWorkspaceContainers(docker, ws.folder, { includeStopped: true }), [], 'no container was made');

		const check = await airlock(['check', '--workspace', ws.folder], env);
		assert.equal(check.code, 1);
		assert.match(check.stderr, /engine-socket/);
	});

	it('accepted in airlock.yaml it is still refused until approved; approved, up locks and status names it', async () => {
		fs.appendFileSync(path.join(ws.folder, '.devcontainer', 'airlock.yaml'), 'accept:\n  - { finding: engine-socket, reason: "the e2e test mounts it on purpose" }\n');
		const unapproved = await airlock(['up', '--workspace', ws.folder], env);
		assert.equal(unapproved.code, 1);
		assert.match(unapproved.stderr, /next: airlock\.yaml accepts these, but the approved plan does not yet/);

		const approve = await airlock(['approve', '--yes', '--workspace', ws.folder], env);
		assert.equal(approve.code, 0, approve.stderr);
		assert.match(approve.stdout, /\+ accept engine-socket +\(container finding\)/);
		const up = await airlock(['up', '--workspace', ws.folder, '--json'], env, 900_000);
		assert.equal(up.code, 0, `stdout:\n${up.stdout}\nstderr:\n${up.stderr}`);
		assert.equal((JSON.parse(up.stdout.trim().split('\n').pop() ?? '') as { locked: boolean }).locked, true);
		assert.match(up.stderr, /Container findings: accepted by the approved plan: engine-socket \(/);
		// The door is real: the socket is in the container (and the lock does not close it; that is what was accepted).
		assert.equal((await ws.rootExec(['test', '-S', '/var/run/docker.sock'])).code, 0);

		// `up` merged Airlock's entries into the config: find the socket's line again.
		socketLine = fs.readFileSync(configFile, 'utf8').split('\n').findIndex((l) => l.includes('/var/run/docker.sock')) + 1;
		const status = await airlock(['status', '--workspace', ws.folder], env);
		assert.equal(status.code, 0, status.stderr);
		assert.match(status.stdout, /egress: +LOCKED/);
		assert.match(status.stdout, new RegExp(`accepted: +engine-socket — .*\\(${configFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${socketLine}:\\d+\\)`));
		const json = JSON.parse((await airlock(['status', '--json', '--workspace', ws.folder], env)).stdout) as { acceptedFindings: string[]; state: string };
		assert.deepEqual([json.state, json.acceptedFindings], ['locked', ['engine-socket']]);

		const check = await airlock(['check', '--workspace', ws.folder], env);
		assert.equal(check.code, 0, check.stderr);
		const down = await airlock(['down', '--workspace', ws.folder], env);
		assert.equal(down.code, 0, down.stderr);
	});
});
