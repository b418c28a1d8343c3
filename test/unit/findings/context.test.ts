import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FINDING_IDS, examineWorkspace, severityOf, SINGLE_CONTAINER, type LockTopology } from '../../../extension/core/findings';
import { settingsFromRunArgs } from '../../../extension/core/findings/dockerRunArgs';
import { engineSocketIn, hostSecretIn, normalizeHostPath } from '../../../extension/core/findings/hostPaths';
import { makeTempWorkspace } from '../helpers/tempWorkspace';

const DC = '.devcontainer/devcontainer.json';

/** What a sidecar topology would pass: the agent may be root, no NET_ADMIN, the internal network's services are reachable. */
const SIDECAR: LockTopology = { name: 'sidecar', agentMayBeRoot: true, lockCapabilities: [], lockedServices: ['airlock-proxy'], siblingsReachable: true };

describe('findings: severity depends on what the agent can use, as the topology says', () => {
	it('the severity function takes the agent\'s access as input', () => {
		const nonRoot = { agentMayBeRoot: false, noNewPrivilegesDefeated: false };
		assert.equal(severityOf('added-capability', nonRoot), 'warning');
		assert.equal(severityOf('security-opt-weakened', nonRoot), 'warning');
		assert.equal(severityOf('added-capability', { agentMayBeRoot: true, noNewPrivilegesDefeated: false }), 'blocker');
		assert.equal(severityOf('security-opt-weakened', { agentMayBeRoot: false, noNewPrivilegesDefeated: true }), 'blocker');
		for (const always of ['host-network', 'privileged', 'engine-socket', 'docker-in-docker', 'host-pid', 'device'] as const) {
			assert.equal(severityOf(always, nonRoot), 'blocker', always);
		}
		for (const warning of ['host-secret-mount', 'ssh-agent-forwarding', 'git-credential-forwarding', 'browser-forwarding', 'published-port', 'host-code-writable'] as const) {
			assert.equal(severityOf(warning, { agentMayBeRoot: true, noNewPrivilegesDefeated: true }), 'warning', warning);
		}
	});

	it('a root agent (sidecar) makes SYS_PTRACE a blocker; NET_ADMIN counts once the lock does not add it; reachable services count', () => {
		const ws = makeTempWorkspace({
			[DC]: '{ "dockerComposeFile": "compose.yml", "service": "agent", "workspaceFolder": "/w" }',
			'.devcontainer/compose.yml': 'services:\n  agent:\n    image: node:22\n    cap_add: [SYS_PTRACE, NET_ADMIN]\n    network_mode: service:airlock-proxy\n  airlock-proxy:\n    image: airlock/proxy\n    cap_add: [NET_ADMIN]\n  helper:\n    image: docker:dind\n    privileged: true\n',
		});
		try {
			const single = examineWorkspace(ws.dir, { editorChannels: false, topology: SINGLE_CONTAINER });
			assert.deepEqual(single.findings.map((f) => `${f.severity} ${f.id} ${f.setting}`), [
				'blocker host-network network_mode: service:airlock-proxy',
				'warning added-capability cap_add: SYS_PTRACE',
			]);
			const sidecar = examineWorkspace(ws.dir, { editorChannels: false, topology: SIDECAR });
			assert.deepEqual(sidecar.findings.map((f) => `${f.severity} ${f.id} ${f.setting}`), [
				'blocker added-capability cap_add: SYS_PTRACE',
				'blocker added-capability cap_add: NET_ADMIN',
				'blocker docker-in-docker image: docker:dind',
				'blocker privileged privileged: true',
			], "the lock's own service (airlock-proxy with NET_ADMIN) is not a door");
			assert.match(sidecar.findings[0].detail, /the agent may run as root in this container/);
			assert.match(sidecar.findings[2].detail, /^Service helper \(which the agent can reach\): /);
			assert.deepEqual(sidecar.access, { agentMayBeRoot: true, noNewPrivilegesDefeated: false });
		} finally {
			ws.cleanup();
		}
	});
});

describe('findings: the channels to the host', () => {
	it("lists VS Code's SSH agent, Git credentials and browser opener for every config, at the config's opening brace", () => {
		const ws = makeTempWorkspace({ [DC]: '// comment first\n{ "image": "alpine" }\n' });
		try {
			const findings = examineWorkspace(ws.dir).findings;
			assert.deepEqual(findings.map((f) => [f.id, f.severity, f.line, f.column]), [
				['ssh-agent-forwarding', 'warning', 2, 1],
				['git-credential-forwarding', 'warning', 2, 1],
				['browser-forwarding', 'warning', 2, 1],
			]);
			assert.match(findings[1].detail, /dev\.containers\.gitCredentialHelperConfigLocation/);
		} finally {
			ws.cleanup();
		}
	});

	it('host-code-writable: a git repository mounted writable, and no finding once hooks, config and .vscode are read-only', () => {
		const ws = makeTempWorkspace({ [DC]: '{ "image": "alpine" }', '.git/HEAD': 'ref: refs/heads/main\n', '.git/hooks/.keep': '' });
		try {
			const [finding] = examineWorkspace(ws.dir, { editorChannels: false }).findings;
			assert.equal(finding.id, 'host-code-writable');
			assert.equal(finding.severity, 'warning');
			assert.deepEqual([finding.line, finding.column], [1, 1]);
			assert.match(finding.detail, /\.git\/hooks, \.git\/config, \.vscode/);
			assert.match(finding.detail, /the cost: git hooks/);
			ws.write(DC, `{
	"image": "alpine",
	"mounts": [
		"source=\${localWorkspaceFolder}/.git/hooks,target=\${containerWorkspaceFolder}/.git/hooks,type=bind,readonly",
		"source=\${localWorkspaceFolder}/.git/config,target=\${containerWorkspaceFolder}/.git/config,type=bind,readonly",
		"source=\${localWorkspaceFolder}/.vscode,target=\${containerWorkspaceFolder}/.vscode,type=bind,readonly"
	]
}`);
			assert.deepEqual(examineWorkspace(ws.dir, { editorChannels: false }).findings, []);
			ws.write(DC, '{ "image": "alpine",\n  "workspaceMount": "source=${localWorkspaceFolder},target=/w,type=bind,readonly" }');
			assert.deepEqual(examineWorkspace(ws.dir, { editorChannels: false }).findings, [], 'a read-only workspace');
			ws.write(DC, '{ "image": "alpine",\n  "workspaceMount": "source=${localWorkspaceFolder},target=/w,type=bind" }');
			assert.deepEqual(examineWorkspace(ws.dir, { editorChannels: false }).findings.map((f) => [f.id, f.line, f.column]), [['host-code-writable', 2, 3]]);
		} finally {
			ws.cleanup();
		}
	});
});

