import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../extension/cli/main';
import { makeTempWorkspace, type TempWorkspace } from './helpers/tempWorkspace';

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

async function airlock(ws: TempWorkspace, args: string[], stdinText?: string, interactive = false): Promise<Run> {
	const stdin = new PassThrough();
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	let out = '';
	let err = '';
	stdout.on('data', (d) => (out += d));
	stderr.on('data', (d) => (err += d));
	if (stdinText !== undefined) {
		stdin.end(stdinText);
	}
	const code = await runCli([...args, '--workspace', ws.dir], { stdin, stdout, stderr, env: ws.env, cwd: ws.dir, interactive });
	return { code, stdout: out, stderr: err };
}

describe('airlock CLI (in-process)', () => {
	let ws: TempWorkspace;
	beforeEach(() => {
		ws = makeTempWorkspace({
			'package.json': '{"name":"demo"}',
			'package-lock.json': '{}',
			'.git/config': '[remote "origin"]\n\turl = git@github.com:someone/demo.git\n',
		});
	});
	afterEach(() => ws.cleanup());

	it('init proposes presets from what the repository holds and shows the plan', async () => {
		const run = await airlock(ws, ['init']);
		assert.equal(run.code, 0, run.stderr);
		const policy = ws.read('.devcontainer/airlock.yaml');
		assert.match(policy, /presets: \[.*npm.*\]/);
		assert.match(policy, /presets: \[.*github.*\]/);
		assert.match(run.stdout, /registry\.npmjs\.org/);
		assert.match(run.stdout, /airlock approve/);
		// A second init leaves the file alone.
		ws.write('.devcontainer/airlock.yaml', policy + '# mine\n');
		assert.equal((await airlock(ws, ['init'])).code, 0);
		assert.match(ws.read('.devcontainer/airlock.yaml'), /# mine/);
	});

	it('plan --json prints {hash, mode, entries} and the diff against the approval', async () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nbaseline: false\nallow: [a.example.com, { host: g.example.com, ports: [22] }]\n');
		const run = await airlock(ws, ['plan', '--json']);
		assert.equal(run.code, 0, run.stderr);
		const json = JSON.parse(run.stdout);
		assert.match(json.hash, /^sha256:[0-9a-f]{64}$/);
		assert.equal(json.mode, 'enforce');
		assert.deepEqual(json.entries.map((e: { host: string }) => e.host), ['a.example.com', 'g.example.com']);
		assert.deepEqual(json.entries[1].risks.map((r: { kind: string }) => r.kind), ['non-http-port']);
		assert.deepEqual(json.diff.added, ['a.example.com', 'g.example.com']);
		assert.equal(json.approvedHash, null);
	});

	it('approve asks, refuses without a terminal, and records with --yes or a "y"', async () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nbaseline: false\nallow: [a.example.com]\n');
		const refused = await airlock(ws, ['approve']);
		assert.equal(refused.code, 1);
		assert.match(refused.stderr, /--yes/);
		const declined = await airlock(ws, ['approve'], 'n\n', true);
		assert.equal(declined.code, 1);
		assert.match(declined.stdout, /\+ a\.example\.com/);
		const accepted = await airlock(ws, ['approve'], 'y\n', true);
		assert.equal(accepted.code, 0, accepted.stderr);
		assert.match(accepted.stdout, /Approved sha256:/);
		assert.match((await airlock(ws, ['approve', '--yes'])).stdout, /Already approved/);
	});

	it('check fails until approved and generated, and again after an unapproved edit', async () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nbaseline: false\nallow: [a.example.com]\n');
		let run = await airlock(ws, ['check']);
		assert.equal(run.code, 1);
		assert.match(run.stderr, /airlock approve/);
		assert.equal((await airlock(ws, ['approve', '--yes'])).code, 0);
		run = await airlock(ws, ['check']);
		assert.equal(run.code, 1, 'devcontainer.json does not exist yet');
		run = await airlock(ws, ['generate']);
		assert.equal(run.code, 0, run.stderr);
		run = await airlock(ws, ['check']);
		assert.equal(run.code, 0, run.stderr);

		// An edit nobody approved: check fails with the diff, and generate does not write it.
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nbaseline: false\nallow: [a.example.com, sneaky.example.net]\n');
		run = await airlock(ws, ['check']);
		assert.equal(run.code, 1);
		assert.match(run.stderr, /\+ sneaky\.example\.net/);
		run = await airlock(ws, ['generate']);
		assert.equal(run.code, 0);
		assert.match(run.stdout, /not approved/);
		const generated = fs.readFileSync(path.join(ws.dir, '.devcontainer/devcontainer.json'), 'utf8');
		assert.match(generated, /a\.example\.com/);
		assert.doesNotMatch(generated, /sneaky/);
	});

	it('generate without an approval says what to do and exits 1', async () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nallow: [a.example.com]\n');
		const run = await airlock(ws, ['generate']);
		assert.equal(run.code, 1);
		assert.match(run.stderr, /airlock approve/);
	});

	it('an invalid policy exits 2 with file:line:col, and nothing is written', async () => {
		const bad = 'version: 1\nallow:\n  - ok.example.com\n  - "http://evil.example.com"\n';
		ws.write('.devcontainer/airlock.yaml', bad);
		for (const cmd of ['plan', 'approve', 'check']) {
			const run = await airlock(ws, [cmd, '--yes'].slice(0, cmd === 'approve' ? 2 : 1));
			assert.equal(run.code, 2, `${cmd}: ${run.stderr}`);
			assert.match(run.stderr, new RegExp(`${ws.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.devcontainer/airlock\\.yaml:4:\\d+: error: `));
			assert.match(run.stderr, /hint: /);
		}
		assert.equal(ws.read('.devcontainer/airlock.yaml'), bad);
		assert.equal(fs.existsSync(path.join(ws.dir, '.devcontainer/devcontainer.json')), false);
	});

	it('unknown commands and options exit 2 with usage', async () => {
		assert.equal((await airlock(ws, ['frobnicate'])).code, 2);
		const run = await airlock(ws, ['plan', '--nope']);
		assert.equal(run.code, 2);
		assert.match(run.stderr, /usage: airlock plan/);
	});
});
