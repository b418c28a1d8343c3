import type { FindingId } from './catalog';
import { engineSocketIn, hostSecretIn, isDevicePath, isGitCredentialStore, isHostProc, isSshAgentSocket, normalizeHostPath } from './hostPaths';
import { publishedOnAllInterfaces } from './dockerSyntax';
import type { ContainerSetting, ReadConfiguration, SourceAt } from './settings';
import type { LockTopology } from './topology';

/** A finding before its severity is decided: what, where, and the sentence for the person. */
export interface RawFinding {
	readonly id: FindingId;
	readonly at: SourceAt;
	/** The setting as written. */
	readonly setting: string;
	/** What it lets the agent do, and what to do instead. */
	readonly detail: string;
}

/** What the workspace folder holds that runs on the host (decides host-code-writable). */
export interface WorkspaceFacts {
	/** `.git` is a folder in the workspace (its hooks and config run on the host). */
	readonly gitDir: boolean;
	/** `.vscode` exists in the workspace (tasks and settings the host's editor reads). */
	readonly vscodeDir: boolean;
}

export interface RuleContext {
	readonly topology: LockTopology;
	readonly workspace: WorkspaceFacts;
	/** Report the channels VS Code's Dev Containers opens to the host in every container. */
	readonly editorChannels: boolean;
}

/** Capabilities Docker grants every container: adding one changes nothing. */
const DOCKER_DEFAULT_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

const CAPABILITY_POWERS: Readonly<Record<string, string>> = {
	ALL: 'every capability, enough to change the firewall, load kernel modules and escape the container',
	NET_ADMIN: 'changing the firewall, routes and interfaces',
	SYS_ADMIN: 'mounting file systems and entering namespaces, enough to escape the container',
	SYS_MODULE: 'loading kernel modules',
	BPF: 'loading BPF programs into the kernel',
	PERFMON: 'kernel tracing (with BPF, reading kernel memory)',
	SYS_PTRACE: 'tracing and injecting code into any process in the container, the proxy included',
	SYS_RAWIO: 'raw I/O to devices and memory',
	DAC_READ_SEARCH: 'opening files on the host by handle (open_by_handle_at), outside the container',
	SYS_BOOT: 'rebooting the kernel it shares with the host',
	SYS_TIME: "setting the host's clock",
	MAC_ADMIN: 'changing the mandatory access control policy',
	MAC_OVERRIDE: 'bypassing mandatory access control',
	NET_BROADCAST: 'network broadcasts and multicast listening',
};

/** Feature ids (the last path segment, without version) that run or expose a container engine. */
const ENGINE_FEATURES = /^(docker-in-docker|docker-outside-of-docker|docker-from-docker|docker-outside-of-docker-compose|docker-in-docker-compose|dind|podman-in-podman|sysbox)(-|$)/;

function featureName(id: string): string {
	return (id.split('@')[0].replace(/:[^/]*$/, '').split('/').pop() ?? id).toLowerCase();
}

/** `docker:dind`, `docker:27-dind-rootless`, `cruizba/ubuntu-dind`: images that run their own engine. */
function isDockerInDockerImage(name: string): boolean {
	return /dind/i.test(name);
}

function isNoNewPrivilegesOff(value: string): boolean {
	return /^no-new-privileges[=:](false|0)$/i.test(value.trim());
}

/** A `--security-opt` that switches confinement off, with what that opens; undefined when it does not. */
function weakenedConfinement(value: string): string | undefined {
	const v = value.trim().toLowerCase();
	if (/^seccomp[=:]unconfined$/.test(v)) {
		return 'switches off the system-call filter, opening kernel interfaces such as unshare, keyctl and bpf';
	}
	if (/^seccomp[=:]/.test(v)) {
		return 'replaces the system-call filter with a custom profile Airlock cannot judge';
	}
	if (/^apparmor[=:]unconfined$/.test(v)) {
		return 'switches off the AppArmor profile that stops mounts and writes to /proc and /sys';
	}
	if (/^label[=:]disable$/.test(v) || /^label[=:]type:spc_t$/.test(v)) {
		return 'switches off SELinux separation between the container and the host';
	}
	if (/^systempaths[=:]unconfined$/.test(v)) {
		return "unmasks the host's /proc and /sys paths Docker hides";
	}
	if (isNoNewPrivilegesOff(v)) {
		return 'switches off no-new-privileges, so setuid programs (sudo, su) can make the agent root';
	}
	return undefined;
}

