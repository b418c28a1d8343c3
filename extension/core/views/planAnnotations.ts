import type { Plan } from '../plan';
import type { AccessRequest } from '../requests';
import { DAY_MS, usageForEntries, type UsageBook } from '../usage';
import type { PlanRowView, PlanView } from './planView';

/**
 * Adds what the plan itself does not know to the webview's model: which rows the agent asked for
 * (with its reason), and how much each entry is used, with the unused ones whose removal can be
 * proposed. Kept apart from buildPlanView so the plan stays a pure function of the policy files.
 */
export interface PlanAnnotations {
	/** Pending access requests. */
	readonly requests?: readonly AccessRequest[];
	readonly usage?: UsageBook;
	readonly unusedAfterDays?: number;
	readonly now?: number;
}

export const DEFAULT_UNUSED_AFTER_DAYS = 30;

/**
 * `airlock.unusedAfterDays` as the plan uses it. The editor hands over what settings.json holds
 * without checking the schema's minimum: 0 or a negative number would mark an entry used a second
 * ago as unused and offer its removal. Not a number → the default; below 1 → 1 (the schema's minimum).
 */
export function unusedAfterDaysFrom(value: unknown): number {
	if (typeof value !== 'number' || !Number.isFinite(value)) {
		return DEFAULT_UNUSED_AFTER_DAYS;
	}
	return Math.max(1, value);
}

/** The settings the plan's annotations read: a change to one redraws an open plan. */
export const PLAN_ANNOTATION_SETTINGS: readonly string[] = ['airlock.unusedAfterDays'];

/** Whether a settings change (`affects` as in ConfigurationChangeEvent.affectsConfiguration) changes the plan's annotations. */
export function changesPlanAnnotations(affects: (section: string) => boolean): boolean {
	return PLAN_ANNOTATION_SETTINGS.some((section) => affects(section));
}

export function annotatePlanView(view: PlanView, plan: Pick<Plan, 'entries'>, notes: PlanAnnotations): PlanView {
	const now = notes.now ?? Date.now();
	const unusedAfterDays = unusedAfterDaysFrom(notes.unusedAfterDays);
	const requested = new Map((notes.requests ?? []).filter((r) => r.state === 'pending').map((r) => [r.host, r]));
	const usage = notes.usage ? usageForEntries(plan.entries, notes.usage, unusedAfterDays * DAY_MS, now) : undefined;
	const annotate = (row: PlanRowView): PlanRowView => {
		const request = requested.get(row.host);
		const use = row.change === 'removed' ? undefined : usage?.get(row.host);
		if (!request && !use) {
			return row;
		}
		return {
			...row,
			...(request ? { requested: { id: request.id, why: request.why, count: request.count, at: request.lastSeen } } : {}),
			...(use ? { usage: { count: use.count, ...(use.lastUsed !== undefined ? { lastUsed: use.lastUsed } : {}), unused: use.unused, text: use.text, names: [...use.names] } } : {}),
		};
	};
	const groups = view.groups.map((g) => ({ ...g, rows: g.rows.map(annotate) }));
	if (!usage || !notes.usage) {
		return { ...view, groups };
	}
	const unused = plan.entries.filter((e) => usage.get(e.host)?.unused);
	return {
		...view,
		groups,
		usage: {
			unusedAfterDays,
			trackingSince: notes.usage.trackingSince,
			// Only entries nothing else allows: removing them from the file removes them from the plan.
			removable: unused.filter((e) => e.sources.every((s) => s === 'project')).map((e) => e.host),
			elsewhere: unused.filter((e) => !e.sources.every((s) => s === 'project')).map((e) => e.host),
		},
	};
}
