import * as vscode from 'vscode';
import { REJECT_COOLDOWN_MS, requestTarget } from '../../core/requests';
import { currentAgentChannel } from '../agentChannel';
import { requireHostFolder } from '../hostOnly';
import type { AirlockSession } from '../session';
import { requestFromArgument } from './reviewRequest';

/** Airlock: Reject Access Request — the host stays blocked; the agent asking again stays quiet for a while. */
export async function rejectRequest(session: AirlockSession, arg?: unknown): Promise<void> {
	const workspace = await requireHostFolder(session);
	const request = workspace ? requestFromArgument(workspace, arg) : undefined;
	const channel = currentAgentChannel();
	if (!request || !channel) {
		return;
	}
	channel.reject(request.id);
	session.output.info(`Rejected the agent's request for ${requestTarget(request)}.`);
	void vscode.window.showInformationMessage(`Airlock: rejected. ${requestTarget(request)} stays blocked; the agent asking again is not raised for ${REJECT_COOLDOWN_MS / 3_600_000} hours.`);
}
