/**
 * The findings Airlock reports about the container itself (not the allowlist): each id is
 * stable (scripts, CI and `accept:` entries name it), with the rule that decides its severity
 * and one sentence on what it lets the agent do, shown wherever an acceptance is reviewed.
 * docs/policy.md ("Container findings") documents the same table.
 */
export const FINDING_IDS = [
	'host-network',
	'privileged',
	'engine-socket',
	'docker-in-docker',
	'host-pid',
	'device',
	'added-capability',
	'security-opt-weakened',
	'host-secret-mount',
	'host-secret-env',
	'ssh-agent-forwarding',
	'git-credential-forwarding',
	'browser-forwarding',
	'published-port',
	'host-code-writable',
	'host-ipc',
	'reachable-service',
] as const;

export type FindingId = (typeof FINDING_IDS)[number];

export type Severity = 'blocker' | 'warning';

/**
 * How the severity is decided (see severity.ts): settings that reach the host or the engine are
 * blockers whoever the agent is; capabilities and weakened confinement are blockers only where
 * the agent can use them; the rest are warnings, shown but never refused.
 */
export type SeverityRule = 'always-blocker' | 'agent-dependent' | 'always-warning';

export interface FindingKind {
	readonly id: FindingId;
	readonly rule: SeverityRule;
	/** Short name for lists and the review. */
	readonly title: string;
	/** What it lets the agent do, for the review of an acceptance (like a risky host's note). */
	readonly risk: string;
}

const kinds: readonly FindingKind[] = [
	{ id: 'host-network', rule: 'always-blocker', title: "The host's network (or another container's)", risk: "the container uses a network namespace Airlock does not lock, so every process reaches the network directly and the proxy is bypassed" },
	{ id: 'privileged', rule: 'always-blocker', title: 'Privileged container', risk: 'a privileged container can load kernel modules, mount the host\'s disks and change any firewall rule, so the lock holds only as long as nothing tries' },
	{ id: 'engine-socket', rule: 'always-blocker', title: 'Container engine socket', risk: 'with the Docker, Podman or containerd socket the agent can start a container of its own with full network access, or one that mounts the host' },
	{ id: 'docker-in-docker', rule: 'always-blocker', title: 'Docker in (or outside of) Docker', risk: 'a Docker engine the agent controls (inside, which needs a privileged container, or the host\'s, through its socket) starts containers the lock does not cover' },
	{ id: 'host-pid', rule: 'always-blocker', title: "The host's processes", risk: "the container sees the host's processes and can reach their files and namespaces through /proc" },
	{ id: 'device', rule: 'always-blocker', title: 'Host device', risk: 'a host device in the container (for example /dev/net/tun, a disk or /dev) gives the agent hardware or network paths the firewall does not govern' },
	{ id: 'added-capability', rule: 'agent-dependent', title: 'Added capability', risk: 'a root agent with this capability can change the firewall, load code into the kernel or escape the container' },
	{ id: 'security-opt-weakened', rule: 'agent-dependent', title: 'Weakened confinement', risk: 'seccomp, AppArmor or SELinux confinement switched off (or no-new-privileges off) opens kernel interfaces a root agent can use to undo the lock' },
	{ id: 'host-secret-mount', rule: 'always-warning', title: 'Host secrets mounted', risk: "the agent can read credentials from the host's home folder and use them with any allowlisted service" },
	{ id: 'host-secret-env', rule: 'always-warning', title: 'Host secrets in the environment', risk: 'the agent can read a credential passed in from the host and use it with any allowlisted service' },
	{ id: 'ssh-agent-forwarding', rule: 'always-warning', title: 'SSH agent forwarded', risk: 'the agent can sign in with your SSH keys wherever they open, through every allowlisted SSH host' },
	{ id: 'git-credential-forwarding', rule: 'always-warning', title: 'Git credentials forwarded', risk: 'the agent can push, or call your Git host\'s API, with your credentials' },
	{ id: 'browser-forwarding', rule: 'always-warning', title: "The host's browser", risk: "the agent can open any URL in your browser on the host, outside the container's network" },
	{ id: 'published-port', rule: 'always-warning', title: "Port published on all of the host's interfaces", risk: "anything on the host's networks can connect to a server the agent runs" },
	{ id: 'host-code-writable', rule: 'always-warning', title: 'Code that runs on the host is writable', risk: 'the agent can write git hooks, git configuration or editor tasks that run on the host when you commit or open the folder there' },
	{ id: 'host-ipc', rule: 'always-warning', title: "The host's IPC namespace", risk: "the container shares shared memory and message queues with the host's processes" },
	{ id: 'reachable-service', rule: 'always-warning', title: 'A service the agent reaches directly', risk: 'a service on the agent\'s internal network that has a network of its own is a relay the proxy never sees: what the agent sends it can go anywhere that service reaches' },
];

export const FINDING_KINDS: Readonly<Record<FindingId, FindingKind>> = Object.fromEntries(kinds.map((k) => [k.id, k])) as Record<FindingId, FindingKind>;

export function isFindingId(value: unknown): value is FindingId {
	return typeof value === 'string' && (FINDING_IDS as readonly string[]).includes(value);
}

/** The plan term an acceptance adds (it is in the plan hash, never sent to the proxy). */
export function acceptTerm(id: FindingId): string {
	return `accept ${id}`;
}

/** The finding ids a plan's terms accept. */
export function acceptedIdsOf(terms: readonly string[]): FindingId[] {
	return terms.flatMap((t) => {
		const id = t.startsWith('accept ') ? t.slice('accept '.length) : undefined;
		return isFindingId(id) ? [id] : [];
	});
}
