import * as path from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Node, type Scalar } from 'yaml';
import { checkHost, quoteForMessage } from './hostname';
import { readPortsNode, type ReportAt } from './yamlPorts';
import { InvalidInputError, type SourceProblem } from './errors';
import { readFileIfExists } from './atomicFile';
import type { Mode } from './enforcedPolicy';
import { FINDING_IDS, isFindingId, type FindingId } from './findings/catalog';

/** One allow entry as written in a policy file, validated and canonicalised. */
export interface PolicyEntry {
	readonly host: string;
	readonly wildcard: boolean;
	/** Decoded form of an IDN host, for review. */
	readonly unicode?: string;
	/** Explicit CONNECT ports; undefined means the web ports (80/443). */
	readonly ports?: readonly number[];
	readonly reason?: string;
	/**
	 * `exfil: warn` on a wildcard a person reviewed: a name under it that scores as an
	 * exfiltration suspect is let through and flagged, not refused (docs/exfil-scoring.md).
	 */
	readonly exfilWarn?: boolean;
	readonly line: number;
	readonly column: number;
}

export interface PresetReference {
	readonly name: string;
	readonly line: number;
	readonly column: number;
}

/** `accept: [{ finding: engine-socket, reason: "…" }]`: a container finding accepted on purpose. */
export interface AcceptEntry {
	readonly finding: FindingId;
	readonly reason: string;
	readonly line: number;
	readonly column: number;
}

/** A parsed `airlock.yaml` (project or user layer). */
export interface PolicyFile {
	readonly file: string;
	readonly mode?: Mode;
	readonly baseline?: boolean;
	readonly presets: readonly PresetReference[];
	readonly allow: readonly PolicyEntry[];
	/** Container findings accepted on purpose (absent when the file has none). */
	readonly accept?: readonly AcceptEntry[];
	/** Where the lock lives: `single` (the Feature in the agent's container) or `sidecar` (docs/sidecar.md). */
	readonly topology?: Topology;
	readonly topologyAt?: { readonly line: number; readonly column: number };
}

export type Topology = 'single' | 'sidecar';

export const PROJECT_POLICY_PATH = path.join('.devcontainer', 'airlock.yaml');
const TOP_LEVEL_KEYS = ['version', 'mode', 'baseline', 'topology', 'presets', 'allow', 'accept'] as const;
const ENTRY_KEYS = ['host', 'ports', 'reason', 'exfil'] as const;

/**
 * Reads and validates a policy file. Undefined when the file does not exist; throws
 * InvalidInputError listing every problem (file:line:col, hint) when anything is wrong,
 * because one bad line rejects the whole file. A file that exists but cannot be read throws.
 */
export function readPolicyFile(file: string): PolicyFile | undefined {
	let text: string | undefined;
	try {
		text = readFileIfExists(file);
	} catch (err) {
		throw new InvalidInputError([
			{ file, line: 1, column: 1, message: `cannot read the policy file: ${(err as Error).message}`, hint: 'fix its permissions or remove it' },
		]);
	}
	return text === undefined ? undefined : parsePolicyText(text, file);
}

