import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Document, isMap, parseDocument, YAMLMap } from 'yaml';
import { InvalidInputError, lineColumnAt, type SourceProblem } from '../errors';
import { runArgOptions, type RunArg, type RunArgOption } from '../findings/dockerRunArgs';
import { imageOfDockerfile } from '../findings/dockerfileReader';
import type { ConfigEditor } from './configEditor';
import { COMPOSE_OVERRIDE_NAME, NO_PROXY_VALUE } from './desired';
import { featureContentHash } from './featureCopy';

/*
 * The sidecar topology (docs/sidecar.md): the proxy runs in a container of its own, built
 * locally from the Feature copy (`.devcontainer/airlock/sidecar/Dockerfile`); a gate container
 * owns the network namespace the agent's container joins and closes it before the agent starts;
 * the agent holds no NET_ADMIN and may be root. All of it is a Compose file Airlock owns,
 * `.devcontainer/docker-compose.airlock.yml`, so VS Code's Dev Containers and the devcontainer
 * CLI bring it up with no Airlock process on the host.
 *
 * An image- or Dockerfile-based devcontainer.json becomes a Compose-based one: its `image` or
 * `build`, `runArgs`, `appPort` and `workspaceMount` move into the Compose file (kept verbatim
 * under `x-airlock.from`, so going back to the single topology restores them exactly). A
 * Compose-based one keeps its files; Airlock's file is added to `dockerComposeFile` and puts the
 * dev service into the gate's namespace.
 */

export const PROXY_SERVICE = 'airlock-proxy';
export const GATE_SERVICE = 'airlock-gate';
export const AGENT_SERVICE = 'devcontainer';
export const INTERNAL_NETWORK = 'airlock-internal';
export const EGRESS_NETWORK = 'airlock-egress';
/** The proxy's fixed address for the agent: its name on the internal network. */
export const SIDECAR_PROXY_HOST = 'airlock-proxy';
export const SIDECAR_PROXY_PORT = 3128;
/**
 * The resolver the gate's namespace is given. Docker's embedded DNS forwards the names it does
 * not know there; from the agent's namespace that is refused by the gate at once, and the address
 * is RFC 7600's dummy (never routed, not loopback: a loopback resolver would make some engines
 * forward from the host's namespace, CVE-2024-29018).
 */
export const SIDECAR_DNS = '192.0.0.8';

export function sidecarProxyEnv(): Record<string, string> {
	const url = `http://${SIDECAR_PROXY_HOST}:${SIDECAR_PROXY_PORT}`;
	return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: NO_PROXY_VALUE, no_proxy: NO_PROXY_VALUE };
}

/** The keys an image- or Dockerfile-based config loses to the Compose file (and gets back). */
const MOVED_KEYS = ['image', 'build', 'runArgs', 'appPort', 'workspaceMount'] as const;
/** The keys Airlock adds to such a config (and removes when going back). */
const ADDED_KEYS = ['dockerComposeFile', 'service', 'runServices'] as const;

export interface SidecarPlan {
	/** The Compose file's text. */
	readonly composeText: string;
	/** The proxy image tag (content-pinned: a Feature copy or base image change rebuilds it). */
	readonly proxyImage: string;
}

type Json = Record<string, unknown>;

function problemAt(editor: ConfigEditor, key: string, message: string, hint: string, entry?: string): SourceProblem {
	const node = editor.node([key]);
	const offset = node?.parent?.type === 'property' ? node.parent.offset : (node?.offset ?? 0);
	return { file: editor.file, ...lineColumnAt(editor.text, offset), message, hint, entry: entry ?? key };
}

/** `x-airlock` of Airlock's Compose file when it holds a converted config, else undefined. */
export function convertedFrom(composeFile: string): Json | undefined {
	let text: string;
	try {
		text = fs.readFileSync(composeFile, 'utf8');
	} catch {
		return undefined;
	}
	const doc = parseDocument(text);
	const x = doc.get('x-airlock');
	if (!isMap(x)) {
		return undefined;
	}
	const from = (x.toJSON() as Json).from;
	return from !== null && typeof from === 'object' ? (from as Json) : undefined;
}

