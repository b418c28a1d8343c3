import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../extension/cli/main';
import { readApproval } from '../../extension/core/approvals';
import { REQUEST_HOST, readRequestBook, writeRequestBook } from '../../extension/core/requests';
import { UsageBook, writeUsageBook, DAY_MS } from '../../extension/core/usage';
import { parseProxyLogLine } from '../../extension/core/proxyLog';
import { makeTempWorkspace, type TempWorkspace } from './helpers/tempWorkspace';

/**
 * `airlock requests`, `airlock propose` and `airlock plan --usage`, in-process, with no Docker
 * engine reachable (DOCKER_HOST points nowhere): the commands work from the books kept on the
 * host and say the container could not be read. The container path is in test/e2e/loop.test.ts.
 */
interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

async function airlock(ws: TempWorkspace, args: string[]): Promise<Run> {
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	let out = '';
	let err = '';
	stdout.on('data', (d) => (out += d));
	stderr.on('data', (d) => (err += d));
	const env = { ...ws.env, DOCKER_HOST: `unix://${path.join(ws.dir, 'no-engine.sock')}` };
	const code = await runCli([...args, '--workspace', ws.dir], { stdin: new PassThrough(), stdout, stderr, env, cwd: ws.dir, interactive: false });
	return { code, stdout: out, stderr: err };
}

const POLICY = '# our policy\nversion: 1\nbaseline: false   # no editor hosts\nallow:\n  - api.example.com   # the API\n  - old.example.com\n';

function seedRequest(ws: TempWorkspace, host: string, port: string, why: string): string {
	const book = readRequestBook(ws.dir, ws.env);
	const enc = encodeURIComponent(encodeURIComponent(why));
	const entry = parseProxyLogLine(JSON.stringify({ time: Date.now() / 1000, client: '127.0.0.1', method: 'GET', host: REQUEST_HOST, port: 80, verdict: 'deny', enforced: true, rule: 'access-request', status: 403, bytes: 0, ask: `v=1;host=${host};port=${port};why=${enc}` }));
	assert.ok(entry);
	const outcome = book.ingest(entry);
	assert.equal(outcome.kind, 'new');
	writeRequestBook(ws.dir, book, ws.env);
	return outcome.kind === 'new' ? outcome.request.id : '';
}

