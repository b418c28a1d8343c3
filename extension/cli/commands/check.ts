import type { Command } from '../command';
import { EXIT_CHECK_FAILED, EXIT_OK } from '../command';
import { readApproval, readApprovedPolicy } from '../../core/approvals';
import { diffPlans, resolvePlan } from '../../core/plan';
import { checkDevcontainer } from '../../core/devcontainer';
import { generateOptionSpecs, generateOptionsFrom } from './generate';
import { formatDiff } from '../format';
import { refuseUnacceptedBlockers } from '../findings';
import { CliError } from '../command';
import { InvalidInputError, formatProblem } from '../../core/errors';

export const checkCommand: Command = {
	name: 'check',
	summary: 'for CI: exit 1 when the policy is unapproved, devcontainer.json is out of step with the approved plan, or the container has a blocker the plan does not accept',
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
		const containerFailure = checkContainerFindings(ctx.workspace, approved?.terms ?? [], plan.terms);
		if (containerFailure) {
			failures.push(containerFailure);
		}
		if (failures.length > 0) {
			ctx.stderr.write(failures.map((f) => `airlock check: ${f}`).join('\n') + '\n');
			return EXIT_CHECK_FAILED;
		}
		ctx.stdout.write(`OK: the policy is approved (${plan.hash}), devcontainer.json is in step with it, and the container has no blocker the plan does not accept.\n`);
		return EXIT_OK;
	},
};

/** An unaccepted blocker in the container configuration, as a failure line (or undefined). */
function checkContainerFindings(workspace: string, approvedTerms: readonly string[], proposedTerms: readonly string[]): string | undefined {
	try {
		refuseUnacceptedBlockers(workspace, approvedTerms, proposedTerms);
		return undefined;
	} catch (err) {
		if (err instanceof CliError) {
			return `${err.message}${err.nextStep ? `\n  next: ${err.nextStep}` : ''}`;
		}
		if (err instanceof InvalidInputError) {
			return `the container configuration cannot be examined:\n${err.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
		}
		throw err;
	}
}