/** True when devcontainer.json is an image/Dockerfile config Airlock turned into Compose. */
export function isConvertedConfig(editor: ConfigEditor, composeFile: string): boolean {
	const files = editor.value(['dockerComposeFile']);
	const list = Array.isArray(files) ? files : [files];
	return list.length === 1 && list[0] === COMPOSE_OVERRIDE_NAME && convertedFrom(composeFile) !== undefined;
}

/** Puts an image/Dockerfile config back the way it was before the sidecar conversion. */
export function restoreConvertedConfig(editor: ConfigEditor, composeFile: string): void {
	const from = convertedFrom(composeFile) ?? {};
	for (const key of ADDED_KEYS) {
		editor.set([key], undefined);
	}
	if (from.addedWorkspaceFolder === true) {
		editor.set(['workspaceFolder'], undefined);
	} else if (typeof from.workspaceFolder === 'string') {
		editor.set(['workspaceFolder'], from.workspaceFolder);
	}
	for (const key of MOVED_KEYS) {
		if (from[key] !== undefined) {
			editor.set([key], from[key]);
		}
	}
}

interface AgentParts {
	service: Json;
	gate: Json;
	proxy: Json;
	egressNetwork?: string;
}

/** docker run options → the agent's, the gate's and the proxy's Compose keys. */
function mapRunArgs(editor: ConfigEditor, runArgs: readonly string[], parts: AgentParts): void {
	const args: RunArg[] = runArgs.map((value) => ({ value, at: { file: editor.file, line: 1, column: 1 } }));
	const node = editor.node(['runArgs']);
	const fail = (o: RunArgOption, why: string): never => {
		const index = runArgs.findIndex((a) => a === o.written.split(' ')[0]);
		const item = index >= 0 ? node?.children?.[index] : node;
		const offset = item?.offset ?? 0;
		throw new InvalidInputError([{
			file: editor.file, ...lineColumnAt(editor.text, offset), entry: o.written,
			message: `runArgs ${JSON.stringify(o.written)} ${why}`,
			hint: 'remove it, or keep the single-container topology (`topology: single` in airlock.yaml) for this configuration',
		}]);
	};
	const list = (target: Json, key: string, value: unknown): void => {
		target[key] = [...((target[key] as unknown[] | undefined) ?? []), value];
	};
	const map = (target: Json, key: string, k: string, v: string): void => {
		target[key] = { ...((target[key] as Json | undefined) ?? {}), [k]: v };
	};
	for (const o of runArgOptions(args)) {
		const v = o.value;
		const need = (): string => v ?? fail(o, 'has no value');
		switch (o.name) {
			case 'network':
			case 'net': {
				const net = need();
				if (net === 'bridge' || net === 'default') {
					break;
				}
				if (net === 'host' || net === 'none' || net.startsWith('container:') || net.startsWith('service:')) {
					fail(o, 'gives the container another network namespace than the gate\'s; in the sidecar topology the agent has only the internal network');
				}
				// A network the config names is kept: it becomes the proxy's way out.
				parts.egressNetwork = net;
				break;
			}
			case 'add-host': {
				const [host, ...ip] = need().split(':');
				map(parts.proxy, 'extra_hosts', host, ip.join(':'));
				map(parts.gate, 'extra_hosts', host, ip.join(':'));
				break;
			}
			case 'dns':
				list(parts.proxy, 'dns', need());
				break;
			case 'hostname':
			case 'h':
				parts.gate.hostname = need();
				break;
			case 'publish':
				list(parts.gate, 'ports', need());
				break;
			case 'label':
				list(parts.service, 'labels', need());
				break;
			case 'cap-add':
				list(parts.service, 'cap_add', need());
				break;
			case 'cap-drop':
				list(parts.service, 'cap_drop', need());
				break;
			case 'security-opt':
				list(parts.service, 'security_opt', need());
				break;
			case 'env':
				list(parts.service, 'environment', need());
				break;
			case 'env-file':
				list(parts.service, 'env_file', need());
				break;
			case 'volume':
				list(parts.service, 'volumes', need());
				break;
			case 'mount':
				list(parts.service, 'volumes', composeMount(need(), () => fail(o, 'is not a type=…,source=…,target=… mount')));
				break;
			case 'tmpfs':
				list(parts.service, 'tmpfs', need());
				break;
			case 'device':
				list(parts.service, 'devices', need());
				break;
			case 'group-add':
				list(parts.service, 'group_add', need());
				break;
			case 'ulimit': {
				const [name, limit] = need().split('=');
				map(parts.service, 'ulimits', name, limit);
				break;
			}
			case 'sysctl':
				if (need().startsWith('net.')) {
					fail(o, 'sets a network sysctl, which belongs to the gate\'s namespace in the sidecar topology');
				}
				map(parts.service, 'sysctls', need().split('=')[0], need().split('=').slice(1).join('='));
				break;
			case 'privileged':
				parts.service.privileged = !/^(false|0)$/i.test(v ?? 'true');
				break;
			case 'init':
				parts.service.init = !/^(false|0)$/i.test(v ?? 'true');
				break;
			case 'read-only':
				parts.service.read_only = !/^(false|0)$/i.test(v ?? 'true');
				break;
			case 'user':
				parts.service.user = need();
				break;
			case 'workdir':
				parts.service.working_dir = need();
				break;
			case 'entrypoint':
				parts.service.entrypoint = need();
				break;
			case 'shm-size':
				parts.service.shm_size = need();
				break;
			case 'memory':
				parts.service.mem_limit = need();
				break;
			case 'cpus':
				parts.service.cpus = Number(need());
				break;
			case 'pid':
				parts.service.pid = need();
				break;
			case 'ipc':
				parts.service.ipc = need();
				break;
			case 'runtime':
				parts.service.runtime = need();
				break;
			case 'platform':
				parts.service.platform = need();
				break;
			case 'interactive':
			case 'i':
				parts.service.stdin_open = true;
				break;
			case 'tty':
			case 't':
				parts.service.tty = true;
				break;
			case 'rm':
			case 'detach':
			case 'd':
				break;
			default:
				fail(o, 'has no Compose equivalent Airlock can keep safely in the sidecar topology');
		}
	}
}