/** Parses policy YAML text; `file` is used for positions in errors. */
export function parsePolicyText(text: string, file: string): PolicyFile {
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
	const problems: SourceProblem[] = [];
	const at = (offset: number) => lineCounter.linePos(offset);
	const problemAt = (offset: number, message: string, hint?: string, entry?: string): void => {
		const { line, col } = at(offset);
		problems.push({ file, line, column: col, message, ...(hint ? { hint } : {}), ...(entry !== undefined ? { entry } : {}) });
	};
	const nodeStart = (node: Node | null | undefined): number => node?.range?.[0] ?? 0;

	for (const error of doc.errors) {
		problemAt(error.pos[0], `YAML syntax: ${error.message.split('\n')[0]}`, 'fix the YAML syntax; quote entries that start with * (e.g. "*.example.com")');
	}
	if (problems.length > 0) {
		throw new InvalidInputError(problems);
	}

	const root = doc.contents;
	if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
		// An empty file (or only comments) allows nothing beyond the baseline.
		return { file, presets: [], allow: [] };
	}
	if (!isMap(root)) {
		problemAt(nodeStart(root), 'the policy must be a mapping with keys version, mode, baseline, presets, allow', 'start from `airlock init` or the example in docs/policy.md');
		throw new InvalidInputError(problems);
	}

	let mode: Mode | undefined;
	let baseline: boolean | undefined;
	const presets: PresetReference[] = [];
	const allow: PolicyEntry[] = [];
	const accept: AcceptEntry[] = [];
	let topology: Topology | undefined;
	let topologyAt: { line: number; column: number } | undefined;
	let sawVersion = false;

	for (const pair of root.items) {
		const keyNode = pair.key as Node | null;
		const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
		const value = pair.value as Node | null;
		if (key === undefined || !(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
			problemAt(nodeStart(keyNode), `unknown key ${JSON.stringify(key ?? '?')}`, `the keys are: ${TOP_LEVEL_KEYS.join(', ')}`);
			continue;
		}
		switch (key) {
			case 'version':
				sawVersion = true;
				if (!isScalar(value) || value.value !== 1) {
					problemAt(nodeStart(value ?? keyNode), 'version must be 1', 'write `version: 1`');
				}
				break;
			case 'mode':
				if (isScalar(value) && (value.value === 'enforce' || value.value === 'audit')) {
					mode = value.value;
				} else {
					problemAt(nodeStart(value ?? keyNode), `mode must be "enforce" or "audit"`, 'enforce blocks what is not allowed; audit lets it through and logs what enforce would block');
				}
				break;
			case 'baseline':
				if (isScalar(value) && typeof value.value === 'boolean') {
					baseline = value.value;
				} else {
					problemAt(nodeStart(value ?? keyNode), 'baseline must be true or false', 'true keeps the hosts the editor itself needs');
				}
				break;
			case 'presets':
				if (value === null || (isScalar(value) && value.value === null)) {
					break;
				}
				if (!isSeq(value)) {
					problemAt(nodeStart(value), 'presets must be a list of preset names', 'e.g. `presets: [github, npm]`; `airlock init` proposes presets for this repository');
					break;
				}
				for (const item of value.items as (Node | null)[]) {
					const start = nodeStart(item);
					if (!isScalar(item) || typeof item.value !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(item.value)) {
						problemAt(start, `preset names are lower-case words like "npm", got ${JSON.stringify(isScalar(item) ? item.value : '(not a name)')}`, 'list preset names only; hosts go under `allow`');
						continue;
					}
					const { line, col } = at(start);
					presets.push({ name: item.value, line, column: col });
				}
				break;
			case 'allow':
				if (value === null || (isScalar(value) && value.value === null)) {
					break;
				}
				if (!isSeq(value)) {
					problemAt(nodeStart(value), 'allow must be a list of hosts', 'e.g. `allow: [api.example.com, "*.example.org"]`');
					break;
				}
				for (const item of value.items as (Node | null)[]) {
					const entry = readEntry(item, text, problemAt, at);
					if (entry) {
						allow.push(entry);
					}
				}
				break;
			case 'accept':
				accept.push(...readAcceptList(value, problemAt, at));
				break;
			case 'topology':
				if (isScalar(value) && (value.value === 'single' || value.value === 'sidecar')) {
					topology = value.value;
					const { line, col } = at(nodeStart(value));
					topologyAt = { line, column: col };
				} else {
					problemAt(nodeStart(value ?? keyNode), 'topology must be "single" or "sidecar"', 'single: the lock in the agent\'s container (the agent is never root); sidecar: the proxy in a container of its own, the agent on an internal network (it may be root). See docs/sidecar.md');
				}
				break;
		}
	}
	if (!sawVersion) {
		problemAt(nodeStart(root), 'missing `version: 1`', 'add `version: 1` as the first line');
	}
	if (problems.length > 0) {
		throw new InvalidInputError(problems);
	}
	return { file, ...(mode ? { mode } : {}), ...(baseline !== undefined ? { baseline } : {}), presets, allow, ...(accept.length > 0 ? { accept } : {}), ...(topology ? { topology, ...(topologyAt ? { topologyAt } : {}) } : {}) };
}

