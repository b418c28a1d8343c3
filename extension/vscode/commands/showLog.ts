import type { AirlockSession } from '../session';

/** Airlock: Show Log — the log channel (what the status bar's "checking", "starting" and engine states point to). */
export function showLog(session: AirlockSession): void {
	session.output.show(true);
}