/** `--mount type=bind,source=a,target=b,readonly` → Compose's long volume syntax. */
function composeMount(spec: string, bad: () => never): Json {
	const out: Json = {};
	for (const part of spec.split(',')) {
		const [k, ...rest] = part.split('=');
		const value = rest.join('=');
		const key = k.trim().toLowerCase();
		if (key === 'type') {
			out.type = value;
		} else if (key === 'source' || key === 'src') {
			out.source = value;
		} else if (key === 'target' || key === 'dst' || key === 'destination') {
			out.target = value;
		} else if (key === 'readonly' || key === 'ro') {
			out.read_only = value === '' || value === 'true' || value === '1';
		}
	}
	if (typeof out.target !== 'string') {
		bad();
	}
	return out;
}

const BASENAME_VARIABLE = '${localWorkspaceFolderBasename}';

/** A Compose config's own workspace path, with the folder's name put in (it depends on it). */
function composeContainerWorkspace(editor: ConfigEditor, workspace: string): string {
	const folder = editor.value(['workspaceFolder']);
	const name = path.basename(path.resolve(workspace));
	return typeof folder === 'string' ? folder.split(BASENAME_VARIABLE).join(name) : `/workspaces/${name}`;
}

/**
 * Where the workspace is in a converted config's agent service. Decided once, when Airlock first
 * converts the config (the mount's target, or /workspaces/<the folder's name then>), and kept in
 * x-airlock: Compose cannot read ${localWorkspaceFolderBasename}, and a clone in a folder of
 * another name (a CI checkout) must yield the same Compose file and find the workspace there.
 */
