import type { ContainerSetting, SourceAt } from './settings';
import { normalizeCapability, parseEnvEntry, parseMountFlag, parseShortVolume, publishHostIp } from './dockerSyntax';

/** One element of devcontainer.json `runArgs`, with where it is written. */
export interface RunArg {
	readonly value: string;
	readonly at: SourceAt;
}

/** `docker run` options that take a value (so the value is not read as the next option). */
const LONG_WITH_VALUE = new Set([
	'add-host', 'annotation', 'attach', 'blkio-weight', 'blkio-weight-device', 'cap-add', 'cap-drop', 'cgroup-parent', 'cgroupns', 'cidfile',
	'cpu-count', 'cpu-percent', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-shares', 'cpus', 'cpuset-cpus', 'cpuset-mems',
	'device', 'device-cgroup-rule', 'device-read-bps', 'device-read-iops', 'device-write-bps', 'device-write-iops', 'dns', 'dns-opt', 'dns-option',
	'dns-search', 'domainname', 'entrypoint', 'env', 'env-file', 'expose', 'gpus', 'group-add', 'health-cmd', 'health-interval', 'health-retries',
	'health-start-interval', 'health-start-period', 'health-timeout', 'hostname', 'ip', 'ip6', 'ipc', 'isolation', 'kernel-memory', 'label', 'label-file',
	'link', 'link-local-ip', 'log-driver', 'log-opt', 'mac-address', 'memory', 'memory-reservation', 'memory-swap', 'memory-swappiness', 'mount', 'name',
	'net', 'net-alias', 'network', 'network-alias', 'oom-score-adj', 'pid', 'pids-limit', 'platform', 'publish', 'pull', 'restart', 'runtime',
	'security-opt', 'shm-size', 'stop-signal', 'stop-timeout', 'storage-opt', 'sysctl', 'tmpfs', 'ulimit', 'user', 'userns', 'uts', 'volume',
	'volume-driver', 'volumes-from', 'workdir',
]);

/** One-letter options that take a value, and what they stand for. */
const SHORT_WITH_VALUE: Readonly<Record<string, string>> = { a: 'attach', c: 'cpu-shares', e: 'env', h: 'hostname', l: 'label', m: 'memory', p: 'publish', u: 'user', v: 'volume', w: 'workdir' };
/** One-letter switches. */
const SHORT_SWITCHES: Readonly<Record<string, string>> = { d: 'detach', i: 'interactive', t: 'tty', P: 'publish-all', q: 'quiet' };

/** `--privileged`, `--privileged=true`; `--privileged=false` switches it off. */
function switchedOn(value: string | undefined): boolean {
	return value === undefined || !/^(false|0)$/i.test(value);
}

export interface RunArgOption {
	readonly name: string;
	readonly value?: string;
	readonly written: string;
	readonly at: SourceAt;
}

/** Splits `runArgs` into options the way the docker CLI does (`--x=y`, `--x y`, `-p80:80`, `-it`). */
export function runArgOptions(args: readonly RunArg[]): RunArgOption[] {
	const out: RunArgOption[] = [];
	for (let i = 0; i < args.length; i++) {
		const { value: arg, at } = args[i];
		const next = (): string | undefined => {
			const v = args[i + 1]?.value;
			if (v !== undefined) {
				i++;
			}
			return v;
		};
		if (arg.startsWith('--')) {
			const eq = arg.indexOf('=');
			const name = (eq === -1 ? arg.slice(2) : arg.slice(2, eq)).toLowerCase();
			if (eq !== -1) {
				out.push({ name, value: arg.slice(eq + 1), written: arg, at });
			} else if (LONG_WITH_VALUE.has(name)) {
				const value = next();
				out.push({ name, ...(value !== undefined ? { value } : {}), written: value === undefined ? arg : `${arg} ${value}`, at });
			} else {
				out.push({ name, written: arg, at });
			}
		} else if (arg.startsWith('-') && arg.length > 1) {
			// `-it`, `-dP`: switches run together; a value option ends the run (`-p80:80`, `-itp 80:80`).
			for (let j = 1; j < arg.length; j++) {
				const letter = arg[j];
				const long = SHORT_WITH_VALUE[letter];
				if (long !== undefined) {
					const rest = arg.slice(j + 1).replace(/^=/, '');
					const value = rest !== '' ? rest : next();
					out.push({ name: long, ...(value !== undefined ? { value } : {}), written: rest !== '' || value === undefined ? arg : `${arg} ${value}`, at });
					break;
				}
				if (arg[j + 1] === '=') {
					// `-P=false`: a switch with an explicit value ends the run.
					out.push({ name: SHORT_SWITCHES[letter] ?? letter, value: arg.slice(j + 2), written: arg, at });
					break;
				}
				out.push({ name: SHORT_SWITCHES[letter] ?? letter, written: arg, at });
			}
		}
		// Anything else is a value of an option we do not know, or the image and command: not a setting.
	}
	return out;
}

/** The container settings in `runArgs` (docker run options), each pointing at its element. */
export function settingsFromRunArgs(args: readonly RunArg[]): ContainerSetting[] {
	const settings: ContainerSetting[] = [];
	for (const o of runArgOptions(args)) {
		const base = { written: o.written, at: o.at };
		const value = o.value ?? '';
		switch (o.name) {
			case 'network':
			case 'net':
				// `--network name=host,alias=x` (the long form) names the network in `name=`.
				settings.push({ ...base, kind: 'network', mode: /(^|,)name=([^,]*)/.exec(value)?.[2] ?? value });
				break;
			case 'privileged':
				if (switchedOn(o.value)) {
					settings.push({ ...base, kind: 'privileged' });
				}
				break;
			case 'volume': {
				const m = parseShortVolume(value);
				settings.push({ ...base, kind: 'mount', ...m });
				break;
			}
			case 'mount':
				settings.push({ ...base, kind: 'mount', ...parseMountFlag(value) });
				break;
			case 'use-api-socket':
				// Docker 28+: mounts the engine's API socket (and its credentials) into the container.
				if (switchedOn(o.value)) {
					settings.push({ ...base, kind: 'mount', type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock', readonly: false });
				}
				break;
			case 'pid':
				settings.push({ ...base, kind: 'pid', mode: value });
				break;
			case 'ipc':
				settings.push({ ...base, kind: 'ipc', mode: value });
				break;
			case 'device':
				settings.push({ ...base, kind: 'device', path: value.split(':')[0] });
				break;
			case 'device-cgroup-rule':
				settings.push({ ...base, kind: 'device', path: `cgroup rule ${value}` });
				break;
			case 'cap-add':
				for (const cap of value.split(',').filter((c) => c.trim() !== '')) {
					settings.push({ ...base, kind: 'capability', name: normalizeCapability(cap) });
				}
				break;
			case 'security-opt':
				settings.push({ ...base, kind: 'security-opt', value });
				break;
			case 'publish': {
				const hostIp = publishHostIp(value);
				settings.push({ ...base, kind: 'publish', ...(hostIp !== undefined ? { hostIp } : {}) });
				break;
			}
			case 'publish-all':
				if (switchedOn(o.value)) {
					settings.push({ ...base, kind: 'publish', all: true });
				}
				break;
			case 'env': {
				const e = parseEnvEntry(value);
				// `-e NAME` copies NAME from the environment the container is started from: the host's.
				settings.push({ ...base, kind: 'env', name: e.name, value: e.fromHost ? `\${localEnv:${e.name}}` : e.value });
				break;
			}
		}
	}
	return settings;
}