const ACCEPT_EXAMPLE = 'e.g. `accept: [{ finding: engine-socket, reason: "builds images with the host\'s Docker" }]`';

/** `accept:` — each item names one finding id and says why; anything else is an error with its position. */
function readAcceptList(value: Node | null, problemAt: ProblemAt, at: (offset: number) => { line: number; col: number }): AcceptEntry[] {
	if (value === null || (isScalar(value) && value.value === null)) {
		return [];
	}
	if (!isSeq(value)) {
		problemAt(value.range?.[0] ?? 0, 'accept must be a list of { finding, reason } entries', ACCEPT_EXAMPLE);
		return [];
	}
	const out: AcceptEntry[] = [];
	for (const item of value.items as (Node | null)[]) {
		const start = item?.range?.[0] ?? value.range?.[0] ?? 0;
		if (!isMap(item)) {
			const shown = isScalar(item) ? String(item.value) : '(not a mapping)';
			problemAt(start, `an acceptance names the finding and the reason, got ${JSON.stringify(shown)}`, `write - { finding: ${isFindingId(shown) ? shown : 'engine-socket'}, reason: "why this container needs it" }`, shown);
			continue;
		}
		let finding: FindingId | undefined;
		let reason: string | undefined;
		let ok = true;
		for (const pair of item.items) {
			const keyNode = pair.key as Node | null;
			const key = isScalar(keyNode) ? String(keyNode.value) : '?';
			const v = pair.value as Node | null;
			const vStart = v?.range?.[0] ?? keyNode?.range?.[0] ?? start;
			if (key === 'finding') {
				const id = isScalar(v) ? v.value : undefined;
				if (isFindingId(id)) {
					finding = id;
				} else {
					problemAt(vStart, `unknown finding ${JSON.stringify(isScalar(v) ? String(v.value) : '(not a name)')}`, `the finding ids are: ${FINDING_IDS.join(', ')}`, isScalar(v) ? String(v.value) : undefined);
					ok = false;
				}
			} else if (key === 'reason') {
				if (isScalar(v) && typeof v.value === 'string' && v.value.trim() !== '') {
					reason = v.value;
				} else {
					problemAt(vStart, 'reason must be text saying why the container needs this', 'the reviewer reads it; e.g. `reason: "builds images with the host\'s Docker"`');
					ok = false;
				}
			} else {
				problemAt(keyNode?.range?.[0] ?? start, `unknown key ${JSON.stringify(key)} in an acceptance`, 'an acceptance has the keys finding and reason');
				ok = false;
			}
		}
		if (ok && finding === undefined) {
			problemAt(start, 'this acceptance has no `finding`', ACCEPT_EXAMPLE);
			ok = false;
		}
		if (ok && reason === undefined) {
			problemAt(start, `accepting ${finding} needs a reason`, 'say why this container needs it; the reviewer reads it and it is kept with the approval');
			ok = false;
		}
		if (ok && finding !== undefined && reason !== undefined) {
			const { line, col } = at(start);
			out.push({ finding, reason, line, column: col });
		}
	}
	return out;
}

type ProblemAt = ReportAt;

/** Offset of the value's first character inside the source, so columns point into the host string. */
function valueOffset(node: Scalar, text: string): number {
	const start = node.range?.[0] ?? 0;
	if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
		const end = node.range?.[1] ?? start;
		const raw = text.slice(start + 1, end - 1);
		// Positions inside the string are exact only when no escapes changed its length.
		return raw === node.value ? start + 1 : start;
	}
	return start;
}

