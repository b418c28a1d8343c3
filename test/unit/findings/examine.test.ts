import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lineColumnAt } from '../../../extension/core/errors';
import { examineWorkspace, type ExamineOptions, type Finding } from '../../../extension/core/findings';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/tempWorkspace';

/*
 * A table of real-world-shaped dev container configurations (image, Dockerfile and Compose;
 * JSONC with comments) and the findings they must give: id, severity and the exact position.
 * Positions are written as [file, text at that spot, occurrence] and resolved against the
 * fixture, so each case says where in its own text the finding must point.
 */

type Expected = readonly [id: Finding['id'], severity: Finding['severity'], file: string, needle: string, occurrence?: number];

interface Case {
	readonly name: string;
	readonly files: Readonly<Record<string, string>>;
	readonly expect: readonly Expected[];
	readonly options?: ExamineOptions;
}

const DC = '.devcontainer/devcontainer.json';

function at(ws: TempWorkspace, file: string, needle: string, occurrence = 1): { file: string; line: number; column: number } {
	const text = ws.read(file);
	let offset = -1;
	for (let i = 0; i < occurrence; i++) {
		offset = text.indexOf(needle, offset + 1);
		assert.ok(offset >= 0, `${needle} (occurrence ${occurrence}) is not in ${file}`);
	}
	return { file: path.join(ws.dir, file), ...lineColumnAt(text, offset) };
}

