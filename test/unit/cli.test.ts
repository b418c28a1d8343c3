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

	it('approve writes .devcontainer/airlock.lock; check in a CI-like run (a fresh clone elsewhere, empty config home) reads it', async () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nbaseline: false\nallow:\n  - a.example.com\n  - { host: g.example.com, ports: [22], reason: "git over ssh" }\n');
		ws.write('.devcontainer/devcontainer.json', '{ "image": "x", "remoteUser": "dev" }\n');
		// A personal host in the approver's user layer: approved, recorded, never in airlock.yaml.
		fs.mkdirSync(path.join(ws.env.XDG_CONFIG_HOME as string, 'airlock'), { recursive: true });
		fs.writeFileSync(path.join(ws.env.XDG_CONFIG_HOME as string, 'airlock', 'airlock.yaml'), 'version: 1\nallow: [mine.example.org]\n');
		assert.equal((await airlock(ws, ['approve', '--yes'])).code, 0);
		const lock = JSON.parse(ws.read('.devcontainer/airlock.lock')) as { planHash: string; entries: { host: string; why: string; approvedBy: string }[]; policy: string[] };
		assert.deepEqual(lock.entries.map((e) => [e.host, e.approvedBy]), [['a.example.com', 'tester@test'], ['g.example.com', 'tester@test'], ['mine.example.org', 'tester@test']]);
		assert.equal(lock.entries[1].why, 'git over ssh');
		assert.deepEqual(lock.policy, ['airlock-policy 1', 'mode enforce', 'allow a.example.com', 'allow g.example.com:22', 'allow mine.example.org']);
		assert.equal((await airlock(ws, ['generate'])).code, 0);
		let run = await airlock(ws, ['check']);
		assert.equal(run.code, 0, run.stderr);

		// The CI run: the same files at another path, a config home with nothing in it.
		const ci = makeTempWorkspace();
		try {
			fs.cpSync(path.join(ws.dir, '.devcontainer'), path.join(ci.dir, '.devcontainer'), { recursive: true });
			run = await airlock(ci, ['check']);
			assert.equal(run.code, 0, run.stderr);
			assert.match(run.stdout, /recorded in \.devcontainer\/airlock\.lock, approved by tester@test/);

			// An unapproved host in airlock.yaml: exit 1 at its line, with what to run.
			ci.write('.devcontainer/airlock.yaml', ci.read('.devcontainer/airlock.yaml') + '  - sneaky.example.net\n');
			run = await airlock(ci, ['check']);
			assert.equal(run.code, 1);
			assert.match(run.stderr, new RegExp(`${ci.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.devcontainer/airlock\\.yaml:6:5: error: sneaky\\.example\\.net \\(from project\\) is not in the approved plan recorded in \\.devcontainer/airlock\\.lock`));
			assert.match(run.stderr, /airlock approve/);
			fs.copyFileSync(path.join(ws.dir, '.devcontainer/airlock.yaml'), path.join(ci.dir, '.devcontainer/airlock.yaml'));

			// devcontainer.json carrying a host the lock does not have.
			const dc = ci.read('.devcontainer/devcontainer.json');
			ci.write('.devcontainer/devcontainer.json', dc.replace('"allow": "a.example.com', '"allow": "a.example.com,sneaky.example.net'));
			run = await airlock(ci, ['check']);
			assert.equal(run.code, 1);
			assert.match(run.stderr, /allow has 1 host the approved plan does not: sneaky\.example\.net/);
			ci.write('.devcontainer/devcontainer.json', dc);

			// A lock edited by hand (a host slipped in): its hashes no longer match its policy.
			const lockText = ci.read('.devcontainer/airlock.lock');
			ci.write('.devcontainer/airlock.lock', lockText.replace('"allow a.example.com",', '"allow a.example.com",\n    "allow sneaky.example.net",'));
			run = await airlock(ci, ['check']);
			assert.equal(run.code, 1);
			assert.match(run.stderr, /airlock\.lock:\d+:\d+: error: its hashes do not match its own policy and terms \(edited by hand\?\)/);

			// No record at all.
			fs.rmSync(path.join(ci.dir, '.devcontainer/airlock.lock'));
			run = await airlock(ci, ['check']);
			assert.equal(run.code, 1);
			assert.match(run.stderr, /nothing is approved on this machine and the repository has no \.devcontainer\/airlock\.lock/);
		} finally {
			ci.cleanup();
		}
	});

	it('check on the approving machine wants the lock in step with its approval; generate writes a missing one', async () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nbaseline: false\nallow: [a.example.com]\n');
		ws.write('.devcontainer/devcontainer.json', '{ "image": "x", "remoteUser": "dev" }\n');
		assert.equal((await airlock(ws, ['approve', '--yes'])).code, 0);
		assert.equal((await airlock(ws, ['generate'])).code, 0);
		fs.rmSync(path.join(ws.dir, '.devcontainer/airlock.lock'));
		let run = await airlock(ws, ['check']);
		assert.equal(run.code, 1);
		assert.match(run.stderr, /airlock\.lock: missing; .*Run `airlock generate`/);
		run = await airlock(ws, ['generate']);
		assert.match(run.stdout, /Wrote .*airlock\.lock from this machine's approval/);
		assert.equal((await airlock(ws, ['check'])).code, 0);
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
