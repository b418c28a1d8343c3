import * as vscode from 'vscode';
import { readRequestBook } from '../core/requests';
import { readUsageBook } from '../core/usage';
import { annotatePlanView, unusedAfterDaysFrom } from '../core/views/planAnnotations';
import type { PlanView } from '../core/views/planView';
import type { PlanReview } from './planReview';
import type { AirlockSession } from './session';

/**
 * The plan review with what the host knows besides the policy files: the rows the agent asked
 * for (with its reason) and the usage of each entry. Only on the host: inside the container
 * the books are out of reach, on purpose.
 */
export function annotatedPlanView(review: PlanReview, session: AirlockSession): PlanView {
	const hostPath = session.hostPath;
	if (!hostPath) {
		return review.view;
	}
	try {
		const unusedAfterDays = unusedAfterDaysFrom(vscode.workspace.getConfiguration('airlock').get<unknown>('unusedAfterDays'));
		return annotatePlanView(review.view, review.plan, { requests: readRequestBook(hostPath).list('pending'), usage: readUsageBook(hostPath), unusedAfterDays });
	} catch (err) {
		session.output.warn(`Usage and requests could not be added to the plan: ${err instanceof Error ? err.message : String(err)}`);
		return review.view;
	}
}