const hostile: readonly Case[] = [
	{
		name: "the issue's config: host network, privileged, the engine socket, ~/.aws and docker-outside-of-docker",
		files: {
			[DC]: `// A "batteries included" agent container, as found in the wild.
{
	"name": "agent",
	"image": "mcr.microsoft.com/devcontainers/base:bookworm",
	/* full access, so tools "just work" */
	"runArgs": ["--network=host", "--privileged"],
	"mounts": [
		"source=/var/run/docker.sock,target=/var/run/docker.sock,type=bind",
		"source=\${localEnv:HOME}/.aws,target=/home/vscode/.aws,type=bind,readonly", // credentials
	],
	"features": {
		"ghcr.io/devcontainers/features/docker-outside-of-docker:1": {},
		"ghcr.io/devcontainers/features/node:1": {}
	},
	"remoteUser": "vscode"
}
`,
		},
		expect: [
			['host-network', 'blocker', DC, '"--network=host"'],
			['privileged', 'blocker', DC, '"--privileged"'],
			['engine-socket', 'blocker', DC, '"source=/var/run/docker.sock'],
			['docker-in-docker', 'blocker', DC, '"ghcr.io/devcontainers/features/docker-outside-of-docker:1"'],
			['host-secret-mount', 'warning', DC, '"source=${localEnv:HOME}/.aws'],
		],
	},
	{
		name: 'a debugger-ready Dockerfile config: SYS_PTRACE with seccomp=unconfined is a warning for a non-root agent',
		files: {
			[DC]: `{
	// Go template style
	"build": { "dockerfile": "Dockerfile", "args": { "VARIANT": "1.22-bookworm" } },
	"runArgs": [ "--cap-add=SYS_PTRACE", "--security-opt", "seccomp=unconfined" ],
	"remoteUser": "vscode",
}
`,
			'.devcontainer/Dockerfile': 'ARG VARIANT=1\nFROM mcr.microsoft.com/devcontainers/go:${VARIANT}\nRUN go install golang.org/x/tools/gopls@latest\n',
		},
		expect: [
			['added-capability', 'warning', DC, '"--cap-add=SYS_PTRACE"'],
			['security-opt-weakened', 'warning', DC, '"--security-opt"'],
		],
	},
	{
		name: 'no-new-privileges switched off makes capabilities and confinement blockers',
		files: {
			[DC]: `{
	"image": "mcr.microsoft.com/devcontainers/python:3.12",
	"capAdd": ["SYS_ADMIN"],
	"securityOpt": ["no-new-privileges=false", "apparmor=unconfined"]
}
`,
		},
		expect: [
			['added-capability', 'blocker', DC, '"SYS_ADMIN"'],
			['security-opt-weakened', 'blocker', DC, '"no-new-privileges=false"'],
			['security-opt-weakened', 'blocker', DC, '"apparmor=unconfined"'],
		],
	},
	{
		name: 'docker-in-docker: the Feature, privileged, and a dind base image in the Dockerfile',
		files: {
			[DC]: `{
	"build": { "dockerfile": "Dockerfile" },
	"privileged": true,
	"features": { "ghcr.io/devcontainers/features/docker-in-docker:2": { "moby": true } }
}
`,
			'.devcontainer/Dockerfile': '# build tools\nARG DOCKER_TAG=27-dind\nFROM node:22 AS web\nFROM docker:${DOCKER_TAG}\nCOPY --from=web /usr/local/bin/node /usr/local/bin/node\n',
		},
		expect: [
			['privileged', 'blocker', DC, '"privileged"'],
			['docker-in-docker', 'blocker', DC, '"ghcr.io/devcontainers/features/docker-in-docker:2"'],
			['docker-in-docker', 'blocker', '.devcontainer/Dockerfile', 'docker:${DOCKER_TAG}'],
		],
	},
	{
		name: 'the engine socket in every spelling: -v, --mount, --use-api-socket, the folder it lives in, a rootless socket',
		files: {
			[DC]: `{
	"image": "ubuntu:24.04",
	"runArgs": [
		"-v", "/var/run:/host-run",
		"--mount", "type=bind,src=\${localEnv:XDG_RUNTIME_DIR}/podman/podman.sock,dst=/run/podman.sock",
		"--use-api-socket",
		"-v/run/containerd/containerd.sock:/c.sock:ro"
	],
	"mounts": [{ "type": "bind", "source": "\${localEnv:HOME}/.colima/default/docker.sock", "target": "/var/run/docker.sock" }]
}
`,
		},
		expect: [
			['engine-socket', 'blocker', DC, '"-v", "/var/run'],
			['engine-socket', 'blocker', DC, '"--mount"'],
			['engine-socket', 'blocker', DC, '"--use-api-socket"'],
			['engine-socket', 'blocker', DC, '"-v/run/containerd'],
			['engine-socket', 'blocker', DC, '{ "type": "bind"'],
		],
	},
	{
		name: 'host PID, host IPC, devices, /dev and /proc mounts, published ports and host secrets in the environment',
		files: {
			[DC]: `{
	"image": "mcr.microsoft.com/devcontainers/base:ubuntu",
	"runArgs": ["--pid=host", "--ipc", "host", "--device=/dev/net/tun", "--device-cgroup-rule=c 10:200 rwm",
		"-p", "3000:3000", "-p", "127.0.0.1:9229:9229", "-P", "-v", "/dev:/dev", "-v", "/proc:/host/proc:ro",
		"-e", "AWS_SECRET_ACCESS_KEY", "-e", "DEBUG=1"],
	"appPort": ["8080:8080", 5000],
	"containerEnv": {
		"GITHUB_TOKEN": "\${localEnv:GITHUB_TOKEN}", // for gh
		"OPENAI_API_KEY": "\${localEnv:OPENAI_API_KEY}",
		"PATH": "\${containerEnv:PATH}:/opt/tools",
		"SSH_AUTH_SOCK": "/ssh-agent"
	},
	"remoteEnv": { "NPM_TOKEN": "literal-in-repo-is-not-a-host-secret" }
}
`,
		},
		expect: [
			['host-pid', 'blocker', DC, '"--pid=host"'],
			['device', 'blocker', DC, '"--device=/dev/net/tun"'],
			['device', 'blocker', DC, '"--device-cgroup-rule'],
			['device', 'blocker', DC, '"-v", "/dev:/dev"'],
			['host-pid', 'blocker', DC, '"-v", "/proc'],
			['host-ipc', 'warning', DC, '"--ipc"'],
			['published-port', 'warning', DC, '"-p", "3000:3000"'],
			['published-port', 'warning', DC, '"-P"'],
			['host-secret-env', 'warning', DC, '"-e", "AWS_SECRET_ACCESS_KEY"'],
			['published-port', 'warning', DC, '"8080:8080"'],
			['git-credential-forwarding', 'warning', DC, '"GITHUB_TOKEN"'],
			['host-secret-env', 'warning', DC, '"OPENAI_API_KEY"'],
			['ssh-agent-forwarding', 'warning', DC, '"SSH_AUTH_SOCK"'],
		],
	},
	{
		name: 'SSH agent and git credentials mounted from the host',
		files: {
			[DC]: `{
	"image": "mcr.microsoft.com/devcontainers/base:bookworm",
	"mounts": [
		"source=\${localEnv:SSH_AUTH_SOCK},target=/ssh-agent,type=bind",
		"source=\${localEnv:HOME}\${localEnv:USERPROFILE}/.config/gh,target=/home/vscode/.config/gh,type=bind",
		"source=/home/alice/.ssh,target=/home/vscode/.ssh,type=bind,readonly",
		"source=\${localEnv:HOME}/.kube,target=/home/vscode/.kube,type=bind"
	]
}
`,
		},
		expect: [
			['ssh-agent-forwarding', 'warning', DC, '"source=${localEnv:SSH_AUTH_SOCK}'],
			['git-credential-forwarding', 'warning', DC, '"source=${localEnv:HOME}${localEnv:USERPROFILE}/.config/gh'],
			['host-secret-mount', 'warning', DC, '"source=/home/alice/.ssh'],
			['host-secret-mount', 'warning', DC, '"source=${localEnv:HOME}/.kube'],
		],
	},
	{
		name: "Compose: the templates' network_mode service:db, the socket, devices, pid, anchors and a second file",
		files: {
			[DC]: `{
	"name": "Node.js & PostgreSQL",
	"dockerComposeFile": ["docker-compose.yml", "docker-compose.extra.yml"],
	"service": "app",
	"workspaceFolder": "/workspaces/\${localWorkspaceFolderBasename}",
	"runServices": ["app", "db"]
}
`,
			'.devcontainer/docker-compose.yml': `# Shaped like the devcontainers templates
x-debug: &debug
  cap_add:
    - SYS_PTRACE
  security_opt:
    - seccomp:unconfined

services:
  app:
    <<: *debug
    build:
      context: .
      dockerfile: Dockerfile
    volumes:
      - ../..:/workspaces:cached
      - /var/run/docker.sock:/var/run/docker.sock
      - type: bind
        source: \${HOME}/.ssh
        target: /home/node/.ssh
        read_only: true
    command: sleep infinity
    network_mode: service:db
    environment:
      GH_TOKEN: \${GH_TOKEN}
      NODE_ENV: development
  db:
    image: postgres:16
    restart: unless-stopped
    privileged: true
    ports:
      - "5432:5432"
    volumes:
      - postgres-data:/var/lib/postgresql/data

volumes:
  postgres-data:
`,
			'.devcontainer/docker-compose.extra.yml': `services:
  app:
    devices:
      - "/dev/kvm:/dev/kvm"
    pid: host
    ports:
      - target: 3000
        published: 3000
      - target: 9229
        published: 9229
        host_ip: 127.0.0.1
`,
			'.devcontainer/Dockerfile': 'FROM mcr.microsoft.com/devcontainers/javascript-node:22-bookworm\n',
		},
		expect: [
			['host-network', 'blocker', '.devcontainer/docker-compose.yml', 'network_mode: service:db'],
			['engine-socket', 'blocker', '.devcontainer/docker-compose.yml', '/var/run/docker.sock:'],
			['device', 'blocker', '.devcontainer/docker-compose.extra.yml', '"/dev/kvm'],
			['host-pid', 'blocker', '.devcontainer/docker-compose.extra.yml', 'pid: host'],
			['added-capability', 'warning', '.devcontainer/docker-compose.yml', 'SYS_PTRACE'],
			['security-opt-weakened', 'warning', '.devcontainer/docker-compose.yml', 'seccomp:unconfined'],
			['host-secret-mount', 'warning', '.devcontainer/docker-compose.yml', 'type: bind'],
			['git-credential-forwarding', 'warning', '.devcontainer/docker-compose.yml', 'GH_TOKEN:'],
			['published-port', 'warning', '.devcontainer/docker-compose.extra.yml', 'target: 3000'],
		],
	},
	{
		name: 'Compose: a later file switches privileged and host networking off again',
		files: {
			[DC]: '{ "dockerComposeFile": ["base.yml", "override.yml"], "service": "dev", "workspaceFolder": "/w" }\n',
			'.devcontainer/base.yml': 'services:\n  dev:\n    image: docker:dind\n    privileged: true\n    network_mode: host\n',
			'.devcontainer/override.yml': 'services:\n  dev:\n    privileged: false\n    network_mode: bridge\n',
		},
		expect: [['docker-in-docker', 'blocker', '.devcontainer/base.yml', 'image: docker:dind']],
	},
	{
		name: 'CRLF line endings and tabs keep exact columns',
		files: {
			[DC]: '{\r\n\t// windows checkout\r\n\t"image": "alpine",\r\n\t"runArgs": [\r\n\t\t"--net",\r\n\t\t"host"\r\n\t]\r\n}\r\n',
		},
		expect: [['host-network', 'blocker', DC, '"--net"']],
	},
	{
		name: 'a root .devcontainer.json is examined when there is no .devcontainer folder config',
		files: { '.devcontainer.json': '{ "image": "alpine", "runArgs": ["--privileged=true"] }' },
		expect: [['privileged', 'blocker', '.devcontainer.json', '"--privileged=true"']],
	},
];

