import type { Command } from '../command';
import { EXIT_OK } from '../command';
import { detectPresets } from '../../core/detectPresets';
import { createPolicyFile, newPolicyText } from '../../core/policyEdit';
import { projectPolicyFile, resolvePlan } from '../../core/plan';
import { readFileIfExists } from '../../core/atomicFile';
import { formatPlan } from '../format';

export const initCommand: Command = {
	name: 'init',
	summary: 'create .devcontainer/airlock.yaml with presets proposed from what the repository holds, then show the plan',
	options: {
		mode: { type: 'string', description: 'enforce (default) or audit' },
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
			createPolicyFile(ctx.workspace, newPolicyText({ mode, presets: suggestions.map((s) => s.preset) }));
			ctx.stdout.write(`Created ${file}\n`);
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