function convertedContainerWorkspace(editor: ConfigEditor, from: Json, workspace: string, workspaceRel: string): string {
	if (typeof from.workspace === 'string' && from.workspace.startsWith('/')) {
		return from.workspace;
	}
	const name = path.basename(path.resolve(workspace));
	if (typeof from.workspaceMount === 'string') {
		const target = workspaceMountOf(editor, from.workspaceMount, workspaceRel).target as string;
		return target.split(BASENAME_VARIABLE).join(name);
	}
	return `/workspaces/${name}`;
}

function workspaceMountOf(editor: ConfigEditor, mount: string, workspaceRel: string): Json {
	return composeMount(composePath(mount, workspaceRel), () => {
		throw new InvalidInputError([problemAt(editor, 'workspaceMount', 'workspaceMount is not a type=…,source=…,target=… mount', 'fix it, then approve again')]);
	});
}

/** devcontainer.json variables the devcontainer CLI would substitute, written for Compose. */
function composePath(value: string, workspaceRel: string): string {
	return value.split('${localWorkspaceFolder}').join(workspaceRel);
}

/**
 * devcontainer.json `build.options` (docker build flags) as Compose build keys: the network the
 * build runs on and its extra hosts. The proxy's image is built the same way (it needs the same
 * package mirror). Other flags have no Compose equivalent here: a clear error.
 */
function buildOptions(editor: ConfigEditor, from: Json): Json {
	const options = (from.build as Json | undefined)?.options;
	const out: Json = {};
	const list = Array.isArray(options) ? options.filter((o): o is string => typeof o === 'string') : [];
	for (let i = 0; i < list.length; i++) {
		const m = /^--(network|add-host)(?:=(.*))?$/.exec(list[i]);
		const value = m ? (m[2] ?? list[++i]) : undefined;
		if (!m || value === undefined) {
			throw new InvalidInputError([problemAt(editor, 'build', `build.options ${JSON.stringify(list[i])} has no Compose equivalent Airlock can carry into the sidecar topology`,
				'remove it (only --network and --add-host carry over), or keep the single-container topology')]);
		}
		if (m[1] === 'network') {
			out.network = value;
		} else {
			const [host, ...ip] = value.split(':');
			out.extra_hosts = { ...((out.extra_hosts as Json | undefined) ?? {}), [host]: ip.join(':') };
		}
	}
	return out;
}

/** The image the proxy is built on: the one the dev container itself starts from. */
function proxyBaseImage(editor: ConfigEditor, configDir: string, from: Json): string {
	const custom = editor.value(['customizations', 'airlock', 'proxyBaseImage']);
	if (typeof custom === 'string' && custom !== '') {
		return custom;
	}
	if (typeof from.image === 'string') {
		return from.image;
	}
	const build = from.build as Json | undefined;
	if (build && typeof build.dockerfile === 'string') {
		const file = path.resolve(configDir, build.dockerfile);
		let text = '';
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch {
			// Reported below.
		}
		const args = Object.fromEntries(Object.entries((build.args as Json | undefined) ?? {}).map(([k, v]) => [k, String(v)]));
		const image = text === '' ? undefined : imageOfDockerfile(file, text, args);
		const name = image?.kind === 'image' ? image.name : undefined;
		if (typeof name === 'string' && name !== '' && !name.includes('$') && name !== 'scratch') {
			return name;
		}
	}
	throw new InvalidInputError([problemAt(editor, 'build', 'cannot tell which image the sidecar proxy should be built on (the Dockerfile\'s final FROM does not name one)',
		'name one in devcontainer.json: "customizations": { "airlock": { "proxyBaseImage": "debian:bookworm-slim" } } (any Debian, Ubuntu, Alpine or Fedora image you already use)')]);
}

/** airlock-proxy:<12 hex>: the Feature copy and the base image, so either changing rebuilds. */
function proxyImageTag(copyDir: string, baseImage: string): string {
	const h = createHash('sha256').update(featureContentHash(copyDir)).update('\0').update(baseImage).digest('hex').slice(0, 12);
	return `airlock-proxy:${h}`;
}

