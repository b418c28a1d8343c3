import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';
import { InvalidInputError, type SourceProblem } from '../errors';
import { imageOfDockerfile } from './dockerfileReader';
import { mountType, normalizeCapability, parseEnvEntry, parseShortVolume, publishHostIp } from './dockerSyntax';
import type { ContainerSetting, SourceAt, WorkspaceMount } from './settings';

/**
 * Reads the services of a Compose-based dev container, with positions: every file in
 * `dockerComposeFile`, in order. A later file's scalar (`network_mode`, `privileged`, `pid`,
 * `ipc`, `image`, `build`) replaces an earlier one's, lists are joined, as Compose merges them.
 * Relative paths resolve against the first file's folder, as Compose resolves them.
 */
export interface ComposeServices {
	/** Service name → its settings, in file order. */
	readonly services: ReadonlyMap<string, readonly ContainerSetting[]>;
	/** Service name → the bind of the workspace folder (or a folder above it), when it has one. */
	readonly workspaceMounts: ReadonlyMap<string, WorkspaceMount>;
}

/** Keys whose value replaces what an earlier file said; the rest are lists that add up. */
const SCALAR_KEYS = new Set(['image', 'build', 'privileged', 'network_mode', 'pid', 'ipc']);

interface Located {
	readonly file: string;
	readonly text: string;
	readonly lineCounter: LineCounter;
	readonly doc: Document;
}

function atOf(src: Located, node: Node | null | undefined): SourceAt {
	const { line, col } = src.lineCounter.linePos(node?.range?.[0] ?? 0);
	return { file: src.file, line, column: col };
}

/** The node's text as written, on one line (for `written`). */
function textOf(src: Located, node: Node | null | undefined): string {
	const range = node?.range;
	return range ? src.text.slice(range[0], range[1]).replace(/\s+/g, ' ').trim() : '';
}

function scalarText(node: Node | null | undefined): string | undefined {
	return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
}

/** A mapping's pairs by key, with `<<: *anchor` merges resolved (own keys win, as in YAML). */
function pairsOf(map: YAMLMap, doc: Document): Map<string, { key: Node; value: Node | null }> {
	const out = new Map<string, { key: Node; value: Node | null }>();
	const own: [string, { key: Node; value: Node | null }][] = [];
	for (const pair of map.items) {
		const key = pair.key as Node;
		const value = pair.value as Node | null;
		const isMerge = isScalar(key) && (key.value === '<<' || typeof key.value === 'symbol');
		if (isMerge) {
			for (const source of isSeq(value) ? (value.items as Node[]) : [value]) {
				const resolved = isAlias(source) ? source.resolve(doc) : source;
				if (isMap(resolved)) {
					for (const [k, v] of pairsOf(resolved, doc)) {
						if (!out.has(k)) {
							out.set(k, v);
						}
					}
				}
			}
		} else if (isScalar(key)) {
			own.push([String(key.value), { key, value }]);
		}
	}
	for (const [k, v] of own) {
		out.set(k, v);
	}
	return out;
}

function itemsOf(node: Node | null, doc: Document): Node[] {
	const resolved = isAlias(node) ? node.resolve(doc) : node;
	return isSeq(resolved) ? (resolved.items as Node[]).map((i) => (isAlias(i) ? (i.resolve(doc) as Node) : i)) : [];
}

function isTrue(node: Node | null): boolean {
	const v = isScalar(node) ? node.value : undefined;
	return v === true || v === 'true';
}

