import * as vscode from 'vscode';
import { SUSPECTS_VIEW_ID } from '../agentViews';
import type { AirlockSession } from '../session';

/** Airlock: Show Suspect Requests — the requests that looked like exfiltration, and the log. */
export async function showSuspects(session: AirlockSession): Promise<void> {
	session.output.show(true);
	await vscode.commands.executeCommand('setContext', 'airlock.hasSuspects', true);
	await vscode.commands.executeCommand(`${SUSPECTS_VIEW_ID}.focus`);
}
