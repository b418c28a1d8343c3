import * as vscode from 'vscode';
import { COMMAND } from '../core/views/commandIds';
import { DEV_CONTAINERS_ID } from './devContainers';
import type { AirlockSession } from './session';

/**
 * The host folder for commands that approve or change enforcement. Inside the container the
 * answer is no, with why: an agent in the container must not be able to approve its own access.
 */
export async function requireHostFolder(session: AirlockSession): Promise<string | undefined> {
	const location = session.location;
	if (!location) {
		const chosen = await vscode.window.showErrorMessage('Airlock: open the repository folder first.', 'Open Folder…');
		if (chosen) {
			await vscode.commands.executeCommand('vscode.openFolder');
		}
		return undefined;
	}
	if (location.kind === 'inside-container') {
		const chosen = await vscode.window.showWarningMessage(
			'Airlock is read-only inside the container: approvals happen on the host, where the container cannot change them. Reopen the folder locally (or run `airlock approve` on the host), then approve there.',
			'Reopen Folder Locally',
			'Show Plan',
		);
		if (chosen === 'Reopen Folder Locally') {
			await vscode.commands.executeCommand(`${DEV_CONTAINERS_ID.split('.')[1]}.reopenLocally`);
		} else if (chosen === 'Show Plan') {
			await vscode.commands.executeCommand(COMMAND.showPlan);
		}
		return undefined;
	}
	if (location.kind === 'unknown') {
		await vscode.window.showErrorMessage(`Airlock: ${location.why}. Open the folder from this machine's disk, or use the \`airlock\` CLI on the host.`);
		return undefined;
	}
	return location.hostPath;
}
