import type { Command } from '../command';
import { EXIT_CHECK_FAILED, EXIT_INVALID, EXIT_OK } from '../command';
import { runVerify } from '../../docker/control';
import { describeContainer, requireRunningContainer, withDockerErrors } from './status';

export const verifyCommand: Command = {
	name: 'verify',
	summary: 'probe the workspace container from the inside: the allowed path must work and every way around the proxy must be blocked',
	options: {
		json: { type: 'boolean', description: 'pass --json to airlock-ctl verify (machine-readable probe results)' },
	},
	async run(ctx) {
		const { container, result } = await withDockerErrors(async () => {
			const { docker, container: found } = await requireRunningContainer(ctx);
			return { container: found, result: await runVerify(docker, found.id, ctx.values.json ? ['--json'] : []) };
		});
		ctx.stdout.write(result.stdout);
		ctx.stderr.write(result.stderr);
		if (result.exitCode === EXIT_OK) {
			return EXIT_OK;
		}
		if (!ctx.values.json) {
			ctx.stderr.write(result.exitCode === EXIT_CHECK_FAILED
				? `airlock verify: a probe got out of ${describeContainer(container)}, or the positive control failed (see above).\n  next: run \`airlock status\`; rebuild with \`airlock up\` if it is not locked.\n`
				: `airlock verify: airlock-ctl verify failed in ${describeContainer(container)} (exit ${result.exitCode}).\n  next: look at the message above and \`docker logs ${container.name}\`.\n`);
		}
		return result.exitCode === EXIT_INVALID ? EXIT_INVALID : EXIT_CHECK_FAILED;
	},
};
