import type { CliContext, Command } from '../command';
import { EXIT_OK } from '../command';
import { formatProxyLogEntry, isDenied, parseProxyLog, type ProxyLogEntry } from '../../core/proxyLog';
import { createDockerClient } from '../../docker/connect';
import { readLockLog } from '../../docker/lock';
import { ProxyLogFollower, type FollowerStateChange } from '../../docker/logStream';
import { describeContainer, requireRunningContainer, withDockerErrors } from './status';

function timeText(entry: ProxyLogEntry): string {
	return new Date(entry.time * 1000).toISOString();
}

/** Prints one entry as the flags ask (or nothing when --blocked filters it out). */
function printer(ctx: CliContext): (entry: ProxyLogEntry, raw: string) => void {
	const blockedOnly = ctx.values.blocked === true;
	const json = ctx.values.json === true;
	return (entry, raw) => {
		if (blockedOnly && !isDenied(entry)) {
			return;
		}
		ctx.stdout.write(json ? `${raw.trim()}\n` : `${timeText(entry)}  ${formatProxyLogEntry(entry)}\n`);
	};
}

function describeState(change: FollowerStateChange): string {
	switch (change.state) {
		case 'following':
			return `following the proxy log of ${change.container ? describeContainer(change.container) : 'the workspace container'} (Ctrl-C to stop)`;
		case 'waiting-for-container':
			// The follower's plain "no running container" detail would only repeat the sentence.
			return `no locked container is running for this workspace${change.detail && !change.detail.startsWith('no running container') ? ` (${change.detail})` : ''}; waiting for one to start — run \`airlock up\``;
		case 'engine-unreachable':
			return `${change.detail ?? 'Docker engine not reachable'} (start Docker; this keeps retrying)`;
		case 'starting':
			return 'starting';
		case 'stopped':
			return 'stopped';
	}
}

/** Follows until SIGINT/SIGTERM; the follower survives container and engine restarts. */
async function follow(ctx: CliContext): Promise<number> {
	// No ping first: with the engine down, the follower says so and keeps retrying.
	const { docker } = await withDockerErrors(async () => createDockerClient(ctx.env));
	const follower = new ProxyLogFollower({ docker, workspace: ctx.workspace, from: ctx.values.new === true ? 'end' : 'beginning' });
	const print = printer(ctx);
	follower.on('entry', print);
	follower.on('state', (change) => {
		if (change.state !== 'stopped' && change.state !== 'starting') {
			ctx.stderr.write(`airlock logs: ${describeState(change)}\n`);
		}
	});
	await new Promise<void>((resolve) => {
		const finish = (): void => {
			process.off('SIGINT', finish);
			process.off('SIGTERM', finish);
			resolve();
		};
		process.on('SIGINT', finish);
		process.on('SIGTERM', finish);
		follower.start();
	});
	await follower.stop();
	return EXIT_OK;
}

export const logsCommand: Command = {
	name: 'logs',
	summary: 'show the proxy log of the workspace container: blocked and allowed requests',
	options: {
		follow: { type: 'boolean', short: 'f', description: 'keep following (across container and Docker restarts) until Ctrl-C' },
		blocked: { type: 'boolean', description: 'only requests the policy denied' },
		json: { type: 'boolean', description: 'print the raw JSON lines (docs/architecture.md §3)' },
		new: { type: 'boolean', description: 'with --follow: start at the end of the log, showing only new requests' },
	},
	async run(ctx) {
		if (ctx.values.follow) {
			return follow(ctx);
		}
		const { text } = await withDockerErrors(async () => {
			const { container, lock } = await requireRunningContainer(ctx);
			return { container, text: await readLockLog(lock) };
		});
		const print = printer(ctx);
		const { lines, skipped } = parseProxyLog(text);
		for (const { entry, raw } of lines) {
			print(entry, raw);
		}
		if (skipped > 0) {
			ctx.stderr.write(`airlock logs: skipped ${skipped} line(s) that are not proxy log entries.\n`);
		}
		return EXIT_OK;
	},
};