/** The agent's files: the proxy for apt (which reads no variables under sudo) and ssh, the request command. */
function agentMounts(copyRel: string, workspaceRel: string, containerWorkspace: string): Json[] {
	const ro = (source: string, target: string): Json => ({ type: 'bind', source, target, read_only: true });
	return [
		ro(workspaceRel === '..' ? '.' : `${workspaceRel}/.devcontainer`, path.posix.join(containerWorkspace, '.devcontainer')),
		ro(`${copyRel}/sidecar/apt-proxy.conf`, '/etc/apt/apt.conf.d/80airlock-proxy'),
		ro(`${copyRel}/sidecar/ssh_config`, '/etc/ssh/ssh_config.d/airlock.conf'),
		ro(`${copyRel}/bin/airlock-ssh-proxy`, '/usr/local/share/airlock/airlock-ssh-proxy'),
		ro(`${copyRel}/bin/airlock-request`, '/usr/local/bin/airlock-request'),
	];
}

export interface SidecarOptions {
	readonly workspace: string;
	/** Absolute path of the Compose file Airlock owns (`.devcontainer/docker-compose.airlock.yml`). */
	readonly composeFile: string;
	/** The Feature copy the proxy image is built from (`.devcontainer/airlock`). */
	readonly copyDir: string;
	/** The Feature folder the copy holds (or will, once written): its content pins the image. */
	readonly featureDir: string;
	/** Canonical policy text: the policy the proxy starts with. */
	readonly policyText: string;
	/** A root `.devcontainer.json` is mounted read-only too. */
	readonly kind: 'folder' | 'root';
}

/**
 * Rewrites `editor` (devcontainer.json) for the sidecar topology and returns the Compose file
 * Airlock owns. Refuses, naming the setting, what it cannot carry over safely.
 */
