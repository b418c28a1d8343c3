import * as vscode from 'vscode';
import { openAt } from '../nextStep';
import type { AirlockSession } from '../session';

/**
 * Airlock: Show Policy Problems — opens the policy file at its first problem and the Problems
 * view (where every problem is listed). What the status bar's "policy has errors" runs.
 */
export async function showPolicyProblems(session: AirlockSession): Promise<void> {
	session.diagnostics?.check();
	const first = session.diagnostics?.current[0];
	if (!first) {
		void vscode.window.showInformationMessage('Airlock: the policy files have no problems.');
		return;
	}
	await openAt(first.file, first.line, first.column);
	await vscode.commands.executeCommand('workbench.actions.view.problems');
}
