// The demo behind `npm run demo` (see scripts/demo.sh): approve a policy, `airlock up` with the
// local Feature, then show an allowed request, a blocked one in the log, status and verify, and
// tear everything down. Uses the compiled e2e harness for the stand-in internet.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { newTestRun, removeEverything } = require(path.join(root, 'out/test/e2e/lib/docker.js'));
const { createTestNetwork } = require(path.join(root, 'out/test/e2e/lib/testNetwork.js'));
const { ensureTestHostImage, startWebHost } = require(path.join(root, 'out/test/e2e/lib/testHosts.js'));

const demoRoot = path.join(os.tmpdir(), 'airlock-demo');
const workspace = path.join(demoRoot, 'workspace');
const env = { ...process.env, XDG_CONFIG_HOME: path.join(demoRoot, 'config'), AIRLOCK_APPROVER: `${os.userInfo().username}@demo` };

function step(title) {
	process.stdout.write(`\n=== ${title}\n`);
}

/** Runs a command, echoing it and its output; fails the demo on an unexpected exit code. */
function sh(command, args, { expect = [0] } = {}) {
	process.stdout.write(`$ ${[command, ...args].join(' ')}\n`);
	const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 });
	process.stdout.write(result.stdout);
	process.stderr.write(result.stderr);
	if (!expect.includes(result.status)) {
		throw new Error(`${command} exited ${result.status}, expected ${expect.join(' or ')}`);
	}
	return result;
}

const airlock = (...args) => sh(process.execPath, [path.join(root, 'dist/cli.js'), ...args, '--workspace', workspace]);
const asAgent = (script, expect) => sh(path.join(root, 'node_modules/.bin/devcontainer'), ['exec', '--workspace-folder', workspace, 'bash', '-c', script], { expect });

const run = newTestRun('demo');
try {
	step('A stand-in internet: a test host on a Docker network of our own');
	await ensureTestHostImage();
	const net = await createTestNetwork(run, { subnetV4: '198.51.100.192/27', subnetV6: '2001:db8:a6::/64' });
	const api = await startWebHost(run, net, { hostNumber: 10, hostName: 'api' });
	const other = await startWebHost(run, net, { hostNumber: 11, hostName: 'other' });
	process.stdout.write(`api.demo.example -> ${api.ipv4}, other.demo.example -> ${other.ipv4}\n`);

	step('An example repository with a policy that allows one host');
	fs.rmSync(demoRoot, { recursive: true, force: true });
	fs.mkdirSync(path.join(workspace, '.devcontainer'), { recursive: true });
	fs.writeFileSync(path.join(workspace, '.devcontainer/airlock.yaml'), 'version: 1\nmode: enforce\nbaseline: false\nallow:\n  - { host: api.demo.example, reason: "the app API" }\n');
	fs.writeFileSync(path.join(workspace, '.devcontainer/Dockerfile'), 'FROM airlock-test/debian-dev:bookworm\n');
	fs.writeFileSync(path.join(workspace, '.devcontainer/devcontainer.json'), JSON.stringify({
		name: 'airlock demo',
		build: { dockerfile: 'Dockerfile', options: ['--network=host'] },
		remoteUser: 'dev',
		runArgs: ['--network', net.name, ...run.labelArgs, '--add-host', `api.demo.example:${api.ipv4}`, '--add-host', `other.demo.example:${other.ipv4}`],
	}, null, '\t') + '\n');

	step('Review and approve the plan (recorded on this machine, not in the repository)');
	airlock('plan');
	airlock('approve', '--yes', '--note', 'demo');

	step('Start the locked container (devcontainer.json is generated from the approved plan)');
	airlock('up');
	airlock('status');

	step('As the agent: the allowed host answers, everything else is refused at once');
	asAgent('curl -sS -k https://api.demo.example/index.html');
	asAgent('curl -sS -k -o /dev/null -w "%{http_code}\\n" https://other.demo.example/ ; true');
	asAgent(`curl -sS --noproxy '*' --connect-timeout 5 http://${api.ipv4}/ ; true`);

	step('The blocked request, as the editor shows it');
	airlock('logs', '--blocked');

	step('Verify from the inside (probes aimed at our own test host)');
	airlock('verify', '--control-host', 'api.demo.example', '--probe-host', api.ipv4, '--probe-host', api.ipv6);

	step('Tear down');
	airlock('down');
	process.stdout.write('\nDemo finished: the container was locked, the allowed host worked and the rest was blocked.\n');
} finally {
	await removeEverything(run);
}