const benign: readonly Case[] = [
	{
		name: "the reference firewall container's own settings (NET_ADMIN is Airlock's, NET_RAW is Docker's default)",
		files: {
			[DC]: `{
	"name": "Claude Code Sandbox",
	"build": { "dockerfile": "Dockerfile", "args": { "TZ": "\${localEnv:TZ:America/Los_Angeles}" } },
	"runArgs": ["--cap-add=NET_ADMIN", "--cap-add=NET_RAW"],
	"customizations": { "vscode": { "extensions": ["dbaeumer.vscode-eslint"] } },
	"remoteUser": "node",
	"mounts": [
		"source=claude-code-bashhistory-\${devcontainerId},target=/commandhistory,type=volume",
		"source=claude-code-config-\${devcontainerId},target=/home/node/.claude,type=volume"
	],
	"containerEnv": { "NODE_OPTIONS": "--max-old-space-size=4096", "CLAUDE_CONFIG_DIR": "/home/node/.claude" },
	"workspaceMount": "source=\${localWorkspaceFolder},target=/workspace,type=bind,consistency=delegated",
	"workspaceFolder": "/workspace"
}
`,
			'.devcontainer/Dockerfile': 'FROM node:20\nARG TZ\nENV TZ="$TZ"\n',
		},
		expect: [],
	},
	{
		name: 'a TypeScript template: features, forwardPorts, a numeric appPort (127.0.0.1), read-only localtime, loopback ports',
		files: {
			[DC]: `// For format details, see https://aka.ms/devcontainer.json.
{
	"name": "Node.js & TypeScript",
	"image": "mcr.microsoft.com/devcontainers/typescript-node:1-22-bookworm",
	"features": {
		"ghcr.io/devcontainers/features/github-cli:1": {},
		"./airlock": { "allow": "registry.npmjs.org", "mode": "enforce", "proxyPort": "3128", "allowSudo": false }
	},
	"forwardPorts": [3000, "db:5432"],
	"appPort": 4000,
	"runArgs": ["--init", "-p", "127.0.0.1:9229:9229", "--cap-add", "NET_RAW", "--network", "airlock-net", "--label", "x=y"],
	"mounts": [
		"source=/etc/localtime,target=/etc/localtime,type=bind,readonly",
		"source=\${localWorkspaceFolder}/.devcontainer,target=\${containerWorkspaceFolder}/.devcontainer,type=bind,readonly",
		"source=node_modules,target=\${containerWorkspaceFolder}/node_modules,type=volume"
	],
	"remoteEnv": { "HTTP_PROXY": "http://127.0.0.1:3128", "NO_PROXY": "localhost,127.0.0.1,::1", "LOCAL_WORKSPACE_FOLDER": "\${localWorkspaceFolder}" },
	"postCreateCommand": "npm ci",
	"remoteUser": "node",
	"updateRemoteUserUID": false
}
`,
		},
		expect: [],
	},
	{
		name: 'Compose without shared namespaces: named volumes, loopback ports, a db the agent cannot reach anyway',
		files: {
			[DC]: '{ "dockerComposeFile": "compose.yaml", "service": "app", "workspaceFolder": "/workspaces/app", "shutdownAction": "stopCompose" }\n',
			'.devcontainer/compose.yaml': `services:
  app:
    image: mcr.microsoft.com/devcontainers/python:3.12
    volumes:
      - ..:/workspaces/app:cached
      - pip-cache:/home/vscode/.cache/pip
    ports:
      - "127.0.0.1:8000:8000"
      - "[::1]:8001:8001"
    environment:
      - PYTHONUNBUFFERED=1
    command: sleep infinity
  db:
    image: postgres:16
    cap_add: [SYS_NICE]
    network_mode: host
volumes:
  pip-cache:
`,
		},
		expect: [],
	},
];

