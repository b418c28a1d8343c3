import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { InvalidInputError, type SourceProblem } from '../core/errors';
import { buildPlan, userPolicyFile } from '../core/plan';
import { parsePolicyText, type PolicyFile } from '../core/policyFile';
import { presetsDirectory } from '../core/presets';
import { policyFileOf } from './planReview';

/** While typing, the file is checked this long after the last keystroke. */
const TYPING_DEBOUNCE_MS = 250;

/**
 * Policy problems as diagnostics (squiggles and the Problems view) on airlock.yaml and the
 * user's policy file: checked from the editor's text as it is typed, from disk otherwise, and
 * cleared when the file is fixed. No toasts: the file and the Problems view say it where the
 * person is looking.
 */
export class PolicyDiagnostics implements vscode.Disposable {
	private readonly collection = vscode.languages.createDiagnosticCollection('airlock');
	private readonly disposables: vscode.Disposable[] = [this.collection];
	private timer: NodeJS.Timeout | undefined;
	private problems: SourceProblem[] = [];

	constructor(private readonly folder: string) {
		this.disposables.push(
			vscode.workspace.onDidChangeTextDocument((e) => {
				if (this.isPolicyDocument(e.document)) {
					clearTimeout(this.timer);
					this.timer = setTimeout(() => this.check(), TYPING_DEBOUNCE_MS);
				}
			}),
			vscode.workspace.onDidOpenTextDocument((d) => this.isPolicyDocument(d) && this.check()),
			// Closing without saving: the file on disk is what counts again.
			vscode.workspace.onDidCloseTextDocument((d) => this.isPolicyDocument(d) && this.check()),
			{ dispose: () => clearTimeout(this.timer) },
		);
	}

	private get projectFile(): string {
		return policyFileOf(this.folder);
	}

	private isPolicyDocument(document: vscode.TextDocument): boolean {
		return document.uri.scheme === 'file' && (document.uri.fsPath === this.projectFile || document.uri.fsPath === userPolicyFile());
	}

	/** The text the person sees: the open editor's (saved or not), else the file on disk. */
	private textOf(file: string): string | undefined {
		const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
		if (open) {
			return open.getText();
		}
		try {
			return fs.readFileSync(file, 'utf8');
		} catch {
			return undefined;
		}
	}

	/** Every problem found in the last check (the first one is where "Show Policy Problems" goes). */
	get current(): readonly SourceProblem[] {
		return this.problems;
	}

	/** Checks both policy files and replaces the diagnostics. */
	check(): void {
		const problems: SourceProblem[] = [];
		const layer = (file: string): PolicyFile | undefined => {
			const text = this.textOf(file);
			if (text === undefined) {
				return undefined;
			}
			try {
				return parsePolicyText(text, file);
			} catch (err) {
				problems.push(...problemsOf(err, file));
				return undefined;
			}
		};
		const project = layer(this.projectFile);
		const user = layer(userPolicyFile());
		if (problems.length === 0 && (project || user)) {
			// What only the layers together can tell: unknown presets.
			try {
				buildPlan({ ...(project ? { project } : {}), ...(user ? { user } : {}), presetsDir: presetsDirectory() });
			} catch (err) {
				problems.push(...problemsOf(err, this.projectFile));
			}
		}
		this.problems = problems;
		this.collection.clear();
		const byFile = new Map<string, vscode.Diagnostic[]>();
		for (const p of problems) {
			byFile.set(p.file, [...(byFile.get(p.file) ?? []), this.toDiagnostic(p)]);
		}
		for (const [file, diagnostics] of byFile) {
			this.collection.set(vscode.Uri.file(file), diagnostics);
		}
	}

	private toDiagnostic(p: SourceProblem): vscode.Diagnostic {
		const line = Math.max(0, p.line - 1);
		const start = Math.max(0, p.column - 1);
		const lineText = (this.textOf(p.file) ?? '').split(/\r?\n/)[line] ?? '';
		// Underline the entry when the problem names it, else the rest of the word.
		let end = p.entry && lineText.startsWith(p.entry, start) ? start + p.entry.length : start + (/^\S*/.exec(lineText.slice(start))?.[0].length ?? 0);
		if (end <= start) {
			end = Math.max(start + 1, lineText.length);
		}
		const diagnostic = new vscode.Diagnostic(new vscode.Range(line, start, line, end), p.hint ? `${p.message}\n${p.hint}` : p.message, vscode.DiagnosticSeverity.Error);
		diagnostic.source = 'Airlock';
		return diagnostic;
	}

	dispose(): void {
		while (this.disposables.length) {
			this.disposables.pop()?.dispose();
		}
	}
}

function problemsOf(err: unknown, file: string): SourceProblem[] {
	if (err instanceof InvalidInputError) {
		return [...err.problems];
	}
	return [{ file, line: 1, column: 1, message: err instanceof Error ? err.message : String(err) }];
}
