import { applyApprovedWithProgress } from '../applyApproved';
import { requireHostFolder } from '../hostOnly';
import type { AirlockSession } from '../session';

/** Airlock: Apply Approved Policy — sends what is approved (never anything else) to the running container. */
export async function applyApproved(session: AirlockSession): Promise<void> {
	if (await requireHostFolder(session)) {
		await applyApprovedWithProgress(session);
	}
}