function run(c: Case): void {
	it(c.name, () => {
		const ws = makeTempWorkspace(c.files);
		try {
			const examination = examineWorkspace(ws.dir, { editorChannels: false, ...c.options });
			const got = examination.findings.map((f) => ({ id: f.id, severity: f.severity, file: f.file, line: f.line, column: f.column }));
			const want = c.expect.map(([id, severity, file, needle, occurrence]) => ({ id, severity, ...at(ws, file, needle, occurrence) }));
			const key = (f: { id: string; file: string; line: number; column: number }): string => `${f.id} ${f.file}:${f.line}:${f.column}`;
			assert.deepEqual([...got].sort((a, b) => key(a).localeCompare(key(b))), [...want].sort((a, b) => key(a).localeCompare(key(b))));
			for (const f of examination.findings) {
				assert.ok(f.detail.length > 40 && /[.;]/.test(f.detail), `${f.id} has a sentence: ${f.detail}`);
				assert.equal(f.accepted, false);
			}
		} finally {
			ws.cleanup();
		}
	});
}

describe('findings: hostile configurations give the expected ids, severities and positions', () => {
	hostile.forEach(run);

	it('exact positions, counted by hand: the CRLF-and-tabs config points at line 5, column 3', () => {
		const ws = makeTempWorkspace({ [DC]: '{\r\n\t// windows checkout\r\n\t"image": "alpine",\r\n\t"runArgs": [\r\n\t\t"--net",\r\n\t\t"host"\r\n\t]\r\n}\r\n' });
		try {
			const [f] = examineWorkspace(ws.dir, { editorChannels: false }).findings;
			assert.deepEqual([f.id, f.line, f.column, f.setting], ['host-network', 5, 3, '--net host']);
		} finally {
			ws.cleanup();
		}
	});

	it('blockers come first, and each says what it lets the agent do and what to do instead', () => {
		const ws = makeTempWorkspace(Object.fromEntries(Object.entries(hostile[0].files)));
		try {
			const findings = examineWorkspace(ws.dir, { editorChannels: false }).findings;
			assert.deepEqual(findings.map((f) => f.severity), ['blocker', 'blocker', 'blocker', 'blocker', 'warning']);
			const socket = findings.find((f) => f.id === 'engine-socket');
			assert.match(socket?.detail ?? '', /start a container of its own with full network access.*remove it/);
		} finally {
			ws.cleanup();
		}
	});

	it('says why a capability is only a warning, and why it is a blocker once no-new-privileges is off', () => {
		const ws = makeTempWorkspace(hostile[1].files);
		try {
			const ptrace = examineWorkspace(ws.dir, { editorChannels: false }).findings.find((f) => f.id === 'added-capability');
			assert.match(ptrace?.detail ?? '', /A warning here, not a refusal: the agent runs as a non-root user under no-new-privileges/);
		} finally {
			ws.cleanup();
		}
		const off = makeTempWorkspace(hostile[2].files);
		try {
			const admin = examineWorkspace(off.dir, { editorChannels: false }).findings.find((f) => f.id === 'added-capability');
			assert.match(admin?.detail ?? '', /A blocker here: no-new-privileges is switched off/);
		} finally {
			off.cleanup();
		}
	});
});

