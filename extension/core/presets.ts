import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Scalar } from 'yaml';
import { checkHost } from './hostname';
import { readPortsNode } from './yamlPorts';
import { InvalidInputError, type SourceProblem } from './errors';

/**
 * Presets: reviewed host lists shipped in `presets/<name>.yaml`, one per tool or ecosystem.
 * Every host carries a public source and a reason, and passes the same host grammar as a
 * policy file, so a preset can never widen what the grammar forbids.
 */
export interface PresetHost {
	/** Canonical host (lower case, A-labels), `*.` only as the whole first label. */
	host: string;
	/** Explicit CONNECT ports; undefined means the web ports (80/443). */
	ports?: number[];
	source: string;
	reason: string;
	/** 1-based position of the host value in the preset file. */
	line: number;
	column: number;
}

export interface Preset {
	name: string;
	description: string;
	hosts: PresetHost[];
	/** Absolute path of the preset file. */
	file: string;
}

/** Preset names are plain words so a name can never reach outside the presets folder. */
export const PRESET_NAME_PATTERN = /^[a-z0-9-]+$/;

/** The preset that is on by default (`baseline: true`): what the editor itself needs. */
export const BASELINE_PRESET = 'baseline';

const MARKER_FILE = `${BASELINE_PRESET}.yaml`;
const TOP_LEVEL_KEYS = ['name', 'description', 'hosts'] as const;
const HOST_KEYS = ['host', 'ports', 'source', 'reason'] as const;

export class UnknownPresetError extends Error {
	constructor(
		readonly name: string,
		readonly known: string[],
	) {
		super(
			`unknown preset ${JSON.stringify(name)}; known presets: ${known.length > 0 ? known.join(', ') : '(none found)'}`,
		);
	}
}

/**
 * The `presets/` folder shipped with Airlock. Searched upward from this module, so it is found
 * from the sources, from `out/extension/core/`, from the bundled `dist/` and from an installed
 * npm package alike.
 */
export function presetsDirectory(): string {
	let dir = __dirname;
	for (;;) {
		const candidate = path.join(dir, 'presets');
		if (fs.existsSync(path.join(candidate, MARKER_FILE))) {
			return candidate;
		}
		const parent = path.dirname(dir);
		if (parent === dir) {
			throw new Error(
				`cannot find the presets folder (a presets/${MARKER_FILE} above ${__dirname}); reinstall Airlock, the package is incomplete`,
			);
		}
		dir = parent;
	}
}

/** Names of the presets in `dir`, sorted. */
export function listPresets(dir: string = presetsDirectory()): string[] {
	let entries: fs.Dirent[];
	try {
		entries = fs.readdirSync(dir, { withFileTypes: true });
	} catch (err) {
		throw new Error(`cannot read the presets folder ${dir}: ${(err as Error).message}; reinstall Airlock, or point it at a folder of preset files`);
	}
	return entries
		.filter((e) => e.isFile() && e.name.endsWith('.yaml'))
		.map((e) => e.name.slice(0, -'.yaml'.length))
		.filter((n) => PRESET_NAME_PATTERN.test(n))
		.sort();
}

/**
 * Loads and validates one preset. Throws UnknownPresetError for a name that is not a preset
 * file in `dir`, and InvalidInputError (every problem, with file:line:col and a hint) for a
 * preset file that is malformed.
 */
export function loadPreset(name: string, dir: string = presetsDirectory()): Preset {
	const file = path.resolve(dir, `${name}.yaml`);
	if (!PRESET_NAME_PATTERN.test(name) || !isRegularFile(file)) {
		throw new UnknownPresetError(name, listPresets(dir));
	}
	return parsePresetText(fs.readFileSync(file, 'utf8'), file, name);
}

/** Every preset in `dir`, sorted by name. */
export function loadAllPresets(dir: string = presetsDirectory()): Preset[] {
	return listPresets(dir).map((n) => loadPreset(n, dir));
}

