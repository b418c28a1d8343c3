import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { findNodeAtLocation, parse, parseTree, type JSONPath, type Node } from 'jsonc-parser';
import { lineColumnAt } from '../errors';
import { diffHunks, type DiffHunk } from './lineDiff';

/**
 * What Approve will write to the dev container configuration, for the review: each file as a
 * diff, and each change in it with one line of why. Compares the text before and after (what
 * `planDevcontainer` computes), so it shows whatever the generator writes; keys it does not know
 * get a general why instead of being left out.
 */

export interface ConfigChange {
	/** Where, as a person reads it: `remoteEnv.HTTP_PROXY`, `features["./airlock"].allow`. */
	readonly path: string;
	readonly kind: 'added' | 'changed' | 'removed';
	/** What changes, short: `"http://127.0.0.1:3128"`, `+ api.example.com`. */
	readonly what: string;
	readonly why: string;
	/** 1-based line of the change in the new text (in the old one for a removal). */
	readonly line?: number;
	readonly side: 'new' | 'old';
}

export interface FileChange {
	/** Relative to the workspace, with forward slashes. */
	readonly file: string;
	readonly action: 'create' | 'update' | 'copy' | 'delete';
	/** One line: why this file is written at all. */
	readonly why: string;
	readonly hunks: readonly DiffHunk[];
	readonly changes: readonly ConfigChange[];
}

export interface DevcontainerPreview {
	readonly files: readonly FileChange[];
	/** One sentence for the top of the section. */
	readonly summary: string;
}

/** What `planDevcontainer` returns, as far as the preview needs it. */
export interface DevcontainerPlanLike {
	readonly file: string;
	readonly before: string | null;
	readonly after: string;
	readonly localFeatureTarget?: string;
	readonly localFeatureStale?: boolean;
	readonly composeOverride?: { readonly file: string; readonly before: string | null; readonly after: string | null };
}

const WHY = {
	featureAdded: 'Installs Airlock in the container (the proxy, the firewall and airlock-ctl); its options carry the approved plan.',
	featureRemoved: 'Replaced by the Airlock entry this plan uses: one Airlock Feature per container.',
	allow: 'The container gets exactly the approved hosts; every other host is blocked.',
	mode: 'The approved mode: enforce blocks what is not allowed, audit only logs it.',
	proxyPort: 'The loopback port of the proxy inside the container.',
	allowSudo: 'Whether the remote user keeps sudo (the status then says "weakened").',
	featureOption: 'An option of the Airlock Feature, set from the approved plan.',
	mount: 'Mounts the dev container configuration read-only, so the agent in the container cannot edit its own policy or this file.',
	mountRemoved: 'A writable mount of the dev container configuration would let the agent edit its own policy.',
	proxyVariable: "Programs in the container send web traffic through Airlock's proxy, the only way out.",
	noProxy: "Servers on the container's own loopback stay reachable without going through the proxy.",
	updateUid: 'Keeps the remote user\'s uid: on a host running as root the devcontainer CLI would make the agent uid 0, and root could undo the firewall.',
	waitFor: 'Editors, terminals and agents connect only after the lock is in place, on every start.',
	composeFile: "Adds Airlock's Compose override, which mounts the configuration read-only (Compose drops `readonly` from devcontainer.json mounts).",
	sidecarComposeFile: "The container now starts from Airlock's Compose file: the agent's service shares the network of the lock's gate, and the proxy runs in a container of its own the agent cannot touch.",
	sidecarService: 'The agent works in this service of the Compose file.',
	sidecarRunServices: "Starts the lock's own services, the gate and the proxy, with the agent's.",
	sidecarWorkspaceFolder: 'Where the repository is inside the agent\'s service: a fixed path, so a clone in a folder of another name finds it too (Compose needs it spelled out).',
	sidecarMoved: "Moved into Airlock's Compose file, where the agent's service is built or started the same way.",
	image: 'The image the container starts from (there was no dev container configuration yet).',
	build: 'Builds the container from the Dockerfile that is already in the repository.',
	remoteUser: 'A non-root user for the agent: root could undo the firewall.',
	name: 'The name editors show for this container.',
	securityOpt: 'No process in the container can gain privileges (setuid sudo stops working), so the agent cannot become root.',
	capAdd: "The Feature's entrypoint needs this capability to program the firewall at start; the agent's processes do not get it.",
	other: 'Set by Airlock for the lock (see docs/architecture.md §2).',
} as const;