describe('findings: benign configurations give none', () => {
	benign.forEach(run);

	it('no configuration yet (airlock generate would create one) gives none', () => {
		const ws = makeTempWorkspace({ 'README.md': 'hello' });
		try {
			const examination = examineWorkspace(ws.dir, { editorChannels: false });
			assert.deepEqual(examination.findings, []);
			assert.equal(examination.configExists, false);
		} finally {
			ws.cleanup();
		}
	});

	it("what `airlock generate` adds (its Feature, read-only mounts, proxy variables, Compose override) adds no finding", () => {
		const fixtures = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'devcontainer');
		let compared = 0;
		const idsOf = (dir: string): string[] => examineWorkspace(dir, { editorChannels: false }).findings.map((f) => `${f.id} ${f.setting}`).sort();
		for (const name of fs.readdirSync(fixtures)) {
			const original = path.join(fixtures, name, 'workspace');
			const expected = path.join(fixtures, name, 'expected.jsonc');
			if (!fs.existsSync(expected)) {
				continue;
			}
			const ws = makeTempWorkspace();
			try {
				fs.cpSync(original, ws.dir, { recursive: true });
				const before = idsOf(ws.dir);
				const target = fs.existsSync(path.join(ws.dir, '.devcontainer.json')) && !fs.existsSync(path.join(ws.dir, DC)) ? '.devcontainer.json' : DC;
				ws.write(target, fs.readFileSync(expected, 'utf8'));
				const composeOverride = path.join(fixtures, name, 'expected-compose.yml');
				if (fs.existsSync(composeOverride)) {
					ws.write('.devcontainer/docker-compose.airlock.yml', fs.readFileSync(composeOverride, 'utf8'));
				}
				assert.deepEqual(idsOf(ws.dir), before, name);
				compared++;
			} finally {
				ws.cleanup();
			}
		}
		assert.ok(compared >= 10, `compared ${compared} fixtures`);
	});
});