/** True when a setting switches off no-new-privileges (the Feature sets it; a later option can undo it). */
export function defeatsNoNewPrivileges(settings: readonly ContainerSetting[]): boolean {
	return settings.some((s) => s.kind === 'security-opt' && isNoNewPrivilegesOff(s.value));
}

const GIT_CREDENTIAL_ENV = /^(GITHUB_TOKEN|GH_TOKEN|GH_ENTERPRISE_TOKEN|GITHUB_ENTERPRISE_TOKEN|GITHUB_PAT|GITLAB_TOKEN|GL_TOKEN|GITEA_TOKEN|BITBUCKET_[A-Z_]*|GIT_ASKPASS|GIT_TOKEN|GIT_PASSWORD|GIT_CREDENTIALS?)$/i;
const CREDENTIAL_ENV = /(^|_)(TOKEN|SECRET|SECRETS|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY(_ID)?|PRIVATE_?KEY|CREDENTIALS?|AUTH)($|_)|^(AWS_[A-Z_]+|GOOGLE_APPLICATION_CREDENTIALS|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|DIGITALOCEAN_ACCESS_TOKEN|NPM_TOKEN|NODE_AUTH_TOKEN|PYPI_TOKEN|TWINE_PASSWORD|CARGO_REGISTRY_TOKEN)$/i;

