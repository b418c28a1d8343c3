/**
 * A line diff for showing a file change to a person (the review's devcontainer.json diff):
 * longest common subsequence over lines, grouped into hunks with context, like `diff -u`.
 */
export interface DiffLine {
	readonly kind: 'context' | 'added' | 'removed';
	readonly text: string;
	/** 1-based line in the old text (context and removed lines). */
	readonly oldLine?: number;
	/** 1-based line in the new text (context and added lines). */
	readonly newLine?: number;
}

export interface DiffHunk {
	/** `@@ -a,b +c,d @@`. */
	readonly header: string;
	readonly lines: readonly DiffLine[];
}

/** Beyond this many cells the middle part is shown as replaced instead of aligned (files here are small). */
const MAX_TABLE_CELLS = 4_000_000;

export function splitLines(text: string): string[] {
	if (text === '') {
		return [];
	}
	const lines = text.replace(/\r\n/g, '\n').split('\n');
	// A final newline ends the last line; it does not start another.
	if (lines[lines.length - 1] === '') {
		lines.pop();
	}
	return lines;
}

/** Every line of both texts in order, each marked as kept, added or removed. */
export function diffTextLines(oldText: string, newText: string): DiffLine[] {
	const a = splitLines(oldText);
	const b = splitLines(newText);
	let start = 0;
	while (start < a.length && start < b.length && a[start] === b[start]) {
		start++;
	}
	let endA = a.length;
	let endB = b.length;
	while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
		endA--;
		endB--;
	}
	const out: DiffLine[] = [];
	for (let i = 0; i < start; i++) {
		out.push({ kind: 'context', text: a[i], oldLine: i + 1, newLine: i + 1 });
	}
	out.push(...alignMiddle(a, b, start, endA, endB));
	for (let i = endA, j = endB; i < a.length; i++, j++) {
		out.push({ kind: 'context', text: a[i], oldLine: i + 1, newLine: j + 1 });
	}
	return out;
}

function alignMiddle(a: readonly string[], b: readonly string[], start: number, endA: number, endB: number): DiffLine[] {
	const n = endA - start;
	const m = endB - start;
	const out: DiffLine[] = [];
	if ((n + 1) * (m + 1) > MAX_TABLE_CELLS) {
		for (let i = start; i < endA; i++) {
			out.push({ kind: 'removed', text: a[i], oldLine: i + 1 });
		}
		for (let j = start; j < endB; j++) {
			out.push({ kind: 'added', text: b[j], newLine: j + 1 });
		}
		return out;
	}
	// lcs[i][j]: length of the common subsequence of a[start+i..] and b[start+j..].
	const width = m + 1;
	const lcs = new Uint32Array((n + 1) * width);
	for (let i = n - 1; i >= 0; i--) {
		for (let j = m - 1; j >= 0; j--) {
			lcs[i * width + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
		}
	}
	let i = 0;
	let j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && a[start + i] === b[start + j]) {
			out.push({ kind: 'context', text: a[start + i], oldLine: start + i + 1, newLine: start + j + 1 });
			i++;
			j++;
		} else if (i < n && (j === m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
			// Removals before additions, as `diff -u` shows a replaced line.
			out.push({ kind: 'removed', text: a[start + i], oldLine: start + i + 1 });
			i++;
		} else {
			out.push({ kind: 'added', text: b[start + j], newLine: start + j + 1 });
			j++;
		}
	}
	return out;
}

/** The changed lines with `context` lines around them, in hunks; no hunks when nothing changed. */
export function diffHunks(oldText: string, newText: string, context = 3): DiffHunk[] {
	const lines = diffTextLines(oldText, newText);
	const changed = lines.map((l, i) => (l.kind === 'context' ? -1 : i)).filter((i) => i >= 0);
	if (changed.length === 0) {
		return [];
	}
	const ranges: [number, number][] = [];
	for (const i of changed) {
		const from = Math.max(0, i - context);
		const to = Math.min(lines.length - 1, i + context);
		const last = ranges[ranges.length - 1];
		if (last && from <= last[1] + 1) {
			last[1] = Math.max(last[1], to);
		} else {
			ranges.push([from, to]);
		}
	}
	return ranges.map(([from, to]) => {
		const slice = lines.slice(from, to + 1);
		const oldCount = slice.filter((l) => l.kind !== 'added').length;
		const newCount = slice.filter((l) => l.kind !== 'removed').length;
		const oldStart = oldCount === 0 ? startBefore(lines, from, 'oldLine') : (slice.find((l) => l.oldLine !== undefined)?.oldLine ?? 0);
		const newStart = newCount === 0 ? startBefore(lines, from, 'newLine') : (slice.find((l) => l.newLine !== undefined)?.newLine ?? 0);
		return { header: `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, lines: slice };
	});
}

/** For an empty side, `diff -u` names the line before the hunk (0 at the start of the file). */
function startBefore(lines: readonly DiffLine[], from: number, side: 'oldLine' | 'newLine'): number {
	for (let i = from - 1; i >= 0; i--) {
		const n = lines[i][side];
		if (n !== undefined) {
			return n;
		}
	}
	return 0;
}
