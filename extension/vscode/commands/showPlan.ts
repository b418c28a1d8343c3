import { PlanPanel } from '../planPanel';
import type { AirlockSession } from '../session';

/** Airlock: Show Plan — the resolved plan with provenance, risks and the diff to the approval. */
export function showPlan(session: AirlockSession): void {
	PlanPanel.show(session);
}
