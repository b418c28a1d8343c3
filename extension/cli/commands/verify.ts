import type { CliContext, Command } from '../command';
import { EXIT_CHECK_FAILED, EXIT_INVALID, EXIT_OK } from '../command';
import { verifyLock } from '../../docker/lock';
import { describeContainer, requireRunningContainer, withDockerErrors } from './status';

/** The flags airlock-ctl verify takes, from ours. */
function verifyArgs(values: CliContext['values']): string[] {
	const args: string[] = values.json ? ['--json'] : [];
	const control = values['control-host'];
	if (typeof control === 'string') {
		args.push('--control-host', control);
	}
	const probes = values['probe-host'];
	for (const probe of Array.isArray(probes) ? probes : []) {
		if (typeof probe === 'string') {
			args.push('--probe-host', probe);
		}
	}
	return args;
}

export const verifyCommand: Command = {
	name: 'verify',
	summary: 'probe the workspace container from the inside: the allowed path must work and every way around the proxy must be blocked',
	options: {
		json: { type: 'boolean', description: 'pass --json to airlock-ctl verify (machine-readable probe results)' },
		'control-host': { type: 'string', description: 'allowlisted host for the positive control (default: the first exact web host of the policy)' },
		'probe-host': { type: 'string', multiple: true, description: 'IPv4/IPv6 address the leak probes aim at instead of public ones (repeatable)' },
	},
	async run(ctx) {
		const { container, result } = await withDockerErrors(async () => {
			const { container: found, lock } = await requireRunningContainer(ctx);
			return { container: found, result: await verifyLock(lock, verifyArgs(ctx.values)) };
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
