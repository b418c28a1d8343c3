import * as path from 'node:path';
import type { Command } from '../command';
import { CliError, EXIT_CHECK_FAILED, EXIT_OK } from '../command';
import { readApprovedPolicy } from '../../core/approvals';
import { syncApprovalLock } from '../../core/approvalLock';
import { resolvePlan, topologyOfTerms } from '../../core/plan';
import { featureRefProblem, planDevcontainer, writeDevcontainer, type GenerateOptions } from '../../core/devcontainer';
import { InvalidInputError } from '../../core/errors';

/** Options shared by `generate`, `check`, `up` and `apply`: where the Feature comes from and how it runs. */
export const generateOptionSpecs = {
	'feature-ref': { type: 'string', description: 'reference a Feature you published to an OCI registry (e.g. ghcr.io/acme/features/airlock:0) instead of the copy that ships with Airlock' },
	'feature-path': { type: 'string', description: 'copy this Feature folder into .devcontainer/airlock instead of the one that ships with Airlock (for Feature development)' },
	'proxy-port': { type: 'string', description: 'the proxy port inside the container (default 3128)' },
	'allow-sudo': { type: 'boolean', description: 'keep the remote user\'s sudo (the status then says "weakened")' },
} as const;

/** `source`: the approved plan (or the committed lock's): its policy, and its terms, which say the topology. */
export function generateOptionsFrom(values: Record<string, unknown>, workspace: string, cwd: string, source: { readonly policy: GenerateOptions['policy']; readonly terms: readonly string[] }): GenerateOptions {
	const featurePath = values['feature-path'];
	const featureRef = values['feature-ref'];
	if (typeof featurePath === 'string' && typeof featureRef === 'string') {
		throw new CliError('--feature-path and --feature-ref name two different Features; give one of them');
	}
	if (typeof featureRef === 'string') {
		const problem = featureRefProblem(featureRef, { file: '--feature-ref', line: 1, column: 1 });
		if (problem !== undefined) {
			throw new InvalidInputError([problem]);
		}
	}
	const portText = values['proxy-port'];
	let proxyPort: number | undefined;
	if (typeof portText === 'string') {
		proxyPort = Number(portText);
		if (!/^[0-9]{1,5}$/.test(portText) || proxyPort < 1 || proxyPort > 65535) {
			throw new CliError(`--proxy-port must be a port number 1-65535, got ${JSON.stringify(portText)}`);
		}
	}
	return {
		workspace,
		policy: source.policy,
		topology: topologyOfTerms(source.terms),
		...(typeof featurePath === 'string' ? { feature: { kind: 'local' as const, featureDir: path.resolve(cwd, featurePath), origin: 'feature-path' as const } } : {}),
		...(typeof featureRef === 'string' ? { feature: { kind: 'published' as const, ref: featureRef } } : {}),
		...(proxyPort !== undefined ? { proxyPort } : {}),
		...(values['allow-sudo'] === true ? { allowSudo: true } : {}),
	};
}

/** One line about `.devcontainer/airlock.lock` after syncApprovalLock, or undefined when there is nothing to say. */
export function lockSyncMessage(sync: ReturnType<typeof syncApprovalLock>): string | undefined {
	if (sync.state === 'written') {
		return `Wrote ${sync.file} from this machine's approval (commit it: \`airlock check\` in CI reads it).`;
	}
	if (sync.state === 'other-approval' && sync.other) {
		return `Note: ${sync.file} records another approval (${sync.other.planHash} by ${sync.other.approvedBy} at ${sync.other.approvedAt}); it was left as it is. Review with \`airlock plan\` and run \`airlock approve\` to replace it.`;
	}
	return undefined;
}

/** The approved policy, or a CliError that says how to get one. */
export function requireApprovedPolicy(workspace: string, env: NodeJS.ProcessEnv) {
	const approved = readApprovedPolicy(workspace, env);
	if (!approved) {
		throw new CliError('nothing has been approved for this workspace yet', EXIT_CHECK_FAILED, 'run `airlock plan` to review the plan and `airlock approve` to approve it');
	}
	return approved;
}

export const generateCommand: Command = {
	name: 'generate',
	summary: 'write or merge devcontainer.json from the approved plan (never from unapproved entries)',
	options: generateOptionSpecs,
	async run(ctx) {
		const approved = requireApprovedPolicy(ctx.workspace, ctx.env);
		const options = generateOptionsFrom(ctx.values, ctx.workspace, process.cwd(), approved);
		const plan = planDevcontainer(options);
		ctx.stdout.write(`Feature: ${plan.feature.why}.\n`);
		if (plan.changed) {
			writeDevcontainer(plan, options);
			ctx.stdout.write(`${plan.before === null ? 'Created' : 'Updated'} ${plan.file} from the approved plan ${approved.planHash}${plan.createdFrom ? `, ${plan.createdFrom}` : ''}.\n`);
			if (plan.localFeatureStale && plan.localFeatureTarget) {
				ctx.stdout.write(`Wrote the Feature copy ${plan.localFeatureTarget} (commit it with the repository).\n`);
			}
		} else {
			ctx.stdout.write(`${plan.file} is already in step with the approved plan ${approved.planHash}.\n`);
		}
		const lockNote = lockSyncMessage(syncApprovalLock(ctx.workspace, approved.record));
		if (lockNote) {
			ctx.stdout.write(lockNote + '\n');
		}
		const current = resolvePlan(ctx.workspace, ctx.env);
		if (current.hash !== approved.planHash) {
			ctx.stdout.write('Note: airlock.yaml has changes that are not approved; they were not written. Run `airlock approve` to review them.\n');
		}
		return EXIT_OK;
	},
};
