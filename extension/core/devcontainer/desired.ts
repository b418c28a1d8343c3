import * as path from 'node:path';
import { featureAllowOption, featureExfilWarnOption, type EnforcedPolicy, type Mode } from '../enforcedPolicy';
import { localFeatureKey, type FeatureSource } from './featureSource';

export type { FeatureSource } from './featureSource';
export const DEFAULT_PROXY_PORT = 3128;
export const DEFAULT_IMAGE = 'mcr.microsoft.com/devcontainers/base:bookworm';
/** The non-root user the devcontainers base images ship. */
export const DEFAULT_REMOTE_USER = 'vscode';
export const NO_PROXY_VALUE = 'localhost,127.0.0.1,::1';
export const COMPOSE_OVERRIDE_NAME = 'docker-compose.airlock.yml';
/** The lifecycle step tools wait for before connecting: the Feature's wait-locked.sh runs in it. */
export const WAIT_FOR_LOCK = 'postStartCommand';

export interface GenerateOptions {
	workspace: string;
	/** The approved policy; nothing else is ever written into the Feature's options. */
	policy: EnforcedPolicy;
	/** An explicit choice (--feature-path, --feature-ref, the editor setting); otherwise `decideFeatureSource` decides. */
	feature?: FeatureSource;
	proxyPort?: number;
	allowSudo?: boolean;
	/** Where the lock lives (the approved plan's `topology` term); default single. */
	topology?: 'single' | 'sidecar';
}

/** The Feature's options, exactly the keys of docs/architecture.md §2. */
export interface FeatureOptions {
	allow: string;
	mode: Mode;
	proxyPort: string;
	allowSudo: boolean;
	/** Only when the policy has `exfil: warn` wildcards (docs/architecture.md §2). */
	exfilWarn?: string;
}

/** Characters that would break the options' trip through `devcontainer-features.env` or the comma list. */
const UNSAFE_IN_ALLOW = /[\s,"'`$\\;:]/;

export function featureOptions(policy: EnforcedPolicy, proxyPort: number, allowSudo: boolean): FeatureOptions {
	for (const rule of policy.rules) {
		// The policy comes from the grammar; this guards the transport, not the grammar.
		if (rule.host.length === 0 || UNSAFE_IN_ALLOW.test(rule.host)) {
			throw new Error(`enforced policy host ${JSON.stringify(rule.host)} cannot travel in the Feature's allow option; it must come from the host grammar`);
		}
	}
	if (!Number.isInteger(proxyPort) || proxyPort < 1 || proxyPort > 65535) {
		throw new Error(`proxy port ${proxyPort} is outside 1-65535`);
	}
	const exfilWarn = featureExfilWarnOption(policy);
	return { allow: featureAllowOption(policy), mode: policy.mode, proxyPort: String(proxyPort), allowSudo, ...(exfilWarn ? { exfilWarn } : {}) };
}

/** The `features` key for the chosen source; local Features must sit in `.devcontainer/`, relative to the config. */
export function featureKey(source: FeatureSource, kind: 'folder' | 'root'): string {
	return source.kind === 'published' ? source.ref : localFeatureKey(kind);
}

/** Every key Airlock considers its own (it keeps one, see plan). */
export function isAirlockFeatureKey(key: string): boolean {
	return key.toLowerCase().includes('airlock');
}

export function proxyEnv(proxyPort: number): Record<string, string> {
	const url = `http://127.0.0.1:${proxyPort}`;
	return {
		HTTP_PROXY: url,
		HTTPS_PROXY: url,
		http_proxy: url,
		https_proxy: url,
		NO_PROXY: NO_PROXY_VALUE,
		no_proxy: NO_PROXY_VALUE,
	};
}

/** A bind mount Airlock needs read-only in the container, named by its path under the workspace. */
export interface ProtectedPath {
	/** `.devcontainer` or `.devcontainer.json`. */
	readonly name: string;
	/** The `mounts` string: the object form cannot say read-only (the CLI drops extra keys). */
	readonly mountString: string;
}

export function protectedPaths(kind: 'folder' | 'root'): ProtectedPath[] {
	const names = kind === 'root' ? ['.devcontainer', '.devcontainer.json'] : ['.devcontainer'];
	return names.map((name) => ({
		name,
		mountString: `source=\${localWorkspaceFolder}/${name},target=\${containerWorkspaceFolder}/${name},type=bind,readonly`,
	}));
}

/** A `mounts` entry, read the way the CLI reads it (`key=value` pairs, or an object). */
export interface MountFields {
	type?: string;
	source?: string;
	target?: string;
	readonly: boolean;
}

export function parseMount(entry: unknown): MountFields | undefined {
	if (typeof entry === 'string') {
		const fields: MountFields = { readonly: false };
		for (const part of entry.split(',')) {
			const eq = part.indexOf('=');
			const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
			const value = eq === -1 ? undefined : part.slice(eq + 1).trim();
			if (key === 'type') {
				fields.type = value;
			} else if (key === 'source' || key === 'src') {
				fields.source = value;
			} else if (key === 'target' || key === 'dst' || key === 'destination') {
				fields.target = value;
			} else if ((key === 'readonly' || key === 'ro') && (value === undefined || value === 'true' || value === '1')) {
				fields.readonly = true;
			}
		}
		return fields;
	}
	if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
		const o = entry as Record<string, unknown>;
		const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
		// The CLI turns the object form into `type=,src=,dst=` and drops anything else: never read-only.
		return { type: str(o.type), source: str(o.source), target: str(o.target), readonly: false };
	}
	return undefined;
}

/** True when a mount puts something at `<anything>/<name>` in the container. */
export function targetsProtectedPath(mount: MountFields, name: string): boolean {
	const target = mount.target?.replace(/\/+$/, '');
	return target !== undefined && (target === name || target.endsWith(`/${name}`));
}

/** True when the entry is exactly Airlock's read-only bind for `p` (any key order or spelling). */
export function isExpectedMount(mount: MountFields, p: ProtectedPath): boolean {
	const want = parseMount(p.mountString) as MountFields;
	return mount.readonly && mount.type === 'bind' && mount.source === want.source && mount.target === want.target;
}

/** Relative, forward-slash path from `fromDir` to `to`, starting with `./` or `../`. */
export function relativeRef(fromDir: string, to: string): string {
	const rel = path.relative(fromDir, to).split(path.sep).join('/');
	if (rel === '') {
		return '.';
	}
	return rel.startsWith('../') || rel === '..' ? rel : `./${rel}`;
}