export function planSidecar(editor: ConfigEditor, opts: SidecarOptions): SidecarPlan {
	const configDir = path.dirname(editor.file);
	const composeDir = path.dirname(opts.composeFile);
	const workspaceRel = path.relative(composeDir, opts.workspace).split(path.sep).join('/') || '.';
	const copyRel = `./${path.relative(composeDir, opts.copyDir).split(path.sep).join('/')}`;
	const converted = isConvertedConfig(editor, opts.composeFile);
	const isCompose = !converted && editor.node(['dockerComposeFile']) !== undefined;

	// What an image/Dockerfile config had: from the config, or (already converted) from x-airlock.
	const from: Json = converted ? { ...(convertedFrom(opts.composeFile) ?? {}) } : {};
	if (!converted && !isCompose) {
		for (const key of MOVED_KEYS) {
			const v = editor.value([key]);
			if (v !== undefined) {
				from[key] = v;
			}
		}
		if (from.image === undefined && from.build === undefined) {
			throw new InvalidInputError([problemAt(editor, 'image', 'devcontainer.json has neither "image", "build" nor "dockerComposeFile"', 'name the image or Dockerfile the dev container runs, then approve again')]);
		}
		from.addedWorkspaceFolder = editor.value(['workspaceFolder']) === undefined;
	}

	const baseImage = proxyBaseImage(editor, configDir, isCompose ? composeServiceImage(editor, configDir) : from);
	const proxyImage = proxyImageTag(opts.featureDir, baseImage);
	const buildNetwork = buildOptions(editor, from);
	const proxyBuild = { context: copyRel, dockerfile: 'sidecar/Dockerfile', args: { BASE_IMAGE: baseImage }, ...buildNetwork };

	const parts: AgentParts = {
		service: {},
		gate: {
			image: proxyImage,
			build: proxyBuild,
			entrypoint: ['/usr/local/sbin/airlock-ctl', 'gate'],
			user: 'root',
			cap_drop: ['ALL'],
			cap_add: ['NET_ADMIN'],
			security_opt: ['no-new-privileges:true'],
			read_only: true,
			tmpfs: ['/run', '/tmp'],
			dns: [SIDECAR_DNS],
			networks: [INTERNAL_NETWORK],
			restart: 'unless-stopped',
			healthcheck: { test: ['CMD', 'test', '-s', '/run/airlock/gate-ready'], interval: '1s', timeout: '3s', retries: 120 },
		},
		proxy: {
			image: proxyImage,
			build: proxyBuild,
			user: 'proxy',
			cap_drop: ['ALL'],
			security_opt: ['no-new-privileges:true'],
			read_only: true,
			// Its run state lives on its volume (a tmpfs would be root's, which it cannot write).
			tmpfs: ['/tmp'],
			// Attached to two networks, the proxy would route between them: it must not.
			sysctls: { 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' },
			environment: { AIRLOCK_POLICY_TEXT: opts.policyText },
			// Ready means ready: the agent starts once the proxy answers (a connect, nothing logged),
			// so its first request, or the user's postCreateCommand, never finds the proxy still starting.
			healthcheck: { test: ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/airlock-proxy-internal/${SIDECAR_PROXY_PORT}`], interval: '1s', timeout: '3s', retries: 120 },
			volumes: ['airlock-state:/var/lib/airlock', 'airlock-log:/var/log/airlock'],
			restart: 'unless-stopped',
		},
	};

	const containerWorkspace = isCompose
		? composeContainerWorkspace(editor, opts.workspace)
		: convertedContainerWorkspace(editor, from, opts.workspace, workspaceRel);
	if (!isCompose) {
		from.workspace = containerWorkspace;
	}

	let agentName = AGENT_SERVICE;
	const siblings: Record<string, Json> = {};
	if (isCompose) {
		agentName = editor.requireString('service', 'the Compose service the dev container runs in');
		checkComposeService(editor, configDir, opts.composeFile, agentName);
		// The services that run with the agent share its internal network, so it reaches them
		// directly (a database, a cache); each keeps its own networks (the plan's
		// `reachable-service` finding says when that is a way out).
		const run = editor.value(['runServices']);
		for (const [name, service] of composeServicesOf(composeFiles(editor, configDir).filter((f) => f !== opts.composeFile))) {
			if (name === agentName || (Array.isArray(run) && !run.includes(name)) || service.network_mode !== undefined) {
				continue;
			}
			siblings[name] = { networks: { ...(service.networks === undefined ? { default: {} } : {}), [INTERNAL_NETWORK]: {} } };
		}
	} else {
		if (typeof from.image === 'string') {
			parts.service.image = from.image;
		} else {
			const build = from.build as Json;
			const context = typeof build.context === 'string' ? build.context : '.';
			const contextFromCompose = path.relative(composeDir, path.resolve(configDir, context)).split(path.sep).join('/') || '.';
			const dockerfile = path.relative(path.resolve(configDir, context), path.resolve(configDir, String(build.dockerfile))).split(path.sep).join('/');
			parts.service.build = {
				context: contextFromCompose,
				dockerfile,
				...(build.args ? { args: build.args } : {}),
				...(typeof build.target === 'string' ? { target: build.target } : {}),
				...buildNetwork,
			};
		}
		const mount = typeof from.workspaceMount === 'string' ? from.workspaceMount : undefined;
		parts.service.volumes = [mount ? { ...workspaceMountOf(editor, mount, workspaceRel), target: containerWorkspace } : `${workspaceRel}:${containerWorkspace}:cached`];
		if (Array.isArray(from.runArgs)) {
			mapRunArgs(editor, from.runArgs.filter((a): a is string => typeof a === 'string'), parts);
		}
		if (from.appPort !== undefined) {
			for (const p of Array.isArray(from.appPort) ? from.appPort : [from.appPort]) {
				parts.gate.ports = [...((parts.gate.ports as unknown[] | undefined) ?? []), typeof p === 'number' ? `127.0.0.1:${p}:${p}` : String(p)];
			}
		}
		// The devcontainer CLI runs the container's command itself; Compose needs one that stays up.
		parts.service.command = ['sleep', 'infinity'];
	}

	// `airlock-proxy-internal` exists on the internal network only: the proxy listens on the address it names.
	parts.proxy.networks = { [INTERNAL_NETWORK]: { aliases: [SIDECAR_PROXY_HOST, 'airlock-proxy-internal'] }, [parts.egressNetwork ?? EGRESS_NETWORK]: {} };
	parts.service.network_mode = `service:${GATE_SERVICE}`;
	parts.service.depends_on = { [GATE_SERVICE]: { condition: 'service_healthy' }, [PROXY_SERVICE]: { condition: 'service_healthy' } };
	// The proxy variables here too, not only in devcontainer.json's containerEnv: the container has
	// them whoever brings the Compose project up.
	parts.service.environment = [
		...((parts.service.environment as string[] | undefined) ?? []),
		...Object.entries(sidecarProxyEnv()).map(([k, v]) => `${k}=${v}`),
		`AIRLOCK_PROXY=${SIDECAR_PROXY_HOST}:${SIDECAR_PROXY_PORT}`,
	];
	parts.service.volumes = [...((parts.service.volumes as unknown[] | undefined) ?? []), ...agentMounts(copyRel, workspaceRel, containerWorkspace)];

	// devcontainer.json: Compose-based, the agent's service, and the proxy for every process.
	if (!isCompose) {
		for (const key of MOVED_KEYS) {
			editor.set([key], undefined);
		}
		editor.setIfDifferent(['dockerComposeFile'], [COMPOSE_OVERRIDE_NAME]);
		editor.setIfDifferent(['service'], AGENT_SERVICE);
		editor.setIfDifferent(['runServices'], [AGENT_SERVICE, GATE_SERVICE, PROXY_SERVICE]);
		// A fixed path, never ${localWorkspaceFolderBasename}: the Compose file cannot follow the
		// folder's name, so every clone must find the workspace where the mount puts it.
		const folder = editor.value(['workspaceFolder']);
		if (folder === undefined) {
			editor.set(['workspaceFolder'], containerWorkspace);
		} else if (typeof folder === 'string' && folder.includes(BASENAME_VARIABLE)) {
			if (from.workspaceFolder === undefined && !converted) {
				from.workspaceFolder = folder;
			}
			editor.set(['workspaceFolder'], folder.split(BASENAME_VARIABLE).join(path.posix.basename(containerWorkspace)));
		}
	} else {
		ensureComposeListed(editor, configDir, opts.composeFile);
		const run = editor.value(['runServices']);
		if (Array.isArray(run)) {
			for (const s of [GATE_SERVICE, PROXY_SERVICE]) {
				if (!run.includes(s)) {
					editor.append(['runServices'], s);
				}
			}
		}
	}

	const doc = new Document({
		...(isCompose ? {} : { 'x-airlock': { format: 1, from } }),
		services: {
			[agentName]: parts.service,
			...siblings,
			[GATE_SERVICE]: parts.gate,
			[PROXY_SERVICE]: parts.proxy,
		},
		networks: {
			[INTERNAL_NETWORK]: { internal: true, driver_opts: { 'com.docker.network.bridge.inhibit_ipv4': 'true' } },
			...(parts.egressNetwork ? { [parts.egressNetwork]: { external: true } } : { [EGRESS_NETWORK]: {} }),
		},
		volumes: { 'airlock-state': {}, 'airlock-log': {} },
	}, { aliasDuplicateObjects: false });
	doc.commentBefore = [
		' Written by Airlock (`airlock generate`) for the sidecar topology; rewritten on every run, so do',
		' not edit it (edit devcontainer.json and airlock.yaml instead). The proxy is built from the',
		' Feature copy in ./airlock; the agent joins the gate\'s network namespace, which has no way out',
		' but the proxy. docs/sidecar.md explains each setting.',
	].join('\n');
	const services = doc.get('services') as YAMLMap;
	(services.get(PROXY_SERVICE, true) as unknown as YAMLMap).commentBefore = ' The proxy: Squid with the approved policy, no root, no capabilities, read-only, no forwarding.';
	(services.get(GATE_SERVICE, true) as unknown as YAMLMap).commentBefore = ' Owns the agent\'s network namespace: closes it before the agent starts, then sleeps.';
	return { composeText: doc.toString({ lineWidth: 0 }), proxyImage };
}

/** The image a Compose dev service starts from (for the proxy's base): its image or its Dockerfile's. */
function composeServiceImage(editor: ConfigEditor, configDir: string): Json {
	const service = editor.value(['service']);
	for (const f of composeFiles(editor, configDir)) {
		let doc;
		try {
			doc = parseDocument(fs.readFileSync(f, 'utf8'));
		} catch {
			continue;
		}
		const svc = doc.getIn(['services', service]) as YAMLMap | undefined;
		const v = svc && isMap(svc) ? (svc.toJSON() as Json) : undefined;
		if (v && typeof v.image === 'string' && v.build === undefined) {
			return { image: v.image };
		}
		const build = v?.build;
		if (build !== undefined) {
			const b = typeof build === 'string' ? { context: build } : (build as Json);
			const context = path.resolve(path.dirname(f), String(b.context ?? '.'));
			return { build: { dockerfile: path.relative(configDir, path.resolve(context, String(b.dockerfile ?? 'Dockerfile'))), args: b.args } };
		}
	}
	return {};
}

/** The services of Compose files, merged in order (a later file's keys win). */
function composeServicesOf(files: readonly string[]): Map<string, Json> {
	const out = new Map<string, Json>();
	for (const f of files) {
		let doc;
		try {
			doc = parseDocument(fs.readFileSync(f, 'utf8'));
		} catch {
			continue;
		}
		const services = doc.get('services');
		if (!isMap(services)) {
			continue;
		}
		for (const [name, value] of Object.entries((services.toJSON() ?? {}) as Record<string, unknown>)) {
			out.set(name, { ...(out.get(name) ?? {}), ...((value ?? {}) as Json) });
		}
	}
	return out;
}

function composeFiles(editor: ConfigEditor, configDir: string): string[] {
	const files: unknown = editor.value(['dockerComposeFile']);
	return (Array.isArray(files) ? files : [files]).filter((f): f is string => typeof f === 'string').map((f) => path.resolve(configDir, f));
}

/** The dev service may not bring a network of its own: it lives in the gate's namespace. */
function checkComposeService(editor: ConfigEditor, configDir: string, composeFile: string, service: string): void {
	for (const f of composeFiles(editor, configDir).filter((f) => f !== composeFile)) {
		let text: string;
		try {
			text = fs.readFileSync(f, 'utf8');
		} catch {
			continue;
		}
		const doc = parseDocument(text, { keepSourceTokens: true });
		const svc = doc.getIn(['services', service], true) as YAMLMap | undefined;
		if (!svc || !isMap(svc)) {
			continue;
		}
		for (const key of ['networks', 'network_mode', 'ports', 'links', 'hostname']) {
			const pair = svc.items.find((p) => String((p.key as { value?: unknown }).value) === key);
			if (pair) {
				const offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0;
				throw new InvalidInputError([{
					file: f, ...lineColumnAt(text, offset), entry: `${service}.${key}`,
					message: `service ${service} sets ${key}; in the sidecar topology it lives in the gate's network namespace, which only the gate may configure`,
					hint: key === 'ports' ? 'publish ports with forwardPorts in devcontainer.json instead' : `remove ${key} from the service (Airlock puts the proxy on your networks as its way out), or keep the single-container topology`,
				}]);
			}
		}
	}
}

function ensureComposeListed(editor: ConfigEditor, configDir: string, composeFile: string): void {
	const ref = path.relative(configDir, composeFile).split(path.sep).join('/');
	editor.ensureComposeFile(ref, composeFile, configDir);
}

/** The Compose project's volumes and the internal network are Airlock's; `down` removes them. */
export function isSidecarCompose(text: string): boolean {
	const doc = parseDocument(text);
	const services = doc.get('services');
	return isMap(services) && services.has(PROXY_SERVICE) && services.has(GATE_SERVICE);
}
