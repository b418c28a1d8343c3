import * as vscode from 'vscode';
import { readApproval } from '../../core/approvals';
import { parseCanonicalText } from '../../core/enforcedPolicy';
import { devContainersAvailable } from '../devContainers';
import { devcontainerProblems } from '../devcontainerSync';
import { requireHostFolder } from '../hostOnly';
import { describeError, showWarningWithSteps } from '../nextStep';
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
		await vscode.window.showErrorMessage('Airlock: reopening in a container needs the Dev Containers extension. Install it, or run `airlock up` in a terminal.', 'Install Dev Containers').then(async (c) => {
			if (c) {
				await vscode.commands.executeCommand('workbench.extensions.search', 'ms-vscode-remote.remote-containers');
			}
		});
		return;
	}
	try {
		const approval = readApproval(workspace);
		if (!approval) {
			await showWarningWithSteps('Airlock: nothing is approved for this repository yet; its container would deny all egress.', [{ label: 'Review & Approve', run: () => vscode.commands.executeCommand('airlock.reviewChanges') }]);
			return;
		}
		const { problems } = devcontainerProblems(workspace, parseCanonicalText(approval.canonicalPolicy));
		if (problems.length > 0) {
			await showWarningWithSteps(`Airlock: devcontainer.json does not carry the approved plan yet: ${problems[0]}`, [{ label: 'Review & Approve', run: () => vscode.commands.executeCommand('airlock.reviewChanges') }], session.output);
			return;
		}
	} catch (err) {
		await vscode.window.showErrorMessage(`Airlock: ${describeError(err).message}`);
		return;
	}
	await vscode.commands.executeCommand('remote-containers.reopenInContainer');
}
