import * as vscode from 'vscode';
import { InvalidInputError, formatProblem } from '../core/errors';
import { DockerLayerError } from '../docker/errors';

/**
 * Errors shown in the editor always offer the next step as a button. Each action is a label
 * and what happens when it is chosen.
 */
export interface NextStep {
	readonly label: string;
	readonly run: () => unknown;
}

export async function showErrorWithSteps(message: string, steps: readonly NextStep[], output?: vscode.LogOutputChannel): Promise<void> {
	output?.error(message);
	const chosen = await vscode.window.showErrorMessage(message, ...steps.map((s) => s.label));
	await steps.find((s) => s.label === chosen)?.run();
}

export async function showWarningWithSteps(message: string, steps: readonly NextStep[], output?: vscode.LogOutputChannel): Promise<void> {
	output?.warn(message);
	const chosen = await vscode.window.showWarningMessage(message, ...steps.map((s) => s.label));
	await steps.find((s) => s.label === chosen)?.run();
}

export async function showInfoWithSteps(message: string, steps: readonly NextStep[], output?: vscode.LogOutputChannel): Promise<void> {
	output?.info(message);
	const chosen = await vscode.window.showInformationMessage(message, ...steps.map((s) => s.label));
	await steps.find((s) => s.label === chosen)?.run();
}

/** Opens a file at a 1-based line and column. */
export async function openAt(file: string, line = 1, column = 1): Promise<void> {
	const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
	const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
	await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos) });
}

/** The message and the first next step for any error the core or the Docker layer throws. */
export function describeError(err: unknown): { message: string; openFile?: { file: string; line: number; column: number } } {
	if (err instanceof InvalidInputError) {
		const first = err.problems[0];
		return {
			message: err.problems.map(formatProblem).join(' · '),
			...(first && first.file.startsWith('/') ? { openFile: { file: first.file, line: first.line, column: first.column } } : {}),
		};
	}
	if (err instanceof DockerLayerError) {
		return { message: `${err.message} Next: ${err.nextStep}.` };
	}
	return { message: err instanceof Error ? err.message : String(err) };
}

/** Shows any error with the right buttons: open the file at the problem, show the log. */
export async function reportError(what: string, err: unknown, output: vscode.LogOutputChannel, more: readonly NextStep[] = []): Promise<void> {
	const described = describeError(err);
	const steps: NextStep[] = [];
	if (described.openFile) {
		const at = described.openFile;
		steps.push({ label: 'Open File at Problem', run: () => openAt(at.file, at.line, at.column) });
	}
	steps.push(...more);
	steps.push({ label: 'Show Log', run: () => output.show(true) });
	await showErrorWithSteps(`Airlock: ${what}: ${described.message}`, steps, output);
}
