import { isDeepStrictEqual } from 'node:util';
import { isMap, isSeq, parseDocument, YAMLSeq, type Document } from 'yaml';
import { writeFileAtomic, readFileIfExists } from './atomicFile';
import { parsePolicyText, type PolicyFile, type Topology } from './policyFile';
import { appendToTopLevelList, setTopLevelScalar } from './yamlSplice';
import { projectPolicyFile } from './plan';
import { checkHost, checkPort } from './hostname';
import { InvalidInputError } from './errors';
import type { Mode } from './enforcedPolicy';

/**
 * Edits to the project's airlock.yaml that keep the person's comments and layout: each edit is a
 * small text splice (core/yamlSplice.ts). Every edit is validated by parsing the result with the
 * one policy grammar, and by checking it changed exactly what was asked, before it is written
 * (atomically), so an edit can never leave an invalid file behind.
 */
export interface NewAllowEntry {
	readonly host: string;
	readonly ports?: readonly number[];
	readonly reason?: string;
}

export interface PolicyEditResult {
	readonly file: string;
	readonly changed: boolean;
	readonly text: string;
}

const NEW_FILE_HEADER = `# Airlock egress policy for this repository: the hosts a dev container may reach.
# This file is a proposal; nothing here is enforced until it is approved on the host
# (\`airlock approve\`, or "Airlock: Review & Approve Changes" in VS Code).
`;

/** The comment a new file carries after `mode:`; true whichever mode is set. */
const MODE_COMMENT = '# enforce: block what is not allowed · audit: let it through and log what enforce would block';
/** What files written before said after `mode:`; wrong once the mode is switched, so it is replaced. */
const OLD_MODE_COMMENT = /^# or (audit|enforce)\b/;

/** The text of a new policy file. */
export function newPolicyText(options: { mode?: Mode; presets?: readonly string[]; allow?: readonly string[]; topology?: { readonly value: Topology; readonly why: string } } = {}): string {
	const presets = options.presets ?? [];
	const allow = options.allow ?? [];
	const lines = [
		NEW_FILE_HEADER.trimEnd(),
		'version: 1',
		`mode: ${options.mode ?? 'enforce'}          ${MODE_COMMENT}`,
		// Where the lock lives, with why it was proposed (docs/sidecar.md compares the two).
		...(options.topology ? [`# ${options.topology.why}`, `topology: ${options.topology.value}`] : []),
		`presets: [${presets.join(', ')}]`,
		allow.length === 0 ? 'allow: []' : 'allow:',
		...allow.map((h) => `  - ${h.startsWith('*') ? JSON.stringify(h) : h}`),
	];
	return lines.join('\n') + '\n';
}

/** Creates the project policy file; refuses to overwrite an existing one. */
export function createPolicyFile(workspace: string, text: string): string {
	const file = projectPolicyFile(workspace);
	if (readFileIfExists(file) !== undefined) {
		throw new InvalidInputError([{ file, line: 1, column: 1, message: 'a policy file already exists', hint: 'edit it, or run `airlock plan` to see what it allows' }]);
	}
	parsePolicyText(text, file);
	writeFileAtomic(file, text);
	return file;
}

/**
 * Applies one edit to the project file. `splice` edits the text in place; `expected` says what
 * the parsed file must look like afterwards. Should a splice ever produce anything else, the
 * edit is made through the YAML document instead (`fallback`), which keeps comments but may
 * reflow the layout.
 */
function editProjectPolicy(
	workspace: string,
	edit: { splice: (text: string) => string; expected: (before: PolicyFile) => PolicyFile | undefined; fallback: (doc: Document) => void },
): PolicyEditResult {
	const file = projectPolicyFile(workspace);
	const before = readFileIfExists(file);
	if (before === undefined) {
		throw new InvalidInputError([{ file, line: 1, column: 1, message: 'there is no policy file yet', hint: 'run `airlock init` (or "Airlock: Lock This Repository…") first' }]);
	}
	// Refuse to edit a file that is already invalid: the person has to see and fix that first.
	const parsed = parsePolicyText(before, file);
	const expected = edit.expected(parsed);
	if (expected === undefined) {
		return { file, changed: false, text: before };
	}
	let after: string | undefined;
	try {
		after = edit.splice(before);
		if (!isDeepStrictEqual(semantic(parsePolicyText(after, file)), semantic(expected))) {
			after = undefined;
		}
	} catch {
		after = undefined;
	}
	if (after === undefined) {
		const doc = parseDocument(before);
		edit.fallback(doc);
		after = doc.toString();
	}
	parsePolicyText(after, file);
	writeFileAtomic(file, after);
	return { file, changed: true, text: after };
}