function readEntry(item: Node | null, text: string, problemAt: ProblemAt, at: (offset: number) => { line: number; col: number }): PolicyEntry | undefined {
	const start = item?.range?.[0] ?? 0;
	let hostNode: Node | null = null;
	let ports: number[] | undefined;
	let reason: string | undefined;
	let exfil: { value: 'warn' | 'deny'; at: number } | undefined;
	let ok = true;

	if (isAlias(item)) {
		// `- *.example.com` parses as a YAML alias named ".example.com", not as a string.
		problemAt(start, `YAML reads ${text.slice(start, item?.range?.[1] ?? start)} as an alias, not a host`, 'quote wildcard entries: - "*.example.com"');
		return undefined;
	}
	if (isScalar(item)) {
		hostNode = item;
	} else if (isMap(item)) {
		for (const pair of item.items) {
			const keyNode = pair.key as Node | null;
			const key = isScalar(keyNode) ? String(keyNode.value) : '?';
			const value = pair.value as Node | null;
			if (key === 'host') {
				hostNode = value;
			} else if (key === 'reason') {
				if (isScalar(value) && typeof value.value === 'string') {
					reason = value.value;
				} else {
					problemAt(value?.range?.[0] ?? start, 'reason must be text', 'e.g. `reason: "git over ssh"`');
					ok = false;
				}
			} else if (key === 'exfil') {
				if (isScalar(value) && (value.value === 'warn' || value.value === 'deny')) {
					exfil = { value: value.value, at: value.range?.[0] ?? start };
				} else {
					problemAt(value?.range?.[0] ?? start, 'exfil must be "warn" or "deny"', 'deny (the default) refuses a name under this wildcard that looks like exfiltration; warn lets it through and flags it, for a wildcard you reviewed');
					ok = false;
				}
			} else if (key === 'ports') {
				ports = readPortsNode(value, start, problemAt);
				if (!ports) {
					ok = false;
				}
			} else {
				problemAt(keyNode?.range?.[0] ?? start, `unknown key ${JSON.stringify(key)} in an allow entry`, `an entry is a host, or a mapping with keys ${ENTRY_KEYS.join(', ')}`);
				ok = false;
			}
		}
		if (!hostNode) {
			problemAt(start, 'this allow entry has no `host`', 'e.g. `{ host: github.com, ports: [22], reason: "git over ssh" }`');
			return undefined;
		}
	} else {
		problemAt(start, 'an allow entry must be a host name or a mapping with `host`', 'e.g. `- api.example.com` or `- { host: github.com, ports: [22] }`');
		return undefined;
	}

	if (!isScalar(hostNode) || typeof hostNode.value !== 'string') {
		const shown = isScalar(hostNode) ? String(hostNode.value) : '(not a string)';
		problemAt(hostNode?.range?.[0] ?? start, `host must be a name, got ${JSON.stringify(shown)}`, 'write the host name as text, e.g. api.example.com (IP addresses are not allowed)', shown);
		return undefined;
	}
	const raw = hostNode.value;
	const offset = valueOffset(hostNode, text);
	const checked = checkHost(raw);
	if (!checked.ok) {
		problemAt(offset + (checked.offset ?? 0), `${quoteForMessage(raw)}: ${checked.message}`, checked.hint, raw);
		return undefined;
	}
	if (exfil && !checked.wildcard) {
		problemAt(exfil.at, `exfil applies to wildcards only: ${quoteForMessage(checked.host)} is an exact host, and exact hosts are never refused for their score`, 'remove the exfil key from this entry');
		return undefined;
	}
	if (!ok) {
		return undefined;
	}
	const { line, col } = at(offset);
	return {
		host: checked.host,
		wildcard: checked.wildcard,
		...(checked.unicode ? { unicode: checked.unicode } : {}),
		...(ports ? { ports: [...new Set(ports)].sort((a, b) => a - b) } : {}),
		...(reason ? { reason } : {}),
		...(exfil?.value === 'warn' ? { exfilWarn: true } : {}),
		line,
		column: col,
	};
}
