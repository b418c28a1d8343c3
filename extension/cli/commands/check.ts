import type { Command } from '../command';
import { EXIT_CHECK_FAILED, EXIT_OK } from '../command';
import { readApproval, readApprovedPolicy } from '../../core/approvals';
import { diffPlans, resolvePlan } from '../../core/plan';
import { checkDevcontainer } from '../../core/devcontainer';
import { generateOptionSpecs, generateOptionsFrom } from './generate';
import { formatDiff } from '../format';

export const checkCommand: Command = {
	name: 'check',
	summary: 'for CI: exit 1 when the policy is unapproved or devcontainer.json is out of step with the approved plan',
	options: generateOptionSpecs,
	async run(ctx) {
		const plan = resolvePlan(ctx.workspace, ctx.env);
		const approval = readApproval(ctx.workspace, ctx.env);
		const failures: string[] = [];
		if (!approval) {
			failures.push('nothing has been approved for this workspace: run `airlock approve`');
		} else if (approval.planHash !== plan.hash) {
			failures.push(`the policy has changes that are not approved:\n${formatDiff(diffPlans(approval.plan, plan), approval)}\n  run \`airlock approve\` to review and approve them`);
		}
		const approved = readApprovedPolicy(ctx.workspace, ctx.env);
		if (approved) {
			const options = generateOptionsFrom(ctx.values, ctx.workspace, process.cwd(), approved.policy);
			const result = checkDevcontainer(ctx.workspace, options.policy, options);
			if (!result.ok) {
				failures.push(`${result.file ?? 'devcontainer.json'} is out of step with the approved plan:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`);
			}
		}
		if (failures.length > 0) {
			ctx.stderr.write(failures.map((f) => `airlock check: ${f}`).join('\n') + '\n');
			return EXIT_CHECK_FAILED;
		}
		ctx.stdout.write(`OK: the policy is approved (${plan.hash}) and devcontainer.json is in step with it.\n`);
		return EXIT_OK;
	},
};