/** Settings one file gives one service, grouped by key so later files can replace scalars. */
function settingsByKey(src: Located, service: string, map: YAMLMap, baseDir: string): Map<string, ContainerSetting[]> {
	const byKey = new Map<string, ContainerSetting[]>();
	const add = (key: string, s: ContainerSetting): void => {
		byKey.set(key, [...(byKey.get(key) ?? []), s]);
	};
	for (const [key, { key: keyNode, value }] of pairsOf(map, src.doc)) {
		byKey.set(key, byKey.get(key) ?? []);
		const whole = { written: `${key}: ${textOf(src, value)}`, at: atOf(src, keyNode), service };
		const item = (node: Node) => ({ written: `${key}: ${textOf(src, node)}`, at: atOf(src, node), service });
		switch (key) {
			case 'image': {
				const name = scalarText(value);
				if (name) {
					add(key, { ...whole, kind: 'image', name });
				}
				break;
			}
			case 'build': {
				const image = dockerfileImage(value, baseDir);
				if (image) {
					add(key, { ...image, service });
				}
				break;
			}
			case 'privileged':
				if (isTrue(value)) {
					add(key, { ...whole, kind: 'privileged' });
				}
				break;
			case 'network_mode':
			case 'pid':
			case 'ipc': {
				const mode = scalarText(value);
				if (mode !== undefined) {
					add(key, key === 'network_mode' ? { ...whole, kind: 'network', mode } : { ...whole, kind: key, mode });
				}
				break;
			}
			case 'cap_add':
				for (const n of itemsOf(value, src.doc)) {
					const cap = scalarText(n);
					if (cap) {
						add(key, { ...item(n), kind: 'capability', name: normalizeCapability(cap) });
					}
				}
				break;
			case 'security_opt':
				for (const n of itemsOf(value, src.doc)) {
					const opt = scalarText(n);
					if (opt) {
						add(key, { ...item(n), kind: 'security-opt', value: opt });
					}
				}
				break;
			case 'devices':
				for (const n of itemsOf(value, src.doc)) {
					const spec = scalarText(n) ?? (isMap(n) ? scalarText(n.get('source', true) as Node) : undefined);
					if (spec) {
						add(key, { ...item(n), kind: 'device', path: spec.split(':')[0] });
					}
				}
				break;
			case 'device_cgroup_rules':
				for (const n of itemsOf(value, src.doc)) {
					add(key, { ...item(n), kind: 'device', path: `cgroup rule ${scalarText(n) ?? ''}` });
				}
				break;
			case 'volumes':
				for (const n of itemsOf(value, src.doc)) {
					const mount = volumeOf(n);
					if (mount) {
						add(key, { ...item(n), kind: 'mount', ...mount, ...(mount.source !== undefined && mount.type === 'bind' ? { source: resolveBindSource(mount.source, baseDir) } : {}) });
					}
				}
				break;
			case 'ports':
				for (const n of itemsOf(value, src.doc)) {
					if (isMap(n)) {
						const hostIp = scalarText(n.get('host_ip', true) as Node);
						add(key, { ...item(n), kind: 'publish', ...(hostIp !== undefined ? { hostIp } : {}) });
					} else {
						const spec = scalarText(n);
						if (spec !== undefined) {
							const hostIp = publishHostIp(spec);
							add(key, { ...item(n), kind: 'publish', ...(hostIp !== undefined ? { hostIp } : {}) });
						}
					}
				}
				break;
			case 'environment': {
				const resolved = (isAlias(value) ? value.resolve(src.doc) : value) ?? null;
				if (isMap(resolved)) {
					for (const [name, { key: k, value: v }] of pairsOf(resolved, src.doc)) {
						// `NAME:` with no value passes NAME through from the host, like `- NAME`.
						const text = scalarText(v);
						add(key, { written: `environment: ${textOf(src, k)}: ${textOf(src, v)}`.trim(), at: atOf(src, k), service, kind: 'env', name, value: text ?? `\${${name}}` });
					}
				} else {
					for (const n of itemsOf(resolved, src.doc)) {
						const e = parseEnvEntry(scalarText(n) ?? '');
						add(key, { ...item(n), kind: 'env', name: e.name, value: e.fromHost ? `\${${e.name}}` : e.value });
					}
				}
				break;
			}
		}
	}
	return byKey;
}

function volumeOf(node: Node): { type: ReturnType<typeof mountType>; source?: string; target?: string; readonly: boolean } | undefined {
	const spec = scalarText(node);
	if (spec !== undefined) {
		return parseShortVolume(spec);
	}
	if (!isMap(node)) {
		return undefined;
	}
	const type = scalarText(node.get('type', true) as Node) ?? 'volume';
	const source = scalarText(node.get('source', true) as Node);
	const target = scalarText(node.get('target', true) as Node);
	return { type: mountType(type), ...(source !== undefined ? { source } : {}), ...(target !== undefined ? { target } : {}), readonly: isTrue(node.get('read_only', true) as Node) };
}

