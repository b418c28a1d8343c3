import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { runCli } from '../../../extension/cli/main';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/tempWorkspace';

async function airlock(ws: TempWorkspace, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	let out = '';
	let err = '';
	stdout.on('data', (d) => (out += d));
	stderr.on('data', (d) => (err += d));
	const code = await runCli([...args, '--workspace', ws.dir], { stdin: new PassThrough(), stdout, stderr, env: ws.env, cwd: ws.dir, interactive: false });
	return { code, stdout: out, stderr: err };
}

const SOCKET_CONFIG = `{
	// builds images with the host's engine
	"image": "mcr.microsoft.com/devcontainers/base:bookworm",
	"mounts": ["source=/var/run/docker.sock,target=/var/run/docker.sock,type=bind"],
	"remoteUser": "vscode"
}
`;
const POLICY = 'version: 1\nbaseline: false\nallow: [api.example.com]\n';
const ACCEPTING = `${POLICY}accept:\n  - { finding: engine-socket, reason: "CI builds images" }\n`;

describe('airlock CLI: container findings (in-process)', () => {
	let ws: TempWorkspace;
	beforeEach(() => {
		ws = makeTempWorkspace({ '.devcontainer/devcontainer.json': SOCKET_CONFIG, '.devcontainer/airlock.yaml': POLICY });
	});
	afterEach(() => ws.cleanup());

	it('plan prints the findings after the hosts; --json adds findings [{id, severity, file, line, column, detail, accepted}]', async () => {
		const text = await airlock(ws, ['plan']);
		assert.equal(text.code, 0, text.stderr);
		assert.ok(text.stdout.indexOf('api.example.com') < text.stdout.indexOf('Container findings'), text.stdout);
		assert.match(text.stdout, /BLOCKER +engine-socket +\S+devcontainer\.json:4:13/);
		const json = JSON.parse((await airlock(ws, ['plan', '--json'])).stdout) as { findings: Record<string, unknown>[] };
		const socket = json.findings.find((f) => f.id === 'engine-socket');
		assert.deepEqual(Object.keys(socket ?? {}), ['id', 'severity', 'file', 'line', 'column', 'detail', 'accepted']);
		assert.deepEqual([socket?.severity, socket?.line, socket?.column, socket?.accepted], ['blocker', 4, 13, false]);
		assert.ok(json.findings.some((f) => f.id === 'browser-forwarding' && f.severity === 'warning'));
	});

	it('up refuses before it writes or starts anything, naming the finding, its location and both ways out (exit 1)', async () => {
		assert.equal((await airlock(ws, ['approve', '--yes'])).code, 0);
		const up = await airlock(ws, ['up']);
		assert.equal(up.code, 1, up.stderr);
		assert.match(up.stderr, /devcontainer\.json:4:13: engine-socket: /);
		assert.match(up.stderr, /Two ways out: remove the setting from the configuration, or accept it on purpose in \S+airlock\.yaml/);
		assert.match(up.stderr, /- \{ finding: engine-socket, reason: "why this container needs it" \}/);
		assert.equal(ws.read('.devcontainer/devcontainer.json'), SOCKET_CONFIG, 'nothing was written');
	});

	it('check exits 1 on the unaccepted blocker; accepted in airlock.yaml it still needs the approval; approved it passes', async () => {
		assert.equal((await airlock(ws, ['approve', '--yes'])).code, 0);
		assert.equal((await airlock(ws, ['generate'])).code, 0);
		const refused = await airlock(ws, ['check']);
		assert.equal(refused.code, 1);
		assert.match(refused.stderr, /engine-socket/);
		assert.doesNotMatch(refused.stderr, /out of step/);

		ws.write('.devcontainer/airlock.yaml', ACCEPTING);
		const unapproved = await airlock(ws, ['check']);
		assert.equal(unapproved.code, 1);
		assert.match(unapproved.stderr, /\+ accept engine-socket +\(container finding\)/);
		assert.match(unapproved.stderr, /next: airlock\.yaml accepts these, but the approved plan does not yet/);

		const approve = await airlock(ws, ['approve', '--yes']);
		assert.equal(approve.code, 0, approve.stderr);
		assert.match(approve.stdout, /accepted +engine-socket/);
		assert.match(approve.stdout, /accepted in \S+airlock\.yaml:5:5: "CI builds images"/);
		const ok = await airlock(ws, ['check']);
		assert.equal(ok.code, 0, ok.stderr);
		assert.match(ok.stdout, /no blocker the plan does not accept/);

		// A second blocker is not covered by the first acceptance.
		ws.write('.devcontainer/devcontainer.json', SOCKET_CONFIG.replace('"remoteUser"', '"runArgs": ["--network=host"],\n\t"remoteUser"'));
		const again = await airlock(ws, ['check']);
		assert.equal(again.code, 1);
		assert.match(again.stderr, /host-network/);
		assert.doesNotMatch(again.stderr, /: engine-socket: /);
	});

	it("the sidecar's own services (gate and proxy) are the lock, not doors: its generated config passes check", async () => {
		ws.write('.devcontainer/devcontainer.json', '{ "image": "mcr.microsoft.com/devcontainers/base:bookworm", "remoteUser": "vscode" }\n');
		ws.write('.devcontainer/airlock.yaml', 'version: 1\ntopology: sidecar\nbaseline: false\nallow: [api.example.com]\n');
		assert.equal((await airlock(ws, ['approve', '--yes'])).code, 0);
		const generate = await airlock(ws, ['generate']);
		assert.equal(generate.code, 0, generate.stderr);
		const check = await airlock(ws, ['check']);
		assert.equal(check.code, 0, check.stderr);
		const json = JSON.parse((await airlock(ws, ['plan', '--json'])).stdout) as { findings: { id: string; severity: string }[] };
		assert.deepEqual(json.findings.filter((f) => f.severity === 'blocker'), []);
	});
});
