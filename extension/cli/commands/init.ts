import type { CliContext, Command } from '../command';
import type { Topology } from '../../core/policyFile';
import { connectDocker } from '../../docker/connect';
import { describeCause } from '../../docker/errors';
import { sidecarSupport } from '../../docker/sidecarSupport';
import { CliError, EXIT_INVALID, EXIT_OK } from '../command';
import { detectPresets } from '../../core/detectPresets';
import { createPolicyFile, newPolicyText } from '../../core/policyEdit';
import { projectPolicyFile, resolvePlan } from '../../core/plan';
import { readFileIfExists } from '../../core/atomicFile';
import { formatPlan } from '../format';

/** The sidecar where this machine can run it (docs/sidecar.md), else single; with why. */
async function proposedTopology(ctx: CliContext): Promise<{ value: Topology; why: string }> {
	const topology = ctx.values.topology;
	if (topology === 'single' || topology === 'sidecar') {
		return { value: topology, why: `the ${topology} topology, as asked (--topology)` };
	}
	if (topology !== undefined) {
		throw new CliError(`--topology must be single or sidecar, got ${JSON.stringify(topology)}`, EXIT_INVALID);
	}
	try {
		const { docker } = await connectDocker(ctx.env);
		const support = await sidecarSupport(docker, ctx.env);
		return { value: support.supported ? 'sidecar' : 'single', why: support.why };
	} catch (err) {
		return { value: 'single', why: `the single topology: the Docker engine is not reachable (${describeCause(err)}), so the sidecar could not be checked` };
	}
}

export const initCommand: Command = {
	name: 'init',
	summary: 'create .devcontainer/airlock.yaml with presets proposed from what the repository holds, then show the plan',
	options: {
		mode: { type: 'string', description: 'enforce (default) or audit' },
		topology: { type: 'string', description: 'single or sidecar (default: sidecar where this machine can run it)' },
	},
	async run(ctx) {
		const file = projectPolicyFile(ctx.workspace);
		if (readFileIfExists(file) !== undefined) {
			ctx.stdout.write(`${file} already exists; leaving it as it is.\n\n`);
		} else {
			const mode = ctx.values.mode === 'audit' ? 'audit' : 'enforce';
			if (ctx.values.mode !== undefined && ctx.values.mode !== 'audit' && ctx.values.mode !== 'enforce') {
				ctx.stderr.write(`airlock init: --mode must be enforce or audit, got ${JSON.stringify(ctx.values.mode)}\n`);
				return 2;
			}
			const suggestions = detectPresets(ctx.workspace);
			const topology = await proposedTopology(ctx);
			createPolicyFile(ctx.workspace, newPolicyText({ mode, presets: suggestions.map((s) => s.preset), topology }));
			ctx.stdout.write(`Created ${file}\n`);
			ctx.stdout.write(`  topology ${topology.value}: ${topology.why.replace(/^the (single|sidecar) topology: /, '')}\n`);
			for (const s of suggestions) {
				ctx.stdout.write(`  preset ${s.preset}: because of ${s.because}\n`);
			}
			ctx.stdout.write('\n');
		}
		ctx.stdout.write(formatPlan(resolvePlan(ctx.workspace, ctx.env), ctx.workspace) + '\n\n');
		ctx.stdout.write('Next: edit the file if needed, then `airlock approve` to approve the plan and `airlock generate` to write devcontainer.json.\n');
		return EXIT_OK;
	},
};
