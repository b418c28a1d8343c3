import * as vscode from 'vscode';
import { approvedPolicyOf, readApproval } from '../../core/approvals';
import { devContainersAvailable } from '../devContainers';
import { devcontainerProblems } from '../devcontainerSync';
import { requireHostFolder } from '../hostOnly';
import { COMMAND } from '../../core/views/commandIds';
import { describeError, showInfoWithSteps, showWarningWithSteps } from '../nextStep';
import type { AirlockSession } from '../session';

/**
 * Airlock: Reopen in Locked Container — hands over to Dev Containers once devcontainer.json
 * carries the approved plan, so the container that opens is the locked one.
 */
export async function reopenLocked(session: AirlockSession): Promise<void> {
	const workspace = await requireHostFolder(session);
	if (!workspace) {
		return;
	}
	if (!devContainersAvailable()) {
		// Not every VS Code build can install Dev Containers (code-server, VSCodium): Airlock
		// starts the container itself then, with the devcontainer CLI it ships.
		await showInfoWithSteps('Airlock: reopening the window in a container needs the Dev Containers extension, which this editor does not have. Airlock can start the locked container itself and open a terminal into it.', [
			{ label: 'Start Locked Container', run: () => vscode.commands.executeCommand(COMMAND.startLocked) },
		]);
		return;
	}
	try {
		const approval = readApproval(workspace);
		if (!approval) {
			await showWarningWithSteps('Airlock: nothing is approved for this repository yet; its container would deny all egress.', [{ label: 'Review & Approve', run: () => vscode.commands.executeCommand(COMMAND.reviewChanges) }]);
			return;
		}
		const { problems } = devcontainerProblems(workspace, approvedPolicyOf(approval));
		if (problems.length > 0) {
			await showWarningWithSteps(`Airlock: devcontainer.json does not carry the approved plan yet: ${problems[0]}`, [{ label: 'Review & Approve', run: () => vscode.commands.executeCommand(COMMAND.reviewChanges) }], session.output);
			return;
		}
	} catch (err) {
		await vscode.window.showErrorMessage(`Airlock: ${describeError(err).message}`);
		return;
	}
	await vscode.commands.executeCommand('remote-containers.reopenInContainer');
}