/** Relative bind sources (`..`, `./data`) are relative to the project folder; others stay as written. */
function resolveBindSource(source: string, baseDir: string): string {
	return source.startsWith('.') ? path.resolve(baseDir, source) : source;
}

/** `build: ./dir` or `build: { context, dockerfile, args }` → the Dockerfile's final image. */
function dockerfileImage(value: Node | null, baseDir: string): ContainerSetting | undefined {
	let context = scalarText(value);
	let dockerfile = 'Dockerfile';
	const args: Record<string, string> = {};
	if (isMap(value)) {
		context = scalarText(value.get('context', true) as Node) ?? '.';
		dockerfile = scalarText(value.get('dockerfile', true) as Node) ?? dockerfile;
		const argsNode = value.get('args', true) as Node | null;
		if (isMap(argsNode)) {
			for (const pair of argsNode.items) {
				const k = scalarText(pair.key as Node);
				const v = scalarText(pair.value as Node);
				if (k !== undefined && v !== undefined) {
					args[k] = v;
				}
			}
		}
	}
	if (context === undefined || /^[a-z]+:\/\//i.test(context)) {
		return undefined;
	}
	const file = path.resolve(baseDir, context, dockerfile);
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch {
		// The build will fail on its own and say why; nothing to examine here.
		return undefined;
	}
	return imageOfDockerfile(file, text, args);
}

function parseComposeFile(file: string): Located {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (err) {
		throw new InvalidInputError([{ file, line: 1, column: 1, message: `cannot read this Compose file (${(err as Error).message})`, hint: 'fix dockerComposeFile in devcontainer.json, or create the file' }]);
	}
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
	if (doc.errors.length > 0) {
		const problems: SourceProblem[] = doc.errors.map((e) => {
			const { line, col } = lineCounter.linePos(e.pos[0]);
			return { file, line, column: col, message: `YAML syntax: ${e.message.split('\n')[0]}`, hint: 'fix the Compose file; `docker compose config` shows how Compose reads it' };
		});
		throw new InvalidInputError(problems);
	}
	return { file, text, lineCounter, doc };
}

/** Reads `files` (absolute, in dockerComposeFile order) for the dev container at `workspace`. */
export function readComposeServices(files: readonly string[], workspace: string): ComposeServices {
	const baseDir = path.dirname(files[0] ?? workspace);
	const merged = new Map<string, Map<string, ContainerSetting[]>>();
	for (const file of files) {
		const src = parseComposeFile(file);
		const root = src.doc.contents;
		const servicesNode = isMap(root) ? (root.get('services', true) as Node | null) : null;
		if (!isMap(servicesNode)) {
			continue;
		}
		for (const [service, { value }] of pairsOf(servicesNode, src.doc)) {
			const resolved = isAlias(value) ? value.resolve(src.doc) : value;
			if (!isMap(resolved)) {
				continue;
			}
			const current = merged.get(service) ?? new Map<string, ContainerSetting[]>();
			for (const [key, settings] of settingsByKey(src, service, resolved, baseDir)) {
				current.set(key, SCALAR_KEYS.has(key) ? settings : [...(current.get(key) ?? []), ...settings]);
			}
			merged.set(service, current);
		}
	}
	const services = new Map<string, ContainerSetting[]>();
	const workspaceMounts = new Map<string, WorkspaceMount>();
	const realWorkspace = path.resolve(workspace);
	for (const [service, byKey] of merged) {
		// With both `build` and `image`, Compose builds and names the result `image`: the Dockerfile decides.
		const keys = [...byKey.keys()].filter((k) => !(k === 'image' && (byKey.get('build') ?? []).length > 0));
		const settings = keys.flatMap((k) => byKey.get(k) ?? []);
		services.set(service, settings);
		for (const s of settings) {
			if (s.kind === 'mount' && s.type === 'bind' && s.source !== undefined && path.isAbsolute(s.source)) {
				const rel = path.relative(s.source, realWorkspace);
				if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
					workspaceMounts.set(service, { writable: !s.readonly, written: s.written, at: s.at });
				}
			}
		}
	}
	return { services, workspaceMounts };
}
