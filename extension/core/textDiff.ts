/**
 * A unified diff of two texts, line by line (what `diff -u` prints), for showing a proposed
 * edit to a policy file before anything is written. Longest common subsequence over lines;
 * policy files are small, so the quadratic table is fine (it refuses texts over MAX_LINES).
 */
const MAX_LINES = 5000;

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function splitLines(text: string): string[] {
	if (text === '') {
		return [];
	}
	const lines = text.split('\n');
	if (lines[lines.length - 1] === '') {
		lines.pop();
	}
	return lines;
}

function operations(a: readonly string[], b: readonly string[]): Op[] {
	const n = a.length;
	const m = b.length;
	// lcs[i][j]: length of the LCS of a[i..] and b[j..].
	const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
	for (let i = n - 1; i >= 0; i--) {
		for (let j = m - 1; j >= 0; j--) {
			lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
		}
	}
	const ops: Op[] = [];
	let i = 0;
	let j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && a[i] === b[j]) {
			ops.push({ kind: ' ', line: a[i], a: i, b: j });
			i++;
			j++;
		} else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
			// Removals before additions, as diff -u prints them.
			ops.push({ kind: '-', line: a[i], a: i, b: j });
			i++;
		} else {
			ops.push({ kind: '+', line: b[j], a: i, b: j });
			j++;
		}
	}
	return ops;
}

/** `--- a/FILE` / `+++ b/FILE` and hunks with `context` lines around each change; '' when equal. */
export function unifiedDiff(before: string, after: string, file: string, context = 3): string {
	if (before === after) {
		return '';
	}
	const a = splitLines(before);
	const b = splitLines(after);
	if (a.length > MAX_LINES || b.length > MAX_LINES) {
		throw new Error(`${file} is too long to diff here (${Math.max(a.length, b.length)} lines)`);
	}
	const ops = operations(a, b);
	const changed = ops.map((op, index) => (op.kind !== ' ' ? index : -1)).filter((index) => index >= 0);
	const out = [`--- a/${file}`, `+++ b/${file}`];
	let k = 0;
	while (k < changed.length) {
		let start = Math.max(0, changed[k] - context);
		let end = Math.min(ops.length - 1, changed[k] + context);
		while (k + 1 < changed.length && changed[k + 1] - context <= end + 1) {
			k++;
			end = Math.min(ops.length - 1, changed[k] + context);
		}
		start = Math.max(0, start);
		const hunk = ops.slice(start, end + 1);
		const aStart = hunk.find((op) => op.kind !== '+')?.a ?? hunk[0].a;
		const bStart = hunk.find((op) => op.kind !== '-')?.b ?? hunk[0].b;
		const aCount = hunk.filter((op) => op.kind !== '+').length;
		const bCount = hunk.filter((op) => op.kind !== '-').length;
		out.push(`@@ -${aCount === 0 ? aStart : aStart + 1},${aCount} +${bCount === 0 ? bStart : bStart + 1},${bCount} @@`);
		for (const op of hunk) {
			out.push(`${op.kind}${op.line}`);
		}
		k++;
	}
	return out.join('\n') + '\n';
}
