import * as vscode from 'vscode';
import { COMMAND, type CommandId } from '../core/views/commandIds';
import { allowHost } from './commands/allowHost';
import { applyApproved } from './commands/applyApproved';
import { lockRepository } from './commands/lockRepository';
import { openContainerTerminal } from './commands/openTerminal';
import { reopenLocked } from './commands/reopenLocked';
import { reviewChanges } from './commands/reviewChanges';
import { showBlocked } from './commands/showBlocked';
import { showLog } from './commands/showLog';
import { showPlan } from './commands/showPlan';
import { showPolicyProblems } from './commands/showPolicyProblems';
import { startLocked } from './commands/startLocked';
import { switchMode } from './commands/switchMode';
import { verify } from './commands/verify';
import { reviewRequest } from './commands/reviewRequest';
import { rejectRequest } from './commands/rejectRequest';
import { showSuspects } from './commands/showSuspects';
import { proposePolicy, proposeRemoveUnused } from './commands/proposePolicy';
import { reportError } from './nextStep';
import type { AirlockSession } from './session';

type Handler = (session: AirlockSession, ...args: unknown[]) => unknown;

const COMMANDS: Readonly<Record<CommandId, Handler>> = {
	[COMMAND.lockRepository]: lockRepository,
	[COMMAND.showPlan]: showPlan,
	[COMMAND.reviewChanges]: reviewChanges,
	[COMMAND.allowHost]: allowHost,
	[COMMAND.showBlocked]: showBlocked,
	[COMMAND.showLog]: showLog,
	[COMMAND.verify]: verify,
	[COMMAND.switchMode]: switchMode,
	[COMMAND.reopenLocked]: reopenLocked,
	[COMMAND.startLocked]: startLocked,
	[COMMAND.openTerminal]: (session) => openContainerTerminal(session),
	[COMMAND.applyApproved]: applyApproved,
	[COMMAND.showPolicyProblems]: showPolicyProblems,
	[COMMAND.reviewRequest]: reviewRequest,
	[COMMAND.rejectRequest]: rejectRequest,
	[COMMAND.showSuspects]: showSuspects,
	[COMMAND.proposePolicy]: proposePolicy,
	[COMMAND.proposeRemoveUnused]: proposeRemoveUnused,
};

/** Registers every command; an unexpected error ends in a message with "Show Log", never silently. */
export function registerCommands(session: AirlockSession): vscode.Disposable[] {
	return Object.entries(COMMANDS).map(([id, handler]) =>
		vscode.commands.registerCommand(id, async (...args: unknown[]) => {
			try {
				await handler(session, ...args);
			} catch (err) {
				await reportError(`${id} failed`, err, session.output);
			}
		}),
	);
}
