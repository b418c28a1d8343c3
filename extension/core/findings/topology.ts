/**
 * What the lock's topology means for the findings: whether the agent can be root, which
 * capabilities the lock itself adds, whose network the lock controls, and whether other
 * services are reachable from the agent. The single-container topology answers from the
 * Feature; a sidecar topology passes its own answers (the agent may be root there, and the
 * services on its internal network are reachable).
 */
export interface LockTopology {
	readonly name: string;
	/** The agent may run as root in its container. */
	readonly agentMayBeRoot: boolean;
	/** Capabilities the lock adds to the agent's container itself (never a finding). */
	readonly lockCapabilities: readonly string[];
	/** The lock's own Compose services: sharing their network namespace is not a finding, nor are their settings. */
	readonly lockedServices: readonly string[];
	/** Other running services are reachable from the agent, so their settings count too. */
	readonly siblingsReachable: boolean;
}

/**
 * The Feature in the agent's own container: it refuses a root remote user at build time, sets
 * no-new-privileges and adds NET_ADMIN for its entrypoint. Its firewall closes every direct
 * connection, the other Compose services included, so only the agent's own service counts.
 */
export const SINGLE_CONTAINER: LockTopology = {
	name: 'single-container',
	agentMayBeRoot: false,
	lockCapabilities: ['NET_ADMIN'],
	lockedServices: [],
	siblingsReachable: false,
};

/**
 * The sidecar topology (docs/sidecar.md): the agent may be root in its container and keeps
 * Docker's default capabilities; the gate (which owns the agent's network namespace) and the
 * proxy are Airlock's own services; services on the internal network are reachable directly.
 */
export const SIDECAR: LockTopology = {
	name: 'sidecar',
	agentMayBeRoot: true,
	lockCapabilities: [],
	lockedServices: ['airlock-gate', 'airlock-proxy'],
	siblingsReachable: true,
};
