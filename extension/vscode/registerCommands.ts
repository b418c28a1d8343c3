import * as vscode from 'vscode';
import { allowHost } from './commands/allowHost';
import { lockRepository } from './commands/lockRepository';
import { reopenLocked } from './commands/reopenLocked';
import { reviewChanges } from './commands/reviewChanges';
import { showBlocked } from './commands/showBlocked';
import { showPlan } from './commands/showPlan';
import { switchMode } from './commands/switchMode';
import { verify } from './commands/verify';
import { reviewRequest } from './commands/reviewRequest';
import { rejectRequest } from './commands/rejectRequest';
import { showSuspects } from './commands/showSuspects';
import { proposePolicy, proposeRemoveUnused } from './commands/proposePolicy';
import { reportError } from './nextStep';
import type { AirlockSession } from './session';

type Handler = (session: AirlockSession, ...args: unknown[]) => unknown;

const COMMANDS: Readonly<Record<string, Handler>> = {
	'airlock.lockRepository': lockRepository,
	'airlock.showPlan': showPlan,
	'airlock.reviewChanges': reviewChanges,
	'airlock.allowHost': allowHost,
	'airlock.showBlocked': showBlocked,
	'airlock.verify': verify,
	'airlock.switchMode': switchMode,
	'airlock.reopenLocked': reopenLocked,
	'airlock.reviewRequest': reviewRequest,
	'airlock.rejectRequest': rejectRequest,
	'airlock.showSuspects': showSuspects,
	'airlock.proposePolicy': proposePolicy,
	'airlock.proposeRemoveUnused': proposeRemoveUnused,
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
