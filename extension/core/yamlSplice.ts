import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * Edits to a YAML mapping file made as small text splices at the positions the parser reports,
 * so everything around them (comments, quoting, indentation, blank lines, flow or block style)
 * stays as the person wrote it. Re-serialising the document instead would reflow the file.
 * Callers validate the result (policyEdit parses it with the policy grammar).
 */

function lineStart(text: string, offset: number): number {
	return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the line break that ends the line holding `offset` (or the text's end). */
function nextLineStart(text: string, offset: number): number {
	const nl = text.indexOf('\n', offset);
	return nl === -1 ? text.length : nl + 1;
}

function rootMap(text: string): YAMLMap | undefined {
	const doc = parseDocument(text, { keepSourceTokens: false });
	if (doc.errors.length > 0) {
		throw new Error(`not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
	}
	return isMap(doc.contents) ? doc.contents : undefined;
}

function pairOf(map: YAMLMap | undefined, key: string): Pair | undefined {
	return map?.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

function keyRange(pair: Pair): [number, number] {
	const range = (pair.key as Node).range;
	return range ? [range[0], range[1]] : [0, 0];
}

/** Adds `line` as a new top-level line after the line of `afterKey` (else at the end). */
function insertTopLevelLine(text: string, line: string, afterKey?: string): string {
	const anchor = afterKey ? pairOf(rootMap(text), afterKey) : undefined;
	if (anchor) {
		const value = anchor.value as Node | null;
		const end = value?.range ? value.range[1] : keyRange(anchor)[1];
		const at = nextLineStart(text, Math.max(end - 1, 0));
		const prefix = at === text.length && !text.endsWith('\n') ? '\n' : '';
		return text.slice(0, at) + prefix + line + '\n' + text.slice(at);
	}
	const sep = text === '' || text.endsWith('\n') ? '' : '\n';
	return text + sep + line + '\n';
}

/**
 * Sets a top-level key to a scalar (written as `valueText`, already YAML). A trailing comment
 * on the same line is passed to `comment`, which may return a replacement (or undefined to keep it).
 */
export function setTopLevelScalar(text: string, key: string, valueText: string, options: { afterKey?: string; comment?: (existing: string) => string | undefined } = {}): string {
	const pair = pairOf(rootMap(text), key);
	if (!pair) {
		return insertTopLevelLine(text, `${key}: ${valueText}`, options.afterKey);
	}
	const value = pair.value as Node | null;
	if (!value?.range || !isScalar(value) || value.value === null) {
		const [, keyEnd] = keyRange(pair);
		const colon = text.indexOf(':', keyEnd);
		return text.slice(0, colon + 1) + ' ' + valueText + text.slice(colon + 1).replace(/^[ \t]*/, '');
	}
	const [start, end] = value.range;
	let rest = text.slice(end);
	if (options.comment) {
		const lineEnd = rest.indexOf('\n') === -1 ? rest.length : rest.indexOf('\n');
		const match = /^(\s*)#(.*)$/.exec(rest.slice(0, lineEnd));
		if (match) {
			const replacement = options.comment(`#${match[2]}`);
			if (replacement !== undefined) {
				rest = `${match[1]}${replacement}${rest.slice(lineEnd)}`;
			}
		}
	}
	return text.slice(0, start) + valueText + rest;
}

/** The indentation of a block sequence's items and the column of their `-`. */
function blockIndent(text: string, seq: YAMLSeq): string {
	const first = seq.items[0] as Node;
	const start = first.range?.[0] ?? 0;
	const begin = lineStart(text, start);
	const dash = text.lastIndexOf('-', start - 1);
	return text.slice(begin, dash >= begin ? dash : start).replace(/[^ \t]/g, ' ');
}

/**
 * Appends an item (YAML text for one value, e.g. `api.example.com` or `{ host: x, ports: [22] }`)
 * to the top-level list `key`, in the list's own style. An empty flow list (`allow: []`) becomes
 * a block list, which is easier to read as it grows; a missing key is added at the end.
 */
export function appendToTopLevelList(text: string, key: string, itemText: string): string {
	const pair = pairOf(rootMap(text), key);
	if (!pair) {
		return insertTopLevelLine(text, `${key}:\n  - ${itemText}`);
	}
	const value = pair.value as Node | null;
	if (!value || !value.range || (isScalar(value) && value.value === null)) {
		// `allow:` with nothing after it.
		const [, keyEnd] = keyRange(pair);
		const at = nextLineStart(text, keyEnd);
		const prefix = at === text.length && !text.endsWith('\n') ? '\n' : '';
		return text.slice(0, at) + prefix + `  - ${itemText}\n` + text.slice(at);
	}
	if (!isSeq(value)) {
		throw new Error(`${key} is not a list`);
	}
	const [start, end] = value.range;
	if (value.flow) {
		if (value.items.length === 0) {
			// `allow: [] # comment` → `allow: # comment` and the item on a line of its own.
			const before = text.slice(0, start).replace(/[ \t]+$/, '');
			const lineEnd = text.indexOf('\n', end);
			const restOfLine = text.slice(end, lineEnd === -1 ? text.length : lineEnd);
			const after = lineEnd === -1 ? '' : text.slice(lineEnd);
			return `${before}${restOfLine}\n  - ${itemText}${after === '' ? '\n' : after}`;
		}
		const last = value.items[value.items.length - 1] as Node;
		const at = last.range?.[1] ?? end - 1;
		return text.slice(0, at) + `, ${itemText}` + text.slice(at);
	}
	const last = value.items[value.items.length - 1] as Node;
	const lastEnd = last.range?.[1] ?? end;
	const at = nextLineStart(text, Math.max(lastEnd - 1, 0));
	const prefix = at === text.length && !text.endsWith('\n') ? '\n' : '';
	return text.slice(0, at) + prefix + `${blockIndent(text, value)}- ${itemText}\n` + text.slice(at);
}

/**
 * Removes the items of the top-level list `key` for which `drop` is true (given each item's
 * plain value). Block items go with their whole lines; flow items with their comma.
 */
export function removeFromTopLevelList(text: string, key: string, drop: (value: unknown) => boolean): string {
	const pair = pairOf(rootMap(text), key);
	const value = pair?.value as Node | null | undefined;
	if (!value || !isSeq(value)) {
		return text;
	}
	const items = value.items as Node[];
	const doomed = items.map((item, index) => ({ item, index })).filter(({ item }) => drop(item.toJSON()));
	if (doomed.length === 0) {
		return text;
	}
	let out = text;
	if (value.flow) {
		const kept = items.filter((item) => !drop(item.toJSON())).map((item) => text.slice(item.range?.[0] ?? 0, item.range?.[1] ?? 0));
		const [start, end] = value.range ?? [0, 0];
		return out.slice(0, start) + `[${kept.join(', ')}]` + out.slice(end);
	}
	if (doomed.length === items.length) {
		// A block list with nothing left: `allow: []`, its comments before the first item kept.
		const firstLine = lineStart(text, items[0].range?.[0] ?? 0);
		const last = items[items.length - 1];
		const end = nextLineStart(text, Math.max((last.range?.[1] ?? 0) - 1, 0));
		const [, keyEnd] = keyRange(pair as Pair);
		const colon = text.indexOf(':', keyEnd);
		const keyLineEnd = text.indexOf('\n', colon);
		const keyTail = text.slice(colon + 1, keyLineEnd === -1 ? text.length : keyLineEnd);
		const head = text.slice(0, colon + 1) + ' []' + keyTail + (keyLineEnd === -1 ? '\n' : '\n');
		const between = text.slice(keyLineEnd === -1 ? text.length : keyLineEnd + 1, firstLine);
		return head + between + text.slice(end);
	}
	for (const { item } of doomed.reverse()) {
		const start = lineStart(out, item.range?.[0] ?? 0);
		const end = nextLineStart(out, Math.max((item.range?.[1] ?? 0) - 1, 0));
		out = out.slice(0, start) + out.slice(end);
	}
	return out;
}
