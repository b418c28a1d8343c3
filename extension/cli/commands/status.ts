import type Docker from 'dockerode';
import type { CliContext, Command } from '../command';
import { CliError, EXIT_CHECK_FAILED, EXIT_OK } from '../command';
import { readApprovedPolicy } from '../../core/approvals';
import { connectDocker } from '../../docker/connect';
import { lockOf, readLockStatus, type LockLocation } from '../../docker/lock';
import { DockerLayerError, shortId } from '../../docker/errors';
import { findWorkspaceContainer, listWorkspaceContainers, type WorkspaceContainer } from '../../docker/findContainer';
import { isLocked, type AirlockStatus } from '../../docker/status';
import { acceptedFindingLines } from '../findings';

/*
 * Shared by the commands that talk to the workspace's container (status, verify, logs, up, down).
 */

/** Runs `body`, turning Docker-layer failures into CLI errors (exit 1: the check could not pass). */
export async function withDockerErrors<T>(body: () => Promise<T>): Promise<T> {
	try {
		return await body();
	} catch (err) {
		if (err instanceof DockerLayerError) {
			throw new CliError(err.message, EXIT_CHECK_FAILED, err.nextStep);
		}
		throw err;
	}
}

/**
 * The engine client, the workspace's running container and where its lock lives (its own
 * container, or the sidecar's proxy), or a CliError saying to run `airlock up`.
 */
export async function requireRunningContainer(ctx: CliContext): Promise<{ docker: Docker; container: WorkspaceContainer; lock: LockLocation }> {
	const { docker } = await connectDocker(ctx.env);
	const container = await findWorkspaceContainer(docker, ctx.workspace);
	if (!container) {
		const stopped = await listWorkspaceContainers(docker, ctx.workspace, { includeStopped: true });
		const note = stopped.length > 0 ? `; ${describeContainer(stopped[0])} is ${stopped[0].state}` : '';
		throw new CliError(`no running container for this workspace (${ctx.workspace})${note}`, EXIT_CHECK_FAILED, 'run `airlock up` to start it');
	}
	return { docker, container, lock: await lockOf(docker, container) };
}

export function describeContainer(container: Pick<WorkspaceContainer, 'id' | 'name'>): string {
	return `${container.name} (${shortId(container.id)})`;
}

/** One line per fact, for people. */
export function formatStatus(container: WorkspaceContainer, status: AirlockStatus, approvedHash: string | undefined, lock?: LockLocation): string[] {
	const state = status.state === 'locked' ? 'LOCKED' : status.state === 'weakened' ? 'LOCKED, WEAKENED' : 'NOT LOCKED';
	const sidecar = lock?.topology === 'sidecar';
	const lines = [
		`container: ${describeContainer(container)}${container.remoteUser ? `, remote user ${container.remoteUser}` : ''}`,
		`topology:  ${sidecar ? `sidecar — the proxy ${describeContainer(lock.control)} beside it${lock.gate ? `, the gate ${describeContainer(lock.gate)} holding its network` : ''}` : 'single — the proxy and firewall in the container'}`,
		`egress:    ${state}${status.reason ? ` — ${status.reason}` : ''} (since ${status.since})`,
		`mode:      ${status.mode}${status.mode === 'audit' ? ' (requests outside the allowlist are logged, not blocked)' : ''}`,
		`policy:    ${status.policyHash}, ${status.hosts} hosts${approvedHash === undefined ? '' : status.policyHash === approvedHash ? ' (the approved plan)' : ` — DIFFERS from the approved plan ${approvedHash}`}`,
		`proxy:     ${sidecar ? 'airlock-proxy' : '127.0.0.1'}:${status.proxyPort}, ${status.tunnels} open tunnels`,
	];
	return lines;
}

export const statusCommand: Command = {
	name: 'status',
	summary: 'show whether the workspace container\'s egress is locked, and by which policy',
	options: {
		json: { type: 'boolean', description: 'print the status as JSON (with the container and the approved plan hash)' },
	},
	async run(ctx) {
		const { container, status, lock } = await withDockerErrors(async () => {
			const { container: found, lock: at } = await requireRunningContainer(ctx);
			return { container: found, lock: at, status: await readLockStatus(at) };
		});
		const approved = readApprovedPolicy(ctx.workspace, ctx.env);
		const approvedHash = approved?.policyHash;
		const drift = approvedHash !== undefined && approvedHash !== status.policyHash;
		const accepted = acceptedFindingLines(ctx.workspace, approved?.terms ?? []);
		if (ctx.values.json) {
			ctx.stdout.write(JSON.stringify({
				...status,
				container: { id: container.id, name: container.name, remoteUser: container.remoteUser ?? null },
				topology: lock.topology,
				...(lock.topology === 'sidecar' ? { proxyContainer: { id: lock.control.id, name: lock.control.name } } : {}),
				approvedPlanHash: approvedHash ?? null,
				acceptedFindings: accepted.ids,
			}) + '\n');
		} else {
			ctx.stdout.write([...formatStatus(container, status, approvedHash, lock), ...accepted.lines].join('\n') + '\n');
		}
		if (!isLocked(status)) {
			throw new CliError(`egress is NOT LOCKED in ${describeContainer(container)}${status.reason ? `: ${status.reason}` : ''}`, EXIT_CHECK_FAILED,
				'look at `docker logs ' + container.name + '`, then rebuild with `airlock up`');
		}
		if (drift) {
			throw new CliError(`the container enforces ${status.policyHash}, not the approved plan ${approvedHash}`, EXIT_CHECK_FAILED,
				'run `airlock up` to rebuild with the approved plan (or `airlock check` to see what differs)');
		}
		return EXIT_OK;
	},
};