/** The value is copied from the host's environment (`${localEnv:X}`, Compose's `${X}`, `docker run -e X`). */
function fromHostEnvironment(value: string): boolean {
	// Values the devcontainer CLI fills in from the container or the workspace are not the host's environment.
	const rest = value.replace(/\$\{(?:containerEnv:[^}]*|containerWorkspaceFolder(?:Basename)?|localWorkspaceFolder(?:Basename)?|devcontainerId)\}/g, '');
	return /\$\{(?:localEnv|env):[^}]+\}/.test(rest) || /\$(?:\{[A-Za-z_][A-Za-z0-9_]*(?:[:?-][^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)/.test(rest);
}

function quoteSetting(s: ContainerSetting): string {
	return `\`${s.written}\``;
}

/** Findings for one container's settings (the agent's, or a sibling the agent can reach). */
function findingsOfSettings(settings: readonly ContainerSetting[], ctx: RuleContext, servicePrefix: string): RawFinding[] {
	const out: RawFinding[] = [];
	const add = (id: FindingId, s: ContainerSetting, detail: string): void => {
		out.push({ id, at: s.at, setting: s.written, detail: servicePrefix + detail });
	};
	for (const s of settings) {
		switch (s.kind) {
			case 'network': {
				const mode = s.mode.trim().toLowerCase();
				if (mode === 'host') {
					add('host-network', s, `${quoteSetting(s)} puts the container in the host's network: the agent reaches every network directly, around the proxy, and the Feature refuses to lock it (it would program the host's firewall); remove it and publish ports with forwardPorts instead.`);
				} else if (/^(container|service):/.test(mode)) {
					const other = s.mode.replace(/^[^:]*:/, '');
					if (!ctx.topology.lockedServices.includes(other)) {
						add('host-network', s, `${quoteSetting(s)} shares the network of ${other}, which Airlock does not lock: processes there reach the network around the proxy; remove it (services reach each other by name on their own network).`);
					}
				}
				break;
			}
			case 'privileged':
				add('privileged', s, `${quoteSetting(s)} gives the container every capability and every host device: root in it can undo the firewall and reach the host; remove it and add only the capability a tool needs.`);
				break;
			case 'mount': {
				if (s.type !== 'bind' && s.type !== 'npipe') {
					break;
				}
				const source = s.source ?? '';
				const socket = engineSocketIn(source);
				if (socket !== undefined) {
					add('engine-socket', s, `${quoteSetting(s)} brings the container engine's socket into the container (${socket}${s.readonly ? '; read-only does not stop its API' : ''}): the agent can start a container of its own with full network access, or one that mounts the host; remove it and run containers from the host.`);
				}
				if (isSshAgentSocket(source)) {
					add('ssh-agent-forwarding', s, `${quoteSetting(s)} mounts the host's SSH agent: the agent can sign in with your keys wherever they open, through any allowlisted SSH host; use a deploy key for this repository instead.`);
				} else if (isGitCredentialStore(source)) {
					add('git-credential-forwarding', s, `${quoteSetting(s)} mounts your Git credentials (${normalizeHostPath(source)}): the agent can push, or call your Git host's API, with them; pass a token scoped to this repository instead.`);
				} else {
					const secret = hostSecretIn(source);
					if (secret !== undefined) {
						add('host-secret-mount', s, `${quoteSetting(s)} mounts ${secret} from the host${s.readonly ? ' (read-only still lets the agent read it)' : ''}: the agent can read these credentials and use them with any allowlisted service; mount only what the project needs, or pass a token scoped to it.`);
					}
				}
				if (isDevicePath(source)) {
					add('device', s, `${quoteSetting(s)} mounts the host's devices into the container: raw access to disks, TUN and other hardware paths the firewall does not govern; remove it.`);
				}
				if (isHostProc(source)) {
					add('host-pid', s, `${quoteSetting(s)} mounts the host's /proc: the agent can read the host's processes, their environments and (as root) reach their files; remove it.`);
				}
				break;
			}
			case 'pid':
				if (s.mode.trim().toLowerCase() === 'host') {
					add('host-pid', s, `${quoteSetting(s)} shows the container the host's processes: the agent can read their command lines and environments, and root in it can enter their namespaces; remove it.`);
				}
				break;
			case 'ipc':
				if (s.mode.trim().toLowerCase() === 'host') {
					add('host-ipc', s, `${quoteSetting(s)} shares the host's shared memory and message queues with the container, where host processes can be read and disturbed; remove it (use --shm-size for more shared memory).`);
				}
				break;
			case 'device':
				add('device', s, `${quoteSetting(s)} gives the container the host device ${s.path}${/\/dev\/net\/tun$/.test(s.path) ? ' (with it root can build a tunnel around the firewall)' : ''}: hardware and network paths the firewall does not govern; remove it.`);
				break;
			case 'capability': {
				if (DOCKER_DEFAULT_CAPABILITIES.has(s.name) || ctx.topology.lockCapabilities.includes(s.name)) {
					break;
				}
				const power = CAPABILITY_POWERS[s.name] ?? 'a power Docker does not grant by default';
				add('added-capability', s, `${quoteSetting(s)} adds ${s.name} (${power}); remove it unless a tool needs it${s.name === 'SYS_PTRACE' ? ' (debuggers need only this one, without seccomp=unconfined)' : ''}.`);
				break;
			}
			case 'security-opt': {
				const opens = weakenedConfinement(s.value);
				if (opens !== undefined) {
					add('security-opt-weakened', s, `${quoteSetting(s)} ${opens}; remove it${/seccomp/i.test(s.value) ? ' (a debugger needs only SYS_PTRACE)' : ''}.`);
				}
				break;
			}
			case 'publish':
				if (s.all || publishedOnAllInterfaces(s.hostIp)) {
					add('published-port', s, `${quoteSetting(s)} publishes ${s.all ? 'every exposed port' : 'the port'} on every interface of the host: anything on the host's networks can reach a server the agent runs; publish on 127.0.0.1 (e.g. 127.0.0.1:8080:8080) or use forwardPorts.`);
				}
				break;
			case 'feature': {
				const name = featureName(s.id);
				if (ENGINE_FEATURES.test(name)) {
					const outside = /outside|from/.test(name);
					add('docker-in-docker', s, outside
						? `${quoteSetting(s)} mounts the host's Docker engine socket into the container: the agent can start containers with full network access, or ones that mount the host; remove it and run containers from the host.`
						: `${quoteSetting(s)} runs a Docker engine inside a privileged container: containers the agent starts with it are not behind the lock; remove it and run containers from the host.`);
				}
				break;
			}
			case 'image':
				if (isDockerInDockerImage(s.name)) {
					add('docker-in-docker', s, `${quoteSetting(s)} is an image that runs its own Docker engine (it needs a privileged container): containers the agent starts with it are not behind the lock; use a development image without an engine.`);
				}
				break;
			case 'env': {
				if (s.name === 'SSH_AUTH_SOCK' && s.value.trim() !== '') {
					add('ssh-agent-forwarding', s, `${quoteSetting(s)} points the container at an SSH agent from the host: the agent can sign in with your keys through any allowlisted SSH host; use a deploy key for this repository instead.`);
				} else if (fromHostEnvironment(s.value) && GIT_CREDENTIAL_ENV.test(s.name)) {
					add('git-credential-forwarding', s, `${quoteSetting(s)} copies a Git credential from the host: the agent can push, or call your Git host's API, with it; pass a token scoped to this repository (read-only where you can).`);
				} else if (fromHostEnvironment(s.value) && CREDENTIAL_ENV.test(s.name)) {
					add('host-secret-env', s, `${quoteSetting(s)} copies a credential from the host's environment: the agent can read it and use it with any allowlisted service; pass a credential scoped to this project.`);
				}
				break;
			}
		}
	}
	return out;
}

/** Paths under the workspace whose code runs on the host, and which read-only mounts cover them. */
function hostCodeFinding(config: ReadConfiguration, ctx: RuleContext): RawFinding | undefined {
	const mount = config.workspaceMount;
	if (!mount || !mount.writable || (!ctx.workspace.gitDir && !ctx.workspace.vscodeDir)) {
		return undefined;
	}
	const readOnlyTargets = config.settings.flatMap((s) => (s.kind === 'mount' && s.readonly && s.target !== undefined ? [s.target.replace(/\/+$/, '')] : []));
	const covered = (name: string): boolean => readOnlyTargets.some((t) => t.endsWith(`/${name}`) || (name.startsWith('.git/') && t.endsWith('/.git')));
	const candidates = [...(ctx.workspace.gitDir ? ['.git/hooks', '.git/config'] : []), '.vscode'];
	const open = candidates.filter((c) => !covered(c));
	if (open.length === 0) {
		return undefined;
	}
	const mounts = open.map((p) => `"source=\${localWorkspaceFolder}/${p},target=\${containerWorkspaceFolder}/${p},type=bind,readonly"`).join(', ');
	return {
		id: 'host-code-writable',
		at: mount.at,
		setting: mount.written,
		detail: `The workspace is mounted writable, so the agent can change ${open.join(', ')}, which run on the host when you commit or open the folder there; to keep them read-only add to "mounts": ${mounts} (the cost: git hooks, the repository's git config and editor settings cannot be changed from inside the container${open.includes('.vscode') && !ctx.workspace.vscodeDir ? '; create .vscode first, a bind needs the folder' : ''}).`,
	};
}

/** The channels VS Code's Dev Containers opens to the host in every container it opens. */
function editorChannelFindings(config: ReadConfiguration): RawFinding[] {
	const setting = 'VS Code Dev Containers (default)';
	return [
		{ id: 'ssh-agent-forwarding', at: config.root, setting, detail: 'VS Code (Dev Containers) forwards your SSH agent into every container it opens, whatever devcontainer.json says: the agent can sign in with your keys through any allowlisted SSH host (e.g. github.com:22); keep only the keys this project needs in the agent (ssh-add -D, then ssh-add one), or start VS Code without SSH_AUTH_SOCK.' },
		{ id: 'git-credential-forwarding', at: config.root, setting, detail: 'VS Code (Dev Containers) installs a Git credential helper that asks the host, and copies your .gitconfig: the agent can push with your credentials to any allowlisted Git host; set the VS Code settings dev.containers.gitCredentialHelperConfigLocation to "none" and dev.containers.copyGitConfig to false to stop it.' },
		{ id: 'browser-forwarding', at: config.root, setting, detail: "VS Code (Dev Containers) lets processes in the container open URLs in the host's browser (the BROWSER helper): the agent can carry data to any site in a URL, outside the container's network; no setting turns it off, so watch what opens, or work in the container from the devcontainer CLI." },
	];
}

/** Every raw finding of a read configuration, in file order, one per id and position. */
export function findingsOf(config: ReadConfiguration, ctx: RuleContext): RawFinding[] {
	const all = [
		...findingsOfSettings(config.settings, ctx, ''),
		// The lock's own services (the sidecar's gate and proxy) are the lock, not a door beside it.
		...(ctx.topology.siblingsReachable
			? config.siblings.filter((s) => !ctx.topology.lockedServices.includes(s.service)).flatMap((s) => findingsOfSettings(s.settings, ctx, `Service ${s.service} (which the agent can reach): `))
			: []),
	];
	const hostCode = hostCodeFinding(config, ctx);
	if (hostCode) {
		all.push(hostCode);
	}
	if (ctx.editorChannels) {
		all.push(...editorChannelFindings(config));
	}
	const seen = new Set<string>();
	return all.filter((f) => {
		const key = `${f.id}|${f.at.file}|${f.at.line}|${f.at.column}`;
		if (seen.has(key)) {
			return false;
		}
		seen.add(key);
		return true;
	});
}