/** What a policy file says, without positions. */
function semantic(policy: PolicyFile): unknown {
	return { mode: policy.mode, baseline: policy.baseline, presets: policy.presets.map((p) => p.name), allow: policy.allow.map((e) => ({ host: e.host, ports: e.ports, reason: e.reason })) };
}

/** `api.example.com`, `"*.example.org"` or `{ host: git.example.com, ports: [22], reason: "…" }`. */
function allowItemText(host: string, ports: readonly number[] | undefined, reason: string | undefined): string {
	const hostText = /^[a-z0-9]/.test(host) ? host : JSON.stringify(host);
	if (!ports && !reason) {
		return hostText;
	}
	const parts = [`host: ${hostText}`];
	if (ports) {
		parts.push(`ports: [${ports.join(', ')}]`);
	}
	if (reason) {
		parts.push(`reason: ${JSON.stringify(reason)}`);
	}
	return `{ ${parts.join(', ')} }`;
}

/** Adds a host to `allow` unless the file already allows exactly that. */
export function addAllowEntry(workspace: string, entry: NewAllowEntry): PolicyEditResult {
	const checked = checkHost(entry.host);
	if (!checked.ok) {
		throw new InvalidInputError([{ file: '(new entry)', line: 1, column: (checked.offset ?? 0) + 1, message: `${JSON.stringify(entry.host)}: ${checked.message}`, hint: checked.hint, entry: entry.host }]);
	}
	const ports = entry.ports ? [...new Set(entry.ports)].sort((a, b) => a - b) : undefined;
	for (const p of ports ?? []) {
		const pc = checkPort(p);
		if (!pc.ok) {
			throw new InvalidInputError([{ file: '(new entry)', line: 1, column: 1, message: pc.message, hint: pc.hint, entry: String(p) }]);
		}
	}
	const reason = entry.reason;
	return editProjectPolicy(workspace, {
		expected: (current) => {
			const already = current.allow.some((e) => e.host === checked.host && (e.ports ?? []).join(',') === (ports ?? []).join(','));
			return already ? undefined : { ...current, allow: [...current.allow, { host: checked.host, ...(ports ? { ports } : {}), ...(reason ? { reason } : {}) } as PolicyFile['allow'][number]] };
		},
		splice: (text) => appendToTopLevelList(text, 'allow', allowItemText(checked.host, ports, reason)),
		fallback: (doc) => {
			let allow = doc.get('allow', true);
			if (!isSeq(allow)) {
				allow = new YAMLSeq();
				doc.set('allow', allow);
			}
			const seq = allow as YAMLSeq;
			// An empty flow list (`allow: []`) would stay on one line; switch it to block style.
			if (seq.items.length === 0) {
				seq.flow = false;
			}
			if (!ports && !reason) {
				seq.add(doc.createNode(checked.host));
			} else {
				const node = doc.createNode({ host: checked.host, ...(ports ? { ports } : {}), ...(reason ? { reason } : {}) });
				if (isMap(node)) {
					node.flow = true;
				}
				seq.add(node);
			}
		},
	});
}

/** Sets `mode:` (only the value; a comment Airlock wrote that names the other mode is rewritten). */
export function setMode(workspace: string, mode: Mode): PolicyEditResult {
	return editProjectPolicy(workspace, {
		expected: (current) => (current.mode === mode ? undefined : { ...current, mode }),
		splice: (text) => setTopLevelScalar(text, 'mode', mode, { afterKey: 'version', comment: (existing) => (OLD_MODE_COMMENT.test(existing) ? MODE_COMMENT : undefined) }),
		fallback: (doc) => {
			doc.set('mode', mode);
		},
	});
}