const PROXY_VARIABLES = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy']);
const NO_PROXY_VARIABLES = new Set(['NO_PROXY', 'no_proxy']);

function isAirlockKey(key: string): boolean {
	return key.toLowerCase().includes('airlock');
}

function show(value: unknown, max = 80): string {
	const text = JSON.stringify(value) ?? 'undefined';
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function prop(base: string, key: string): string {
	return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

function allowList(value: unknown): string[] {
	return typeof value === 'string' && value !== '' ? value.split(',') : [];
}

/** Finds the 1-based line of a JSON path in a text (undefined when it is not there). */
function lineOf(root: Node | undefined, text: string | null, jsonPath: JSONPath): number | undefined {
	if (!root || text === null) {
		return undefined;
	}
	const node = findNodeAtLocation(root, jsonPath);
	if (!node) {
		return undefined;
	}
	const offset = node.parent?.type === 'property' ? node.parent.offset : node.offset;
	return lineColumnAt(text, offset).line;
}

class ChangeList {
	readonly items: ConfigChange[] = [];
	constructor(
		private readonly oldRoot: Node | undefined,
		private readonly oldText: string | null,
		private readonly newRoot: Node | undefined,
		private readonly newText: string,
	) {}

	/** `lineAt`: where the change is shown, when that is not the node itself (a new list starts at its key). */
	add(jsonPath: JSONPath, display: string, kind: ConfigChange['kind'], what: string, why: string, lineAt: JSONPath = jsonPath): void {
		const side = kind === 'removed' ? 'old' : 'new';
		const line = side === 'new' ? lineOf(this.newRoot, this.newText, lineAt) : lineOf(this.oldRoot, this.oldText, lineAt);
		this.items.push({ path: display, kind, what, why, side, ...(line !== undefined ? { line } : {}) });
	}
}

function kindOf(before: unknown, after: unknown): ConfigChange['kind'] {
	return before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
}

function compareFeatures(before: unknown, after: unknown, list: ChangeList): void {
	const b = isObject(before) ? before : {};
	const a = isObject(after) ? after : {};
	for (const key of unionKeys(b, a)) {
		if (isDeepStrictEqual(b[key], a[key])) {
			continue;
		}
		const display = prop('features', key);
		if (!isAirlockKey(key)) {
			list.add(['features', key], display, kindOf(b[key], a[key]), a[key] === undefined ? 'removed' : show(a[key]), WHY.other);
			continue;
		}
		if (a[key] === undefined) {
			list.add(['features', key], display, 'removed', 'removed', WHY.featureRemoved);
			continue;
		}
		if (b[key] === undefined || !isObject(b[key]) || !isObject(a[key])) {
			const options = isObject(a[key]) ? a[key] : {};
			const hosts = allowList(options.allow).length;
			list.add(['features', key], display, 'added', `Airlock Feature, ${hosts} allowed host${hosts === 1 ? '' : 's'}, mode ${String(options.mode ?? 'enforce')}`, WHY.featureAdded, before === undefined ? ['features'] : ['features', key]);
			continue;
		}
		compareFeatureOptions(key, b[key] as Record<string, unknown>, a[key] as Record<string, unknown>, list);
	}
}

function compareFeatureOptions(key: string, b: Record<string, unknown>, a: Record<string, unknown>, list: ChangeList): void {
	for (const option of unionKeys(b, a)) {
		if (isDeepStrictEqual(b[option], a[option])) {
			continue;
		}
		const display = prop(prop('features', key), option);
		const jsonPath = ['features', key, option];
		if (option === 'allow') {
			const was = new Set(allowList(b.allow));
			const now = allowList(a.allow);
			const added = now.filter((h) => !was.has(h));
			const removed = [...was].filter((h) => !now.includes(h));
			const parts = [...added.map((h) => `+ ${h}`), ...removed.map((h) => `− ${h}`)];
			list.add(jsonPath, display, kindOf(b.allow, a.allow), parts.length > 0 ? parts.join(', ') : 'the same hosts, in canonical order', WHY.allow);
			continue;
		}
		const why = option === 'mode' ? WHY.mode : option === 'proxyPort' ? WHY.proxyPort : option === 'allowSudo' ? WHY.allowSudo : WHY.featureOption;
		list.add(jsonPath, display, kindOf(b[option], a[option]), a[option] === undefined ? 'removed' : show(a[option]), why);
	}
}

function compareEnv(key: string, before: unknown, after: unknown, list: ChangeList): void {
	const b = isObject(before) ? before : {};
	const a = isObject(after) ? after : {};
	for (const name of unionKeys(b, a)) {
		if (isDeepStrictEqual(b[name], a[name])) {
			continue;
		}
		const why = PROXY_VARIABLES.has(name) ? WHY.proxyVariable : NO_PROXY_VARIABLES.has(name) ? WHY.noProxy : WHY.other;
		list.add([key, name], prop(key, name), kindOf(b[name], a[name]), a[name] === undefined ? 'removed' : show(a[name]), why);
	}
}

function mountText(item: unknown): string {
	if (typeof item === 'string') {
		return item;
	}
	return isObject(item) ? Object.entries(item).map(([k, v]) => `${k}=${String(v)}`).join(',') : String(item);
}

function isReadOnlyMount(item: unknown): boolean {
	if (isObject(item)) {
		return item.readonly === true || item.readOnly === true;
	}
	return typeof item === 'string' && /(^|,)\s*(readonly|ro)(\s*=\s*(true|1))?\s*(,|$)/i.test(item);
}

function compareMounts(before: unknown, after: unknown, list: ChangeList): void {
	const b = Array.isArray(before) ? before : [];
	const a = Array.isArray(after) ? after : [];
	a.forEach((item, index) => {
		if (!b.some((old) => isDeepStrictEqual(old, item))) {
			// In a list that is new altogether, the change starts at its key.
			list.add(['mounts', index], `mounts[${index}]`, 'added', mountText(item), isReadOnlyMount(item) ? WHY.mount : WHY.other, b.length === 0 ? ['mounts'] : ['mounts', index]);
		}
	});
	b.forEach((item, index) => {
		if (!a.some((now) => isDeepStrictEqual(now, item))) {
			list.add(['mounts', index], `mounts[${index}]`, 'removed', mountText(item), WHY.mountRemoved);
		}
	});
}

/** The sidecar topology: the lock's proxy in a Compose service of its own (core/devcontainer/sidecar.ts). */
function isSidecar(config: Record<string, unknown>): boolean {
	return Array.isArray(config.runServices) && config.runServices.includes('airlock-proxy');
}

function whyForKey(key: string, value: unknown, sidecar: boolean, kind: ConfigChange['kind']): string {
	if (sidecar) {
		if (kind === 'removed' && ['image', 'build', 'dockerFile', 'context', 'runArgs', 'appPort', 'forwardPorts'].includes(key)) {
			return WHY.sidecarMoved;
		}
		switch (key) {
			case 'dockerComposeFile':
				return WHY.sidecarComposeFile;
			case 'service':
				return WHY.sidecarService;
			case 'runServices':
				return WHY.sidecarRunServices;
			case 'workspaceFolder':
				return WHY.sidecarWorkspaceFolder;
			default:
				break;
		}
	}
	switch (key) {
		case 'updateRemoteUserUID':
			return WHY.updateUid;
		case 'waitFor':
			return WHY.waitFor;
		case 'dockerComposeFile':
			return WHY.composeFile;
		case 'image':
			return WHY.image;
		case 'build':
		case 'dockerFile':
		case 'context':
			return WHY.build;
		case 'remoteUser':
		case 'containerUser':
			return WHY.remoteUser;
		case 'name':
			return WHY.name;
		case 'securityOpt':
			return WHY.securityOpt;
		case 'capAdd':
			return WHY.capAdd;
		case 'runArgs':
			return Array.isArray(value) && value.some((v) => typeof v === 'string' && v.includes('no-new-privileges')) ? WHY.securityOpt : WHY.other;
		default:
			return WHY.other;
	}
}

function unionKeys(b: Record<string, unknown>, a: Record<string, unknown>): string[] {
	return [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
}

/** Each change between two devcontainer.json texts, with why. `before` null: a new file. */
export function explainConfigChanges(before: string | null, after: string): ConfigChange[] {
	const oldValue: unknown = before === null ? {} : parse(before, [], { allowTrailingComma: true });
	const newValue: unknown = parse(after, [], { allowTrailingComma: true });
	const b = isObject(oldValue) ? oldValue : {};
	const a = isObject(newValue) ? newValue : {};
	const list = new ChangeList(before === null ? undefined : parseTree(before, [], { allowTrailingComma: true }), before, parseTree(after, [], { allowTrailingComma: true }), after);
	for (const key of unionKeys(b, a)) {
		if (isDeepStrictEqual(b[key], a[key])) {
			continue;
		}
		if (key === 'features') {
			compareFeatures(b[key], a[key], list);
		} else if (key === 'remoteEnv' || key === 'containerEnv') {
			compareEnv(key, b[key], a[key], list);
		} else if (key === 'mounts') {
			compareMounts(b[key], a[key], list);
		} else {
			const kind = kindOf(b[key], a[key]);
			list.add([key], key, kind, a[key] === undefined ? 'removed' : show(a[key]), whyForKey(key, a[key], isSidecar(a), kind));
		}
	}
	return list.items.sort((x, y) => (x.line ?? Number.MAX_SAFE_INTEGER) - (y.line ?? Number.MAX_SAFE_INTEGER));
}

/** "a", "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
	return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function relative(workspace: string, file: string): string {
	return path.relative(workspace, file).split(path.sep).join('/');
}

/** A file Approve writes besides the configuration (e.g. `.devcontainer/airlock.lock`), shown without a diff. */
export interface AlsoWritten {
	readonly file: string;
	readonly exists: boolean;
	readonly why: string;
}

/** The preview of everything Approve (or `airlock generate`) would write for this plan. */
export function devcontainerPreview(workspace: string, plan: DevcontainerPlanLike, alsoWrites: readonly AlsoWritten[] = []): DevcontainerPreview {
	const files: FileChange[] = [];
	for (const other of [...alsoWrites].reverse()) {
		files.push({ file: relative(workspace, other.file), action: other.exists ? 'update' : 'create', why: other.why, hunks: [], changes: [] });
	}
	if (plan.localFeatureTarget !== undefined && plan.localFeatureStale === true) {
		files.push({
			file: `${relative(workspace, plan.localFeatureTarget)}/`,
			action: 'copy',
			why: 'A copy of the Airlock Feature (proxy, firewall, airlock-ctl): the container builds it from the repository, without a registry.',
			hunks: [],
			changes: [],
		});
	}
	const override = plan.composeOverride;
	if (override !== undefined && override.after !== override.before) {
		const sidecar = override.after !== null && override.after.includes('airlock-gate:');
		files.push({
			file: relative(workspace, override.file),
			action: override.after === null ? 'delete' : override.before === null ? 'create' : 'update',
			why: override.after === null
				? 'Not needed in the single-container topology: the image or Dockerfile configuration it held is back in devcontainer.json.'
				: sidecar
					? 'The sidecar topology: the proxy in a container of its own (built from the Feature copy), the gate that closes the agent\'s network namespace, and the agent on the internal network only.'
					: 'Mounts the dev container configuration read-only in the Compose service (Compose drops `readonly` from devcontainer.json mounts).',
			hunks: diffHunks(override.before ?? '', override.after ?? ''),
			changes: [],
		});
	}
	if (plan.after !== plan.before) {
		files.push({
			file: relative(workspace, plan.file),
			action: plan.before === null ? 'create' : 'update',
			why: plan.before === null ? 'There is no dev container configuration yet: Airlock creates one that carries the approved plan.' : 'Carries the approved plan and the settings that keep the agent from undoing the lock.',
			hunks: diffHunks(plan.before ?? '', plan.after),
			changes: explainConfigChanges(plan.before, plan.after),
		});
	}
	const config = relative(workspace, plan.file);
	// A copied folder or a file without key-level changes counts as one change.
	const count = files.reduce((n, f) => n + Math.max(f.changes.length, 1), 0);
	const summary =
		files.length === 0
			? `${config} already carries this plan: Approve changes no file.`
			: `Approve writes ${listed(files.map((f) => f.file).reverse())}: ${count} change${count === 1 ? '' : 's'}, each shown below with why.`;
	return { files: files.reverse(), summary };
}