describe('airlock requests (CLI)', () => {
	let ws: TempWorkspace;
	beforeEach(() => {
		ws = makeTempWorkspace({ '.devcontainer/airlock.yaml': POLICY });
	});
	afterEach(() => ws.cleanup());

	it('lists what the agent asked for, with its reason as plain text and the risk notes', async () => {
		seedRequest(ws, 'docs.example.net', '', 'read the \u001b[31mdocs\u001b[0m [now](command:x)');
		seedRequest(ws, 'pastebin.com', '', 'share a log');
		const run = await airlock(ws, ['requests']);
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stderr, /did not answer/);
		assert.match(run.stdout, /Access requests from the agent \(2 waiting\)/);
		assert.match(run.stdout, /why \(from the agent\): "read the \[31mdocs \[0m \[now\] \(command:x\)"/);
		assert.ok(!run.stdout.includes('\u001b'), 'no escape character reaches the terminal');
		assert.match(run.stdout, /! pastebin\.com is a paste or file-drop service/);
		const json = JSON.parse((await airlock(ws, ['requests', '--json'])).stdout) as { requests: { target: string; state: string; why: string }[] };
		assert.deepEqual(json.requests.map((r) => [r.target, r.state]).sort(), [['docs.example.net', 'pending'], ['pastebin.com', 'pending']]);
	});

	it('approve shows the change, refuses without a person, and with --yes adds the host (layout kept) and records the approval', async () => {
		const id = seedRequest(ws, 'git.example.org', '22', 'clone over ssh');
		const refused = await airlock(ws, ['requests', 'approve', id]);
		assert.equal(refused.code, 1);
		assert.match(refused.stderr, /no terminal to ask on; pass --yes/);
		assert.equal(ws.read('.devcontainer/airlock.yaml'), POLICY, 'nothing written without a yes');
		assert.equal(readApproval(ws.dir, ws.env), undefined);

		const run = await airlock(ws, ['requests', 'approve', 'git.example.org:22', '--yes']);
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, /The agent asks for git\.example\.org:22/);
		assert.match(run.stdout, /\+ git\.example\.org +\[22\]/);
		assert.match(run.stdout, /SSH tunnel/);
		assert.match(run.stdout, /No locked container is running/);
		assert.equal(ws.read('.devcontainer/airlock.yaml'), POLICY + '  - { host: git.example.org, ports: [22], reason: "requested by the agent: clone over ssh" }\n');
		const approval = readApproval(ws.dir, ws.env);
		assert.match(approval?.canonicalPolicy ?? '', /^allow git\.example\.org:22$/m);
		assert.equal(readRequestBook(ws.dir, ws.env).find(id)?.state, 'approved');
	});

	it('reject keeps the host out and quiets the request', async () => {
		const id = seedRequest(ws, 'tracker.example.io', '', 'telemetry');
		const run = await airlock(ws, ['requests', 'reject', id]);
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, /stays blocked/);
		assert.equal(readRequestBook(ws.dir, ws.env).find(id)?.state, 'rejected');
		assert.equal(ws.read('.devcontainer/airlock.yaml'), POLICY);
		assert.match((await airlock(ws, ['requests'])).stdout, /No access requests are waiting/);
		assert.match((await airlock(ws, ['requests', '--all'])).stdout, /rejected by tester@test/);
	});

	it('says what to do for an unknown request or action', async () => {
		const unknown = await airlock(ws, ['requests', 'approve', 'r00000000']);
		assert.equal(unknown.code, 2);
		assert.match(unknown.stderr, /no access request "r00000000"/);
		assert.equal((await airlock(ws, ['requests', 'explode'])).code, 2);
	});
});

