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
	/** Compose services whose network namespace the lock controls (sharing it is not a finding). */
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
