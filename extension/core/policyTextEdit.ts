import { isMap, isScalar, isSeq, parseDocument, type Node, type YAMLSeq } from 'yaml';
import { checkHost } from './hostname';
import { parsePolicyText } from './policyFile';

/**
 * Edits to airlock.yaml made by splicing text, not by printing the YAML again: every byte the
 * person wrote (comments, alignment, quoting, blank lines, flow or block lists) stays where it
 * was, and the diff a reviewer sees holds only the lines that change. Each result is parsed
 * with the policy grammar before it is returned.
 */

/** One allow item as YAML text (a flow mapping on one line, or a plain host). */
export function allowItemText(entry: { host: string; ports?: readonly number[]; reason?: string }): string {
	const host = entry.host.startsWith('*') ? JSON.stringify(entry.host) : entry.host;
	if (!entry.ports && !entry.reason) {
		return host;
	}
	const parts = [`host: ${host}`];
	if (entry.ports) {
		parts.push(`ports: [${entry.ports.join(', ')}]`);
	}
	if (entry.reason) {
		// A JSON string is a valid YAML double-quoted scalar.
		parts.push(`reason: ${JSON.stringify(entry.reason)}`);
	}
	return `{ ${parts.join(', ')} }`;
}

function lineStartAt(text: string, offset: number): number {
	return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEndAfter(text: string, offset: number): number {
	const nl = text.indexOf('\n', offset);
	return nl < 0 ? text.length : nl + 1;
}

function topLevelKeyOffset(text: string, key: string): number | undefined {
	const doc = parseDocument(text);
	const root = doc.contents;
	if (!isMap(root)) {
		return undefined;
	}
	const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key);
	return pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
}

/**
 * Appends `items` (YAML text, one item each) to the top-level list `key`: inside `[...]` for a
 * flow list, as `- item` lines after the last item for a block list. A missing key is added as a
 * new line, before `beforeKey` when the file has it, else at the end.
 */
export function appendToTopLevelList(text: string, file: string, key: string, items: readonly string[], beforeKey?: string): string {
	if (items.length === 0) {
		return text;
	}
	parsePolicyText(text, file);
	const doc = parseDocument(text);
	const value = doc.get(key, true) as Node | undefined;
	let after: string;
	if (isSeq(value) && value.flow && value.range) {
		const close = text.lastIndexOf(']', value.range[1]);
		const empty = (value as YAMLSeq).items.length === 0;
		const inside = text.slice(text.indexOf('[', value.range[0]) + 1, close);
		const trailing = /,\s*$/.test(inside);
		const joined = items.join(', ');
		after = text.slice(0, close) + (empty || trailing ? joined : `, ${joined}`) + text.slice(close);
	} else if (isSeq(value) && value.items.length > 0) {
		const last = value.items[value.items.length - 1] as Node;
		const itemStart = last.range?.[0] ?? 0;
		const lineStart = lineStartAt(text, itemStart);
		const dash = text.indexOf('-', lineStart);
		const indent = dash >= lineStart && dash < itemStart ? text.slice(lineStart, dash) : '  ';
		const at = lineEndAfter(text, last.range?.[1] ?? itemStart);
		const prefix = at === text.length && !text.endsWith('\n') ? '\n' : '';
		after = text.slice(0, at) + prefix + items.map((i) => `${indent}- ${i}\n`).join('') + text.slice(at);
	} else {
		// Missing, null (`allow:`) or an empty block: write the key with its items.
		const block = `${key}:\n${items.map((i) => `  - ${i}\n`).join('')}`;
		const keyAt = topLevelKeyOffset(text, key);
		if (keyAt !== undefined) {
			const start = lineStartAt(text, keyAt);
			const end = lineEndAfter(text, (value?.range?.[2] ?? keyAt));
			after = text.slice(0, start) + block + text.slice(end);
		} else {
			const beforeAt = beforeKey === undefined ? undefined : topLevelKeyOffset(text, beforeKey);
			if (beforeAt !== undefined) {
				const start = lineStartAt(text, beforeAt);
				const line = key === 'presets' ? `${key}: [${items.join(', ')}]\n` : block;
				after = text.slice(0, start) + line + text.slice(start);
			} else {
				after = text + (text.endsWith('\n') || text === '' ? '' : '\n') + block;
			}
		}
	}
	parsePolicyText(after, file);
	return after;
}

/**
 * Removes the allow items whose canonical host is in `hosts`: the item's own lines in a block
 * list (comments on other lines stay), the item and one comma in a flow list.
 */
export function removeAllowItems(text: string, file: string, hosts: ReadonlySet<string>): { text: string; removed: string[] } {
	parsePolicyText(text, file);
	const doc = parseDocument(text);
	const allow = doc.get('allow', true);
	if (!isSeq(allow)) {
		return { text, removed: [] };
	}
	const cuts: { start: number; end: number; host: string }[] = [];
	(allow.items as (Node | null)[]).forEach((item) => {
		const raw = isScalar(item) ? item.value : isMap(item) ? item.get('host') : undefined;
		const checked = typeof raw === 'string' ? checkHost(raw) : undefined;
		if (!checked?.ok || !hosts.has(checked.host) || !item?.range) {
			return;
		}
		if (allow.flow) {
			let start = item.range[0];
			let end = item.range[1];
			const after = text.slice(end).match(/^\s*,\s*/);
			if (after) {
				end += after[0].length;
			} else {
				const before = text.slice(0, start).match(/,\s*$/);
				if (before) {
					start -= before[0].length;
				}
			}
			cuts.push({ start, end, host: checked.host });
		} else {
			cuts.push({ start: lineStartAt(text, item.range[0]), end: lineEndAfter(text, item.range[1] - 1 > item.range[0] ? item.range[1] - 1 : item.range[0]), host: checked.host });
		}
	});
	let after = text;
	for (const cut of [...cuts].sort((a, b) => b.start - a.start)) {
		after = after.slice(0, cut.start) + after.slice(cut.end);
	}
	if (cuts.length > 0 && !allow.flow && allow.items.length === cuts.length) {
		// Every item went: leave an explicit empty list rather than `allow:` with nothing.
		const keyAt = topLevelKeyOffset(after, 'allow');
		if (keyAt !== undefined) {
			const end = lineEndAfter(after, keyAt);
			after = after.slice(0, end).replace(/allow:[ \t]*(#.*)?\n$/, (_m, comment: string | undefined) => `allow: []${comment ? ` ${comment}` : ''}\n`) + after.slice(end);
		}
	}
	parsePolicyText(after, file);
	return { text: after, removed: cuts.map((c) => c.host) };
}
