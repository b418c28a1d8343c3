import { isMap, isSeq, parseDocument, YAMLSeq, type Document } from 'yaml';
import { writeFileAtomic, readFileIfExists } from './atomicFile';
import { parsePolicyText } from './policyFile';
import { projectPolicyFile } from './plan';
import { checkHost, checkPort } from './hostname';
import { InvalidInputError } from './errors';
import type { Mode } from './enforcedPolicy';

/**
 * Edits to the project's airlock.yaml that keep the person's comments and layout. Every edit
 * is validated by parsing the result with the one policy grammar before it is written
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

/** The text of a new policy file. */
export function newPolicyText(options: { mode?: Mode; presets?: readonly string[]; allow?: readonly string[] } = {}): string {
	const presets = options.presets ?? [];
	const allow = options.allow ?? [];
	const lines = [
		NEW_FILE_HEADER.trimEnd(),
		'version: 1',
		`mode: ${options.mode ?? 'enforce'}          # or audit: let everything through, log what enforce would block`,
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

function editProjectPolicy(workspace: string, edit: (doc: Document) => boolean): PolicyEditResult {
	const file = projectPolicyFile(workspace);
	const before = readFileIfExists(file);
	if (before === undefined) {
		throw new InvalidInputError([{ file, line: 1, column: 1, message: 'there is no policy file yet', hint: 'run `airlock init` (or "Airlock: Lock This Repository…") first' }]);
	}
	// Refuse to edit a file that is already invalid: the person has to see and fix that first.
	parsePolicyText(before, file);
	const doc = parseDocument(before);
	if (!edit(doc)) {
		return { file, changed: false, text: before };
	}
	const after = doc.toString();
	parsePolicyText(after, file);
	writeFileAtomic(file, after);
	return { file, changed: true, text: after };
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
	const file = projectPolicyFile(workspace);
	const current = parsePolicyText(readFileIfExists(file) ?? 'version: 1\n', file);
	const already = current.allow.some((e) => e.host === checked.host && (e.ports ?? []).join(',') === (ports ?? []).join(','));
	return editProjectPolicy(workspace, (doc) => {
		if (already) {
			return false;
		}
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
		if (!ports && !entry.reason) {
			seq.add(doc.createNode(checked.host));
		} else {
			const node = doc.createNode({ host: checked.host, ...(ports ? { ports } : {}), ...(entry.reason ? { reason: entry.reason } : {}) });
			if (isMap(node)) {
				node.flow = true;
			}
			seq.add(node);
		}
		return true;
	});
}

export function setMode(workspace: string, mode: Mode): PolicyEditResult {
	return editProjectPolicy(workspace, (doc) => {
		if (doc.get('mode') === mode) {
			return false;
		}
		doc.set('mode', mode);
		return true;
	});
}
