import {
	applyEdits,
	findNodeAtLocation,
	format,
	modify,
	parseTree,
	printParseErrorCode,
	type FormattingOptions,
	type JSONPath,
	type ModificationOptions,
	type Node,
	type ParseError,
} from 'jsonc-parser';
import { InvalidInputError, lineColumnAt, type SourceProblem } from '../errors';

/** The parse options the devcontainer CLI accepts: comments and trailing commas. */
const JSONC_OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };

/** Parses JSONC and insists on an object at the root; every syntax error is reported with its position. */
export function parseJsoncObject(file: string, text: string): Node {
	const errors: ParseError[] = [];
	const root = parseTree(text, errors, JSONC_OPTIONS);
	if (errors.length > 0) {
		throw new InvalidInputError(
			errors.map((e) => {
				const { line, column } = lineColumnAt(text, e.offset);
				return {
					file,
					line,
					column,
					entry: text.substr(e.offset, Math.max(e.length, 1)),
					message: `not valid JSONC (${printParseErrorCode(e.error)})`,
					hint: 'fix the syntax, then run `airlock generate` again; the file was not changed',
				};
			}),
		);
	}
	if (!root || root.type !== 'object') {
		throw new InvalidInputError([
			problemAt(file, text, root, 'the configuration is not a JSON object', 'a devcontainer.json holds one object `{ ... }`; fix it, then run `airlock generate`'),
		]);
	}
	return root;
}

/** A problem pointing at `node` (or at the start of the file when there is none). */
export function problemAt(file: string, text: string, node: Node | undefined, message: string, hint: string, entry?: string): SourceProblem {
	const offset = node?.parent?.type === 'property' ? node.parent.offset : (node?.offset ?? 0);
	const { line, column } = lineColumnAt(text, offset);
	return entry === undefined ? { file, line, column, message, hint } : { file, line, column, message, hint, entry };
}

export function nodeAt(root: Node, jsonPath: JSONPath): Node | undefined {
	return findNodeAtLocation(root, jsonPath);
}

/**
 * How the file is laid out, so inserted text matches it: the indentation unit is taken from the
 * first root property that starts its own line, the line ending from the first line break.
 */
export function detectFormatting(text: string, root: Node | undefined): FormattingOptions {
	const eol = text.includes('\r\n') ? '\r\n' : '\n';
	for (const property of root?.children ?? []) {
		const lineStart = text.lastIndexOf('\n', property.offset - 1) + 1;
		const lead = text.slice(lineStart, property.offset);
		if (lead.length > 0 && /^[ \t]+$/.test(lead)) {
			return lead.startsWith('\t')
				? { insertSpaces: false, tabSize: 4, eol }
				: { insertSpaces: true, tabSize: lead.length, eol };
		}
	}
	// No evidence (a new or one-line file): tabs, as the devcontainers templates use.
	return { insertSpaces: false, tabSize: 4, eol };
}

/**
 * Applies one jsonc-parser modification to `text`, then formats only the inserted text.
 * (`modify` with formatting options reformats whole lines around the edit, which would reflow
 * the user's neighbouring values, e.g. a one-line array before an appended property.) The format
 * range is widened over the whitespace on both sides (to an opening bracket before, to the next
 * token after), so the inserted text starts and ends on lines of its own.
 */
export function modifyText(
	text: string,
	jsonPath: JSONPath,
	value: unknown,
	formattingOptions: FormattingOptions,
	extra: Omit<ModificationOptions, 'formattingOptions'> = {},
): string {
	const edits = modify(text, jsonPath, value, extra);
	const changed = applyEdits(text, edits);
	if (edits.length !== 1 || edits[0].content.length === 0) {
		return changed;
	}
	let start = edits[0].offset;
	let end = start + edits[0].content.length;
	let before = start;
	while (before > 0 && /\s/.test(changed[before - 1])) {
		before--;
	}
	if (before > 0 && (changed[before - 1] === '{' || changed[before - 1] === '[')) {
		start = before - 1;
	}
	let after = end;
	while (after < changed.length && /\s/.test(changed[after])) {
		after++;
	}
	if (after < changed.length) {
		// Take in the next token's first character, so the break before it is formatted too.
		end = after + 1;
	}
	return applyEdits(changed, format(changed, { offset: start, length: end - start }, formattingOptions));
}