describe('airlock propose and plan --usage (CLI)', () => {
	let ws: TempWorkspace;
	const fixtures = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'propose');
	beforeEach(() => {
		ws = makeTempWorkspace({ '.devcontainer/airlock.yaml': fs.readFileSync(path.join(fixtures, 'airlock.yaml'), 'utf8') });
	});
	afterEach(() => ws.cleanup());

	it('propose --log prints the reviewed diff and writes nothing; --write writes it for approval', async () => {
		const before = ws.read('.devcontainer/airlock.yaml');
		const run = await airlock(ws, ['propose', '--log', path.join(fixtures, 'audit.log')]);
		assert.equal(run.code, 0, run.stderr);
		assert.ok(run.stdout.includes(fs.readFileSync(path.join(fixtures, 'audit.expected.diff'), 'utf8')), run.stdout);
		assert.match(run.stdout, /preset github .* covers api\.github\.com, codeload\.github\.com, github\.com, objects\.githubusercontent\.com/);
		assert.match(run.stdout, /not proposed: 169\.254\.169\.254/);
		assert.match(run.stdout, /Nothing was written/);
		assert.equal(ws.read('.devcontainer/airlock.yaml'), before);
		const written = await airlock(ws, ['propose', '--log', path.join(fixtures, 'audit.log'), '--write']);
		assert.equal(written.code, 0, written.stderr);
		assert.match(written.stdout, /Nothing is enforced yet/);
		assert.match(ws.read('.devcontainer/airlock.yaml'), /presets: \[anthropic, github, npm\]/);
		assert.equal(readApproval(ws.dir, ws.env), undefined, 'propose never approves');
		assert.match((await airlock(ws, ['propose', '--log', path.join(fixtures, 'audit.log')])).stdout, /Nothing to propose/);
	});

	it('propose --json gives the proposal and the diff', async () => {
		const run = await airlock(ws, ['propose', '--json', '--log', path.join(fixtures, 'blocked.log')]);
		const json = JSON.parse(run.stdout) as { presets: { name: string }[]; diff: string; skipped: unknown[] };
		assert.deepEqual(json.presets.map((p) => p.name), ['github', 'npm']);
		assert.equal(json.diff, fs.readFileSync(path.join(fixtures, 'audit.expected.diff'), 'utf8'));
	});

	it('propose --log names a missing file, or one with no proxy log line at its first bad line; other bad lines are counted', async () => {
		const missing = await airlock(ws, ['propose', '--log', path.join(ws.dir, 'nope.log')]);
		assert.equal(missing.code, 2);
		assert.match(missing.stderr, /--log .*nope\.log: no such file/);
		assert.match(missing.stderr, /airlock logs --json > FILE/);
		assert.doesNotMatch(missing.stderr, /unexpected error|at Object/);
		ws.write('junk.log', '\n# not a log\n<html>\n');
		const junk = await airlock(ws, ['propose', '--log', path.join(ws.dir, 'junk.log')]);
		assert.equal(junk.code, 2);
		assert.match(junk.stderr, /junk\.log:2:1: not a line of the Airlock proxy log/);
		const blocked = fs.readFileSync(path.join(fixtures, 'blocked.log'), 'utf8');
		ws.write('mixed.log', `${blocked}garbage\n`);
		const mixed = await airlock(ws, ['propose', '--json', '--log', path.join(ws.dir, 'mixed.log')]);
		assert.equal(mixed.code, 0, mixed.stderr);
		// The recorded log has a line of Squid's own (line 66) besides the one added here.
		const firstJunk = blocked.split('\n').findIndex((l) => !l.startsWith('{')) + 1;
		assert.equal(firstJunk, 66);
		assert.match(mixed.stderr, /skipped 2 line\(s\) of .*mixed\.log that are not proxy log lines \(the first at line 66\)/);
		assert.equal((JSON.parse(mixed.stdout) as { diff: string }).diff, fs.readFileSync(path.join(fixtures, 'audit.expected.diff'), 'utf8'));
	});

	it('plan --usage shows each entry\'s use, marks the unused, and proposes their removal as a diff', async () => {
		const usage = new UsageBook(undefined, Date.now() - 60 * DAY_MS);
		usage.ingest({ time: (Date.now() - DAY_MS) / 1000, client: 'x', method: 'CONNECT', host: 'api.example.com', port: 443, verdict: 'allow', enforced: true, rule: 'allowlisted', status: 200, bytes: 1 });
		usage.ingest({ time: (Date.now() - DAY_MS) / 1000 + 1, client: 'x', method: 'CONNECT', host: 'v2.docs.example.com', port: 443, verdict: 'allow', enforced: true, rule: 'allowlisted', status: 200, bytes: 1 });
		writeUsageBook(ws.dir, usage, ws.env);
		const run = await airlock(ws, ['plan', '--usage']);
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, /api\.example\.com +1 +\d{4}-/);
		assert.match(run.stdout, /names seen: v2\.docs\.example\.com/);
		assert.match(run.stdout, /api\.anthropic\.com +0 +- +UNUSED/);
		assert.match(run.stdout, /From presets, the baseline or your user file/);
		const json = JSON.parse((await airlock(ws, ['plan', '--usage', '--json', '--unused-days', '7'])).stdout) as { entries: { host: string; usage: { unused: boolean } }[]; unusedDays: number };
		assert.equal(json.unusedDays, 7);
		assert.equal(json.entries.find((e) => e.host === 'api.example.com')?.usage.unused, false);
		// Remove what this repository lists and nobody used.
		ws.write('.devcontainer/airlock.yaml', ws.read('.devcontainer/airlock.yaml') + '  - stale.example.org   # from an old experiment\n');
		const removal = await airlock(ws, ['propose', '--remove-unused']);
		assert.equal(removal.code, 0, removal.stderr);
		assert.match(removal.stdout, /- stale\.example\.org: not used in the 60 days tracked/);
		assert.ok(removal.stdout.split('\n').includes('-  - stale.example.org   # from an old experiment'), removal.stdout);
		assert.doesNotMatch(removal.stdout, /^-.*api\.example\.com/m);
		assert.match(removal.stdout, /Nothing was written/);
	});
});
