import * as readline from 'node:readline/promises';
import type { Command } from '../command';
import { EXIT_CHECK_FAILED, EXIT_OK } from '../command';
import { diffPlans, resolvePlan } from '../../core/plan';
import { approvalFile, readApproval, recordApproval } from '../../core/approvals';
import { approvalLockFile } from '../../core/approvalLock';
import { formatDiff } from '../format';
import { examineWorkspaceSafely, formatFindings } from '../findings';

export const approveCommand: Command = {
	name: 'approve',
	summary: 'show what the plan changes, ask for confirmation, and record the approval on this machine',
	options: {
		yes: { type: 'boolean', short: 'y', description: 'approve without asking' },
		note: { type: 'string', description: 'why you approve (kept in the approval record)' },
	},
	async run(ctx) {
		const plan = resolvePlan(ctx.workspace, ctx.env);
		const approval = readApproval(ctx.workspace, ctx.env);
		if (approval?.planHash === plan.hash) {
			ctx.stdout.write(`Already approved by ${approval.approvedBy} at ${approval.approvedAt} (${plan.hash}).\n`);
			return EXIT_OK;
		}
		ctx.stdout.write(formatDiff(diffPlans(approval?.plan, plan), approval) + '\n\n');
		// The container's own settings are part of what is reviewed: blockers are refused later by `up` and `check` unless accepted here.
		ctx.stdout.write(formatFindings(examineWorkspaceSafely(ctx.workspace, { accepted: plan.terms }), plan.acceptances) + '\n\n');
		if (!ctx.values.yes) {
			if (!ctx.interactive) {
				ctx.stderr.write('airlock approve: not approved: no terminal to ask on; pass --yes to approve non-interactively.\n');
				return EXIT_CHECK_FAILED;
			}
			const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stdout });
			const answer = await rl.question(`Approve this plan (${plan.entries.length} hosts, mode ${plan.mode})? [y/N] `);
			rl.close();
			if (!/^y(es)?$/i.test(answer.trim())) {
				ctx.stdout.write('Not approved; nothing changed.\n');
				return EXIT_CHECK_FAILED;
			}
		}
		const note = typeof ctx.values.note === 'string' ? ctx.values.note : undefined;
		const record = recordApproval(ctx.workspace, plan, { ...(note ? { note } : {}) }, ctx.env);
		ctx.stdout.write(`Approved ${record.planHash} as ${record.approvedBy}; recorded in ${approvalFile(ctx.workspace, ctx.env)} (what enforcement reads) and ${approvalLockFile(ctx.workspace)} (commit it: \`airlock check\` in CI reads it).\n`);
		ctx.stdout.write('Next: `airlock up` to start the locked container, or `airlock apply` to apply it to the running one (`airlock generate` writes devcontainer.json only).\n');
		return EXIT_OK;
	},
};
