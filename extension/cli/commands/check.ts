import type { Command } from '../command';
import { EXIT_CHECK_FAILED, EXIT_OK } from '../command';
import { readApproval, readApprovedPolicy } from '../../core/approvals';
import { APPROVAL_LOCK_PATH, approvalLockText, compareWithLock, readApprovalLock } from '../../core/approvalLock';
import { diffPlans, readLayers, resolvePlan } from '../../core/plan';
import { checkDevcontainer, featureDecisionFor } from '../../core/devcontainer';
import type { EnforcedPolicy } from '../../core/enforcedPolicy';
import { formatProblem } from '../../core/errors';
import { resolveFeatureRef } from '../../docker/devcontainerCli';
import { generateOptionSpecs, generateOptionsFrom } from './generate';
import { formatDiff } from '../format';
import { refuseUnacceptedBlockers } from '../findings';
import { CliError } from '../command';
import { InvalidInputError } from '../../core/errors';

/**
 * `airlock check`: exit 1 unless the policy, the approval and devcontainer.json agree.
 *
 * On a machine that approved the workspace, the host record is the reference (and the committed
 * `.devcontainer/airlock.lock` must match it). On a machine with no approval of its own (CI, a
 * fresh clone at another path), the committed lock is the reference: `airlock.yaml` must resolve
 * to what it records and devcontainer.json must carry exactly its policy. Either way nothing is
 * enforced: `check` reads and compares only.
 */
export const checkCommand: Command = {
	name: 'check',
	summary: 'for CI: exit 1 when the policy is unapproved, devcontainer.json, the Feature copy or .devcontainer/airlock.lock is out of step, or the container has a blocker the plan does not accept',
	options: generateOptionSpecs,
	async run(ctx) {
		const plan = resolvePlan(ctx.workspace, ctx.env);
		const approval = readApproval(ctx.workspace, ctx.env);
		const failures: string[] = [];
		const lock = readApprovalLock(ctx.workspace);
		let reference: { policy: EnforcedPolicy; planHash: string; by: string; terms: readonly string[] } | undefined;

		if (approval) {
			if (approval.planHash !== plan.hash) {
				failures.push(`the policy has changes that are not approved:\n${formatDiff(diffPlans(approval.plan, plan), approval)}\n  run \`airlock approve\` to review and approve them`);
			}
			const approved = readApprovedPolicy(ctx.workspace, ctx.env);
			if (approved) {
				reference = { policy: approved.policy, planHash: approved.planHash, by: `approved on this machine by ${approved.approvedBy} at ${approved.approvedAt}`, terms: approved.terms };
			}
			if (lock.kind === 'missing') {
				failures.push(`${lock.file}: missing; it records the approved plan for review and for \`airlock check\` in CI. Run \`airlock generate\` to write it from this machine's approval, and commit it`);
			} else if (lock.kind === 'invalid') {
				failures.push(lock.problems.map(formatProblem).join('\n'));
			} else if (lock.lock.planHash !== approval.planHash) {
				failures.push(`${lock.file}: records the plan ${lock.lock.planHash} approved by ${lock.lock.approvedBy} at ${lock.lock.approvedAt}, not the one approved on this machine (${approval.planHash}). Review with \`airlock plan\` and approve with \`airlock approve\` (that rewrites the lock)`);
			} else if (lock.text !== approvalLockText(approval)) {
				failures.push(`${lock.file}: differs from this machine's approval of the same plan (edited by hand?); run \`airlock generate\` to rewrite it`);
			}
		} else if (lock.kind === 'missing') {
			failures.push(`nothing is approved on this machine and the repository has no ${APPROVAL_LOCK_PATH}: run \`airlock approve\` where the repository is reviewed, and commit ${APPROVAL_LOCK_PATH}`);
		} else if (lock.kind === 'invalid') {
			failures.push(lock.problems.map(formatProblem).join('\n'));
		} else {
			const problems = compareWithLock(plan, lock, readLayers(ctx.workspace, ctx.env).project);
			if (problems.length > 0) {
				failures.push(`airlock.yaml is out of step with the approved plan in ${APPROVAL_LOCK_PATH}:\n${problems.map((p) => `  ${formatProblem(p).replace(/\n/g, '\n  ')}`).join('\n')}`);
			}
			reference = { policy: lock.policy, planHash: lock.lock.planHash, by: `recorded in ${APPROVAL_LOCK_PATH}, approved by ${lock.lock.approvedBy} at ${lock.lock.approvedAt}`, terms: lock.lock.terms };
		}

		if (reference) {
			const options = generateOptionsFrom(ctx.values, ctx.workspace, process.cwd(), reference);
			const result = checkDevcontainer(ctx.workspace, reference.policy, options);
			if (!result.ok) {
				failures.push(`${result.file ?? 'devcontainer.json'} is out of step with the approved plan:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`);
			}
			const decision = featureDecisionFor(ctx.workspace, options.feature);
			if (decision.source.kind === 'published') {
				const resolved = await resolveFeatureRef(decision.source.ref, { env: ctx.env });
				if (!resolved.ok) {
					failures.push(`the Feature ${decision.source.ref} that devcontainer.json references cannot be fetched: ${resolved.why}. Check the registry and your \`docker login\`, publish it with scripts/publish-feature.sh, or drop --feature-ref (and the reference) to use the Feature that ships with Airlock`);
				}
			}
		}
		// Settings that defeat the lock must be accepted by the approved plan (this machine's, or the committed lock's).
		const containerFailure = checkContainerFindings(ctx.workspace, reference?.terms ?? [], plan.terms);
		if (containerFailure) {
			failures.push(containerFailure);
		}
		if (failures.length > 0) {
			ctx.stderr.write(failures.map((f) => `airlock check: ${f}`).join('\n') + '\n');
			return EXIT_CHECK_FAILED;
		}
		ctx.stdout.write(`OK: the policy, devcontainer.json and ${APPROVAL_LOCK_PATH} agree with the approved plan ${reference?.planHash ?? plan.hash} (${reference?.by ?? 'approved'}), and the container has no blocker the plan does not accept.\n`);
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
