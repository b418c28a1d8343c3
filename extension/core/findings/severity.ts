import { FINDING_KINDS, type FindingId, type Severity } from './catalog';

/**
 * Whether the agent can use what a capability or a weakened confinement setting gives: only
 * root holds capabilities, and under no-new-privileges a non-root agent cannot become root.
 * Both answers come from the topology and the configuration (see examine.ts), so a topology
 * where the agent is root passes its own.
 */
export interface AgentAccess {
	/** The agent may run as root (never in the single-container topology: the Feature refuses a root remote user). */
	readonly agentMayBeRoot: boolean;
	/** A setting switches no-new-privileges off, so setuid programs can make the agent root. */
	readonly noNewPrivilegesDefeated: boolean;
}

export function agentCanUsePrivileges(access: AgentAccess): boolean {
	return access.agentMayBeRoot || access.noNewPrivilegesDefeated;
}

/** Blockers reach the host or the engine whoever the agent is; agent-dependent ones only where it can use them. */
export function severityOf(id: FindingId, access: AgentAccess): Severity {
	switch (FINDING_KINDS[id].rule) {
		case 'always-blocker':
			return 'blocker';
		case 'always-warning':
			return 'warning';
		case 'agent-dependent':
			return agentCanUsePrivileges(access) ? 'blocker' : 'warning';
	}
}

/** The sentence that says why an agent-dependent finding got its severity (undefined for the others). */
export function severityReason(id: FindingId, access: AgentAccess): string | undefined {
	if (FINDING_KINDS[id].rule !== 'agent-dependent') {
		return undefined;
	}
	if (access.agentMayBeRoot) {
		return 'A blocker here: the agent may run as root in this container, and root can use it.';
	}
	if (access.noNewPrivilegesDefeated) {
		return 'A blocker here: no-new-privileges is switched off, so a setuid program can make the agent root, and root can use it.';
	}
	return id === 'added-capability'
		? 'A warning here, not a refusal: the agent runs as a non-root user under no-new-privileges, so it holds no capabilities and cannot gain them.'
		: 'A warning here, not a refusal: the agent runs as a non-root user under no-new-privileges, and what this opens does not let a non-root process change the firewall.';
}