describe('findings: acceptances', () => {
	it('marks findings of an accepted id accepted, from plan terms or ids; nothing else', () => {
		const ws = makeTempWorkspace({ [DC]: '{ "image": "alpine", "runArgs": ["-v", "/var/run/docker.sock:/var/run/docker.sock", "--privileged"] }' });
		try {
			const examination = examineWorkspace(ws.dir, { editorChannels: false, accepted: ['accept engine-socket', 'not a term'] });
			assert.deepEqual(examination.findings.map((f) => [f.id, f.accepted]), [['engine-socket', true], ['privileged', false]]);
		} finally {
			ws.cleanup();
		}
	});
});

describe('findings: readers', () => {
	it('reads docker run options the way the docker CLI does', () => {
		const at = { file: '/x', line: 1, column: 1 };
		const args = ['-itp', '8080:80', '--name', '--privileged', '-eFOO=bar', '--privileged=false', '--cap-add', 'cap_sys_admin,NET_RAW', '--network', 'name=host,alias=x', '-P=false'];
		const settings = settingsFromRunArgs(args.map((value) => ({ value, at })));
		assert.deepEqual(settings.map((s) => s.kind === 'capability' ? `cap ${s.name}` : s.kind === 'network' ? `network ${s.mode}` : s.kind === 'publish' ? `publish ${s.hostIp ?? '*'}` : s.kind === 'env' ? `env ${s.name}=${s.value}` : s.kind), [
			'publish *', 'env FOO=bar', 'cap SYS_ADMIN', 'cap NET_RAW', 'network host',
		]);
	});

	it('recognises host paths however the home folder is spelled', () => {
		assert.equal(normalizeHostPath('${localEnv:HOME}${localEnv:USERPROFILE}/.ssh'), '~/.ssh');
		assert.equal(normalizeHostPath('C:\\Users\\me\\.aws\\'), '~/.aws');
		assert.equal(normalizeHostPath('$HOME/.kube/config'), '~/.kube/config');
		assert.equal(hostSecretIn('/root/.docker/config.json'), '~/.docker/config.json');
		assert.equal(hostSecretIn('/etc/localtime'), undefined);
		assert.equal(hostSecretIn('${localWorkspaceFolder}/.ssh'), undefined);
		assert.equal(engineSocketIn('\\\\.\\pipe\\docker_engine'), '//./pipe/docker_engine');
		assert.equal(engineSocketIn('/var/run/docker.sock'), '/var/run/docker.sock');
		assert.equal(engineSocketIn('/run/user/1000'), '/run/user/1000');
		assert.equal(engineSocketIn('/var/lib/app'), undefined);
	});

	it('a syntax error in devcontainer.json or a Compose file is an input error naming file, line and column', () => {
		const ws = makeTempWorkspace({ [DC]: '{ "image": "alpine",, }' });
		try {
			assert.throws(() => examineWorkspace(ws.dir), (err: { problems?: { file: string; line: number; column: number }[] }) => err.problems?.[0]?.line === 1 && err.problems[0].column === 21);
			ws.write(DC, '{ "dockerComposeFile": "c.yml", "service": "a" }');
			ws.write('.devcontainer/c.yml', 'services:\n  a:\n    image: [unclosed\n');
			assert.throws(() => examineWorkspace(ws.dir), (err: { problems?: { file: string; line: number }[] }) => /c\.yml$/.test(err.problems?.[0]?.file ?? '') && (err.problems?.[0]?.line ?? 0) >= 3);
		} finally {
			ws.cleanup();
		}
	});
});

describe('findings: the schema and the docs list every id', () => {
	it('schemas/airlock.schema.json accepts exactly the finding ids, and docs/policy.md documents each', () => {
		const root = path.join(__dirname, '..', '..', '..', '..');
		const schema = JSON.parse(fs.readFileSync(path.join(root, 'schemas', 'airlock.schema.json'), 'utf8')) as { properties: { accept: { items: { properties: { finding: { enum: string[] } } } } } };
		assert.deepEqual([...schema.properties.accept.items.properties.finding.enum].sort(), [...FINDING_IDS].sort());
		const policyDoc = fs.readFileSync(path.join(root, 'docs', 'policy.md'), 'utf8');
		for (const id of FINDING_IDS) {
			assert.match(policyDoc, new RegExp(`\\| \`${id}\` \\|`), `docs/policy.md documents ${id}`);
		}
	});
});
