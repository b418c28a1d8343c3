import * as vscode from 'vscode';
import { BLOCKED_VIEW_ID } from '../blockedTree';
import type { AirlockSession } from '../session';

/** Airlock: Show Blocked Requests — the blocked-hosts tree and the log channel. */
export async function showBlocked(session: AirlockSession): Promise<void> {
	session.output.show(true);
	await vscode.commands.executeCommand(`${BLOCKED_VIEW_ID}.focus`);
}
