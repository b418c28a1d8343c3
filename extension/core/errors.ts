/**
 * An error in an input file, located precisely enough for an editor or a terminal to point
 * at it: `path:line:col: error: message` followed by a hint saying what to do.
 */
export interface SourceProblem {
	readonly file: string;
	/** 1-based. */
	readonly line: number;
	/** 1-based, in UTF-16 code units of the line (what editors count). */
	readonly column: number;
	readonly message: string;
	readonly hint?: string;
	/** The offending entry as written, when there is one. */
	readonly entry?: string;
}

export function formatProblem(p: SourceProblem): string {
	const head = `${p.file}:${p.line}:${p.column}: error: ${p.message}`;
	return p.hint ? `${head}\n  hint: ${p.hint}` : head;
}

/** Thrown when input is invalid; carries every problem found so all can be shown at once. */
export class InvalidInputError extends Error {
	constructor(readonly problems: readonly SourceProblem[], summary?: string) {
		super(summary ?? problems.map(formatProblem).join('\n'));
	}
}

/** Maps a 0-based offset in `text` to a 1-based line and column. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
	let line = 1;
	let lineStart = 0;
	for (let i = 0; i < offset && i < text.length; i++) {
		if (text.charCodeAt(i) === 10) {
			line++;
			lineStart = i + 1;
		}
	}
	return { line, column: offset - lineStart + 1 };
}
