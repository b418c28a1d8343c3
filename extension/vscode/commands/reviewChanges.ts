import { requireHostFolder } from '../hostOnly';
import { PlanPanel } from '../planPanel';
import type { AirlockSession } from '../session';

/** Airlock: Review & Approve Changes — the plan review with Approve / Reject (host only). */
export async function reviewChanges(session: AirlockSession): Promise<void> {
	if (await requireHostFolder(session)) {
		PlanPanel.show(session);
	}
}
