import type Docker from 'dockerode';
import type { ApprovedPolicy } from '../core/approvals';
import { applyPolicy } from './control';
import { DockerLayerError, shortId } from './errors';
import { findWorkspaceContainer, type WorkspaceContainer } from './findContainer';

/**
 * Where a workspace's lock lives: the container the agent works in, and the container whose
 * `airlock-ctl` enforces the policy. In the single topology both are the same container.
 * Everything above the Docker layer (CLI, editor) reaches the lock through this, so no front
 * end needs code of its own for a topology.
 */
export interface LockLocation {
	readonly docker: Docker;
	readonly topology: 'single' | 'sidecar';
	/** The agent's container: what `up` reports as `containerId`, what people open. */
	readonly agent: Pick<WorkspaceContainer, 'id' | 'name'>;
	/** The container that runs the proxy and `airlock-ctl` (apply, status, verify, the log). */
	readonly control: Pick<WorkspaceContainer, 'id' | 'name'>;
}

/** The lock of a container that holds its own proxy (the single topology). */
export function lockInContainer(docker: Docker, container: Pick<WorkspaceContainer, 'id' | 'name'>): LockLocation {
	return { docker, topology: 'single', agent: container, control: container };
}

/** The lock of the workspace's running container, or undefined when none runs. */
export async function findWorkspaceLock(docker: Docker, workspace: string): Promise<LockLocation | undefined> {
	const container = await findWorkspaceContainer(docker, workspace);
	return container ? lockInContainer(docker, container) : undefined;
}

/** The container took a policy, but not the approved one (it reports another hash). */
export class PolicyMismatchError extends DockerLayerError {
	constructor(readonly containerId: string, readonly reported: string, readonly approved: string) {
		super(`container ${shortId(containerId)} reports policy ${reported} after the apply, not the approved ${approved}`,
			'the Feature in the container may be older than this Airlock; rebuild it with `airlock up`');
	}
}

/**
 * The one way an approval is enforced, for the editor and the CLI alike: send the approved
 * canonical text to the lock and check that the proxy now reports exactly the approved policy
 * hash. On any error the proxy keeps its previous policy (airlock-ctl apply is atomic).
 */
export async function enforceApproved(lock: LockLocation, approved: ApprovedPolicy): Promise<{ policyHash: string }> {
	const { policyHash } = await applyPolicy(lock.docker, lock.control.id, approved.text);
	if (policyHash !== approved.policyHash) {
		throw new PolicyMismatchError(lock.control.id, policyHash, approved.policyHash);
	}
	return { policyHash };
}
