import type { Command } from '../command';
import { CliError, EXIT_CHECK_FAILED, EXIT_OK } from '../command';
import { enforceApproved, readLockStatus } from '../../docker/lock';
import { isLocked } from '../../docker/status';
import { requireApprovedPolicy } from './generate';
import { describeContainer, requireRunningContainer, withDockerErrors } from './status';

/**
 * `airlock apply`: the approved plan into the running container, live, through the same
 * function the editor's Approve uses (`enforceApproved`: apply, then check the hash the proxy
 * reports). The container validates the policy with the same grammar and keeps its previous one
 * on any error, so a failed apply never opens anything.
 */
export const applyCommand: Command = {
	name: 'apply',
	summary: 'apply the approved plan to the running container now, without a rebuild',
	options: {
		json: { type: 'boolean', description: 'print {"containerId","policyHash","planHash","locked"} as one JSON line' },
	},
	async run(ctx) {
		const approved = requireApprovedPolicy(ctx.workspace, ctx.env);
		const { container, status } = await withDockerErrors(async () => {
			const { container: found, lock } = await requireRunningContainer(ctx);
			await enforceApproved(lock, approved);
			return { container: found, status: await readLockStatus(lock) };
		});
		const locked = isLocked(status);
		if (ctx.values.json) {
			ctx.stdout.write(JSON.stringify({ containerId: container.id, policyHash: status.policyHash, planHash: approved.planHash, locked }) + '\n');
		} else {
			ctx.stdout.write(`Applied the approved plan ${approved.planHash} to ${describeContainer(container)}: it enforces ${status.hosts} hosts (policy ${status.policyHash}), mode ${status.mode}.\n`);
		}
		if (!locked) {
			throw new CliError(`the policy is in place but egress is NOT LOCKED in ${describeContainer(container)}${status.reason ? `: ${status.reason}` : ''}`, EXIT_CHECK_FAILED, 'run `airlock status`, then `airlock up` to rebuild');
		}
		return EXIT_OK;
	},
};
