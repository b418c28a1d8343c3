import type { Command } from '../command';
import { CliError, EXIT_INVALID, EXIT_OK } from '../command';
import { diffPlans, planToJson, resolvePlan } from '../../core/plan';
import { readApproval } from '../../core/approvals';
import { formatDiff, formatPlan } from '../format';
import { examineWorkspaceSafely, findingsJson, formatFindings } from '../findings';
import { DAY_MS, usageForEntries } from '../../core/usage';
import { DEFAULT_UNUSED_AFTER_DAYS } from '../../core/views/planAnnotations';
import { formatUsage } from '../formatUsage';
import { syncObserved } from '../observedSync';

export const planCommand: Command = {
	name: 'plan',
	summary: 'print the resolved egress plan and its difference from the approved plan',
	options: {
		json: { type: 'boolean', description: 'print {hash, mode, entries: [{host, ports?, sources, risks, usage?}], diff, findings: [{id, severity, file, line, column, detail, accepted}]} as JSON' },
		usage: { type: 'boolean', description: 'show how often each entry was used (from the proxy log, kept on this machine) and mark the unused ones' },
		'unused-days': { type: 'string', description: `with --usage: days without use before an entry counts as unused (default ${DEFAULT_UNUSED_AFTER_DAYS})` },
	},
	async run(ctx) {
		const plan = resolvePlan(ctx.workspace, ctx.env);
		const approval = readApproval(ctx.workspace, ctx.env);
		const diff = diffPlans(approval?.plan, plan);
		const container = examineWorkspaceSafely(ctx.workspace, { accepted: plan.terms });
		const days = ctx.values['unused-days'] === undefined ? DEFAULT_UNUSED_AFTER_DAYS : Number(ctx.values['unused-days']);
		if (!Number.isFinite(days) || days < 0) {
			throw new CliError(`--unused-days must be a number of days (0 or more), got ${JSON.stringify(ctx.values['unused-days'])}`, EXIT_INVALID);
		}
		let usage: { byHost: ReturnType<typeof usageForEntries>; since: number } | undefined;
		if (ctx.values.usage === true) {
			const observed = await syncObserved(ctx);
			if (observed.note) {
				ctx.stderr.write(`airlock plan: ${observed.note}\n`);
			}
			usage = { byHost: usageForEntries(plan.entries, observed.books.usage, days * DAY_MS), since: observed.books.usage.trackingSince };
		}
		if (ctx.values.json) {
			const base = planToJson(plan);
			const json = {
				...base,
				...(usage ? { entries: base.entries.map((e) => ({ ...e, usage: usage.byHost.get(e.host) ?? null })), usageSince: usage.since, unusedDays: days } : {}),
				approvedHash: approval?.planHash ?? null,
				diff: {
					added: diff.added.map((e) => e.host),
					removed: diff.removed.map((e) => e.host),
					changed: diff.changed.map((c) => ({ host: c.after.host, what: c.what })),
					...(diff.modeChanged ? { modeChanged: diff.modeChanged } : {}),
					...(diff.acceptancesAdded ? { acceptancesAdded: diff.acceptancesAdded } : {}),
					...(diff.acceptancesRemoved ? { acceptancesRemoved: diff.acceptancesRemoved } : {}),
				},
				...findingsJson(container),
			};
			ctx.stdout.write(JSON.stringify(json, null, 2) + '\n');
			return EXIT_OK;
		}
		ctx.stdout.write(formatPlan(plan, ctx.workspace) + '\n\n' + formatFindings(container, plan.acceptances) + '\n\n' + formatDiff(diff, approval) + '\n');
		if (usage) {
			ctx.stdout.write('\n' + formatUsage(plan, usage.byHost, days, usage.since) + '\n');
		}
		if (approval?.planHash !== plan.hash) {
			ctx.stdout.write('\nNot approved yet: run `airlock approve` to review and approve it.\n');
		}
		return EXIT_OK;
	},
};
