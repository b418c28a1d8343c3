import type { Command } from '../command';
import { EXIT_OK } from '../command';
import { diffPlans, planToJson, resolvePlan } from '../../core/plan';
import { readApproval } from '../../core/approvals';
import { formatDiff, formatPlan } from '../format';
import { examineWorkspaceSafely, findingsJson, formatFindings } from '../findings';

export const planCommand: Command = {
	name: 'plan',
	summary: 'print the resolved egress plan and its difference from the approved plan',
	options: {
		json: { type: 'boolean', description: 'print {hash, mode, entries: [{host, ports?, sources, risks}], diff, findings: [{id, severity, file, line, column, detail, accepted}]} as JSON' },
	},
	async run(ctx) {
		const plan = resolvePlan(ctx.workspace, ctx.env);
		const approval = readApproval(ctx.workspace, ctx.env);
		const diff = diffPlans(approval?.plan, plan);
		const container = examineWorkspaceSafely(ctx.workspace, { accepted: plan.terms });
		if (ctx.values.json) {
			const json = {
				...planToJson(plan),
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
		if (approval?.planHash !== plan.hash) {
			ctx.stdout.write('\nNot approved yet: run `airlock approve` to review and approve it.\n');
		}
		return EXIT_OK;
	},
};