function isRegularFile(file: string): boolean {
	try {
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}

/** How a preset file is named in messages: relative to the working directory when inside it. */
function displayPath(file: string): string {
	const relative = path.relative(process.cwd(), file);
	return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Parses preset YAML. `file` is the preset's path (used in errors and in the result);
 * `expectedName`, when given, must equal the `name` inside the file.
 */
export function parsePresetText(text: string, file: string, expectedName?: string): Preset {
	const shown = displayPath(file);
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
	const problems: SourceProblem[] = [];
	const problemAt = (offset: number, message: string, hint?: string, entry?: string): void => {
		const { line, col } = lineCounter.linePos(offset);
		problems.push({ file: shown, line, column: col, message, ...(hint ? { hint } : {}), ...(entry !== undefined ? { entry } : {}) });
	};
	const startOf = (node: Node | null | undefined, fallback = 0): number => node?.range?.[0] ?? fallback;

	for (const error of doc.errors) {
		problemAt(error.pos[0], `YAML syntax: ${error.message.split('\n')[0]}`, 'fix the YAML syntax; quote hosts that start with * (e.g. "*.example.com")');
	}
	if (problems.length > 0) {
		throw new InvalidInputError(problems);
	}

	const root = doc.contents;
	if (!isMap(root)) {
		problemAt(startOf(root), 'a preset must be a mapping with keys name, description, hosts', 'copy the layout of presets/npm.yaml');
		throw new InvalidInputError(problems);
	}

	let name: string | undefined;
	let description: string | undefined;
	const hosts: PresetHost[] = [];
	const seenKeys = new Set<string>();

	for (const pair of root.items) {
		const keyNode = pair.key as Node | null;
		const key = isScalar(keyNode) ? String(keyNode.value) : '?';
		const value = pair.value as Node | null;
		const keyStart = startOf(keyNode);
		seenKeys.add(key);
		switch (key) {
			case 'name':
				if (isScalar(value) && typeof value.value === 'string' && PRESET_NAME_PATTERN.test(value.value)) {
					name = value.value;
					if (expectedName !== undefined && name !== expectedName) {
						problemAt(startOf(value, keyStart), `the preset is named ${JSON.stringify(name)} but its file is ${expectedName}.yaml`, `rename the file or set \`name: ${expectedName}\``, name);
					}
				} else {
					problemAt(startOf(value, keyStart), 'name must be lower-case letters, digits and dashes', `e.g. \`name: ${expectedName ?? 'npm'}\` (the file name without .yaml)`);
				}
				break;
			case 'description':
				if (isScalar(value) && typeof value.value === 'string' && value.value.trim() !== '') {
					description = value.value;
				} else {
					problemAt(startOf(value, keyStart), 'description must be one line of text', 'say in one line what the preset allows, e.g. `description: the npm public registry`');
				}
				break;
			case 'hosts':
				if (!isSeq(value) || value.items.length === 0) {
					problemAt(startOf(value, keyStart), 'hosts must be a non-empty list', 'list entries as `- host: …` with `source:` and `reason:` each');
					break;
				}
				for (const item of value.items as (Node | null)[]) {
					const entry = readHost(item, text, problemAt, lineCounter, startOf(value));
					if (entry) {
						hosts.push(entry);
					}
				}
				break;
			default:
				problemAt(keyStart, `unknown key ${JSON.stringify(key)} in a preset`, `a preset has exactly the keys ${TOP_LEVEL_KEYS.join(', ')}`, key);
		}
	}
	if (!seenKeys.has('name')) {
		problemAt(startOf(root), 'the preset has no `name`', `add \`name: ${expectedName ?? '<file name>'}\``);
	}
	if (!seenKeys.has('description')) {
		problemAt(startOf(root), 'the preset has no `description`', 'add one line: `description: …`');
	}
	if (!seenKeys.has('hosts')) {
		problemAt(startOf(root), 'the preset has no `hosts`', 'add `hosts:` with at least one `- host: …` entry');
	}
	reportDuplicates(hosts, problemAt, lineCounter);

	if (problems.length > 0 || name === undefined || description === undefined) {
		// In file order, so the list reads top to bottom like the file.
		throw new InvalidInputError([...problems].sort((a, b) => a.line - b.line || a.column - b.column));
	}
	return { name, description, hosts, file: path.resolve(file) };
}

type ProblemAt = (offset: number, message: string, hint?: string, entry?: string) => void;

/** Offset of a scalar's first character inside the source, so columns point into the host text. */
function valueOffset(node: Scalar, text: string): number {
	const start = node.range?.[0] ?? 0;
	if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
		const end = node.range?.[1] ?? start;
		// Positions inside the string are exact only when no escape changed its length.
		return text.slice(start + 1, end - 1) === node.value ? start + 1 : start;
	}
	return start;
}

function readHost(item: Node | null, text: string, problemAt: ProblemAt, lineCounter: LineCounter, listStart: number): PresetHost | undefined {
	const start = item?.range?.[0] ?? listStart;
	if (!isMap(item)) {
		problemAt(start, 'a preset host must be a mapping with host, source and reason', 'e.g. `- host: registry.npmjs.org` then `source: https://…` and `reason: …` on the next lines');
		return undefined;
	}
	let hostNode: Node | null = null;
	let ports: number[] | undefined;
	let source: string | undefined;
	let reason: string | undefined;
	let ok = true;
	for (const pair of item.items) {
		const keyNode = pair.key as Node | null;
		const key = isScalar(keyNode) ? String(keyNode.value) : '?';
		const value = pair.value as Node | null;
		const at = value?.range?.[0] ?? keyNode?.range?.[0] ?? start;
		switch (key) {
			case 'host':
				hostNode = value;
				break;
			case 'ports':
				ports = readPortsNode(value, at, problemAt);
				if (!ports) {
					ok = false;
				}
				break;
			case 'source': {
				const problem = isScalar(value) && typeof value.value === 'string' ? sourceProblem(value.value) : 'source must be a URL';
				if (problem) {
					problemAt(at, problem, 'give the public https page that shows the tool uses this host (docs, code or an issue thread)', isScalar(value) ? String(value.value) : undefined);
					ok = false;
				} else {
					source = (value as Scalar<string>).value;
				}
				break;
			}
			case 'reason':
				if (isScalar(value) && typeof value.value === 'string' && value.value.trim() !== '') {
					reason = value.value;
				} else {
					problemAt(at, 'reason must be text', 'say what the tool does with this host, e.g. `reason: package tarballs`');
					ok = false;
				}
				break;
			default:
				problemAt(keyNode?.range?.[0] ?? start, `unknown key ${JSON.stringify(key)} in a preset host`, `a preset host has the keys ${HOST_KEYS.join(', ')}`, key);
				ok = false;
		}
	}
	if (!hostNode) {
		problemAt(start, 'this entry has no `host`', 'add `host: <name>`, e.g. `host: registry.npmjs.org`');
		return undefined;
	}
	if (!isScalar(hostNode) || typeof hostNode.value !== 'string') {
		const shown = isScalar(hostNode) ? String(hostNode.value) : '(not a string)';
		problemAt(hostNode.range?.[0] ?? start, `host must be a name, got ${JSON.stringify(shown)}`, 'write the host name as text, e.g. api.example.com (IP addresses are not allowed)', shown);
		return undefined;
	}
	const raw = hostNode.value;
	const offset = valueOffset(hostNode, text);
	const checked = checkHost(raw);
	if (!checked.ok) {
		problemAt(offset + (checked.offset ?? 0), `${JSON.stringify(raw)}: ${checked.message}`, checked.hint, raw);
		return undefined;
	}
	if (source === undefined && ok) {
		problemAt(offset, `${checked.host} has no \`source\``, 'add `source: https://…`, a public page showing the tool uses this host', raw);
		ok = false;
	}
	if (reason === undefined && ok) {
		problemAt(offset, `${checked.host} has no \`reason\``, 'add `reason: …` saying what the tool does with this host', raw);
		ok = false;
	}
	if (!ok || source === undefined || reason === undefined) {
		return undefined;
	}
	const { line, col } = lineCounter.linePos(offset);
	return {
		host: checked.host,
		...(ports ? { ports: [...new Set(ports)].sort((a, b) => a - b) } : {}),
		source,
		reason,
		line,
		column: col,
	};
}

/** Undefined when `value` is an https URL with a host and no whitespace; otherwise what is wrong. */
function sourceProblem(value: string): string | undefined {
	if (/\s/.test(value)) {
		return `source ${JSON.stringify(value)} contains whitespace`;
	}
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return `source ${JSON.stringify(value)} is not a URL`;
	}
	if (url.protocol !== 'https:' || url.hostname === '') {
		return `source ${JSON.stringify(value)} must be an https URL`;
	}
	return undefined;
}

/** The same host and port twice in one preset is a review mistake: report the later one. */
function reportDuplicates(hosts: readonly PresetHost[], problemAt: ProblemAt, lineCounter: LineCounter): void {
	const firstLine = new Map<string, number>();
	for (const h of hosts) {
		for (const rule of h.ports ? h.ports.map((p) => `${h.host}:${p}`) : [h.host]) {
			const earlier = firstLine.get(rule);
			if (earlier === undefined) {
				firstLine.set(rule, h.line);
				continue;
			}
			const offset = lineCounter.lineStarts[h.line - 1] + h.column - 1;
			problemAt(offset, `${rule} is listed twice (first on line ${earlier})`, 'keep one entry and merge the reasons', h.host);
		}
	}
}
