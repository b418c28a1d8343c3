import type Docker from 'dockerode';
import type { ApprovedPolicy } from '../core/approvals';
import { AIRLOCK_CTL, applyPolicy, readLivePolicy, readProxyLog, readStatus, runVerify, type ControlUser } from './control';
import { ContainerNotRunningError, DockerLayerError, EngineRequestError, describeCause, engineStatusCode, shortId } from './errors';
import { findWorkspaceContainer, type WorkspaceContainer } from './findContainer';
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL } from './labels';
import type { AirlockStatus } from './status';

/**
 * Where a workspace's lock lives: the container the agent works in, and the container whose
 * `airlock-ctl` enforces the policy. In the single topology both are the same container; in the
 * sidecar topology (docs/sidecar.md) the proxy runs beside the agent and a gate container owns
 * the agent's network namespace. Everything above the Docker layer (CLI, editor) reaches the
 * lock through this module, so no front end needs code of its own for a topology.
 */
export interface LockLocation {
	readonly docker: Docker;
	readonly topology: 'single' | 'sidecar';
	/** The agent's container: what `up` reports as `containerId`, what people open. */
	readonly agent: Pick<WorkspaceContainer, 'id' | 'name'>;
	/** The container that runs the proxy and `airlock-ctl` (apply, status, the log). */
	readonly control: Pick<WorkspaceContainer, 'id' | 'name'>;
	/** Who runs `airlock-ctl` there. */
	readonly controlUser: ControlUser;
	/** Sidecar: the container whose network namespace the agent joins. */
	readonly gate?: Pick<WorkspaceContainer, 'id' | 'name'>;
}

/** The sidecar's Compose services (core/devcontainer/sidecar.ts writes them). */
export const SIDECAR_PROXY_SERVICE = 'airlock-proxy';
export const SIDECAR_GATE_SERVICE = 'airlock-gate';
/** Where the sidecar's proxy keeps the policy it enforces (its volume). */
export const SIDECAR_LIVE_POLICY_PATH = '/var/lib/airlock/policy';

/** The lock of a container that holds its own proxy (the single topology). */
export function lockInContainer(docker: Docker, container: Pick<WorkspaceContainer, 'id' | 'name'>): LockLocation {
	return { docker, topology: 'single', agent: container, control: container, controlUser: 'root' };
}

/** The container of `service` in a Compose project (running or not), newest first. */
async function composeService(docker: Docker, project: string, service: string): Promise<Pick<WorkspaceContainer, 'id' | 'name'> | undefined> {
	let infos: Docker.ContainerInfo[];
	try {
		infos = await docker.listContainers({ all: true, filters: { label: [`${COMPOSE_PROJECT_LABEL}=${project}`, `${COMPOSE_SERVICE_LABEL}=${service}`] } });
	} catch (err) {
		throw new EngineRequestError(`the Docker engine could not list the containers of Compose project ${project}: ${describeCause(err)}`);
	}
	const info = infos.sort((a, b) => b.Created - a.Created)[0];
	return info ? { id: info.Id, name: (info.Names?.[0] ?? info.Id).replace(/^\//, '') } : undefined;
}

/** The lock of an agent container: the sidecar's when its Compose project has Airlock's proxy. */
export async function lockOf(docker: Docker, agent: WorkspaceContainer): Promise<LockLocation> {
	const project = agent.labels[COMPOSE_PROJECT_LABEL];
	if (project !== undefined) {
		const proxy = await composeService(docker, project, SIDECAR_PROXY_SERVICE);
		if (proxy !== undefined) {
			const gate = await composeService(docker, project, SIDECAR_GATE_SERVICE);
			return { docker, topology: 'sidecar', agent, control: proxy, controlUser: 'proxy', ...(gate ? { gate } : {}) };
		}
	}
	return lockInContainer(docker, agent);
}

/** The lock of the workspace's running container, or undefined when none runs. */
export async function findWorkspaceLock(docker: Docker, workspace: string): Promise<LockLocation | undefined> {
	const container = await findWorkspaceContainer(docker, workspace);
	return container ? lockOf(docker, container) : undefined;
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
	const { policyHash } = await applyPolicy(lock.docker, lock.control.id, approved.text, lock.controlUser);
	if (policyHash !== approved.policyHash) {
		throw new PolicyMismatchError(lock.control.id, policyHash, approved.policyHash);
	}
	return { policyHash };
}

/** The canonical policy text the lock enforces now. */
export function readLockPolicy(lock: LockLocation): Promise<string> {
	return readLivePolicy(lock.docker, lock.control.id, lock.topology === 'sidecar' ? SIDECAR_LIVE_POLICY_PATH : undefined, lock.controlUser);
}

/** The whole proxy log so far. */
export function readLockLog(lock: LockLocation): Promise<string> {
	return readProxyLog(lock.docker, lock.control.id);
}

async function inspectOrUndefined(docker: Docker, id: string): Promise<Docker.ContainerInspectInfo | undefined> {
	try {
		return await docker.getContainer(id).inspect();
	} catch (err) {
		if (engineStatusCode(err) === 404) {
			return undefined;
		}
		throw new EngineRequestError(`the Docker engine could not inspect ${shortId(id)}: ${describeCause(err)}`);
	}
}

/**
 * Why the sidecar's agent is not closed in, or undefined when it is: the gate runs, is healthy
 * (its firewall is in place) and owns the agent's network namespace, and the agent is on no
 * network of its own.
 */
async function sidecarProblem(lock: LockLocation): Promise<string | undefined> {
	if (lock.gate === undefined) {
		return 'the gate container (airlock-gate), which closes the agent\'s network namespace, is missing';
	}
	const [gate, agent] = await Promise.all([inspectOrUndefined(lock.docker, lock.gate.id), inspectOrUndefined(lock.docker, lock.agent.id)]);
	if (!gate?.State.Running) {
		return `the gate ${lock.gate.name} is not running`;
	}
	const health = (gate.State as { Health?: { Status?: string } }).Health?.Status;
	if (health !== 'healthy') {
		return `the gate ${lock.gate.name} is ${health ?? 'without a health check'}, not healthy: the agent's network namespace is not known to be closed`;
	}
	const mode = agent?.HostConfig.NetworkMode ?? '';
	if (mode !== `container:${gate.Id}`) {
		return `the agent's container does not use the gate's network namespace (network mode ${JSON.stringify(mode)})`;
	}
	return undefined;
}

/**
 * True when a sidecar agent no longer shares the current gate's namespace (the gate was recreated
 * under it): it then has no network at all, and only recreating it joins it to the new gate.
 */
export async function isStrandedSidecarAgent(docker: Docker, agent: WorkspaceContainer): Promise<boolean> {
	const lock = await lockOf(docker, agent);
	if (lock.topology !== 'sidecar' || lock.gate === undefined) {
		return false;
	}
	const info = await inspectOrUndefined(docker, agent.id);
	return info !== undefined && info.HostConfig.NetworkMode !== `container:${lock.gate.id}`;
}

/**
 * The lock's status. Locked means ready: egress closed AND the proxy answering (the Feature's
 * status checks its proxy on every read). Single: what the Feature in the container says. Sidecar:
 * what the proxy says, made `not-locked` (with the reason) unless the gate holds the agent's
 * namespace closed.
 */
export async function readLockStatus(lock: LockLocation): Promise<AirlockStatus> {
	if (lock.topology === 'single') {
		return readStatus(lock.docker, lock.control.id);
	}
	const problem = await sidecarProblem(lock);
	let status: AirlockStatus;
	try {
		status = await readStatus(lock.docker, lock.control.id, lock.controlUser);
	} catch (err) {
		if (err instanceof ContainerNotRunningError && problem === undefined) {
			// The agent stays closed in (no route but to the proxy), but nothing gets through either:
			// locked means ready, so this is not-locked, and the reason says egress is closed.
			return {
				state: 'not-locked', reason: `egress is closed, but the proxy ${lock.control.name} is not running: nothing gets out until it is back (its restart policy restarts it after a crash)`,
				mode: 'enforce', policyHash: '', hosts: 0, tunnels: 0, proxyPort: 3128, since: new Date().toISOString(),
			};
		}
		throw err;
	}
	return problem === undefined ? status : { ...status, state: 'not-locked', reason: problem };
}

/**
 * Probes the lock from where the agent is. Single: `airlock-ctl verify` in the container, as the
 * remote user. Sidecar: the same probes in a throwaway container that joins the agent's network
 * namespace as root with Docker's default capabilities (raw sockets included): what a root
 * agent could do.
 */
export async function verifyLock(lock: LockLocation, args: readonly string[] = []): Promise<{ exitCode: number; output: string; stdout: string; stderr: string }> {
	if (lock.topology === 'single' || lock.gate === undefined) {
		return runVerify(lock.docker, lock.control.id, args);
	}
	const proxy = await inspectOrUndefined(lock.docker, lock.control.id);
	if (!proxy) {
		throw new ContainerNotRunningError(lock.control.id, 'the proxy container is gone');
	}
	// The probing container has the image's default policy, not the live one: name the control.
	const withControl = [...args];
	if (!withControl.includes('--control-host')) {
		const control = controlHostOf(await readLockPolicy(lock));
		if (control !== undefined) {
			withControl.push('--control-host', control);
		}
	}
	const container = await lock.docker.createContainer({
		Image: proxy.Image,
		User: 'root',
		Entrypoint: [AIRLOCK_CTL],
		Cmd: ['verify', '--from-agent', ...withControl],
		Labels: { 'airlock.verify': lock.agent.id },
		HostConfig: { NetworkMode: `container:${lock.gate.id}`, AutoRemove: false },
	});
	try {
		await container.start();
		const done = (await container.wait()) as { StatusCode: number };
		const logs = await container.logs({ stdout: true, stderr: true, follow: false });
		const { stdout, stderr } = demux(Buffer.isBuffer(logs) ? logs : Buffer.from(String(logs)));
		return { exitCode: done.StatusCode, output: stdout + stderr, stdout, stderr };
	} finally {
		await container.remove({ force: true }).catch(() => undefined);
	}
}

/** The first exact web host of canonical policy text (what the single topology's verify picks too). */
function controlHostOf(policyText: string): string | undefined {
	return policyText.split('\n').map((l) => /^allow ([^*:\s][^:\s]*)$/.exec(l)?.[1]).find((h): h is string => h !== undefined);
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into stdout and stderr. */
function demux(buffer: Buffer): { stdout: string; stderr: string } {
	let stdout = '';
	let stderr = '';
	let offset = 0;
	while (offset + 8 <= buffer.length) {
		const stream = buffer[offset];
		const size = buffer.readUInt32BE(offset + 4);
		const chunk = buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
		if (stream === 2) {
			stderr += chunk;
		} else {
			stdout += chunk;
		}
		offset += 8 + size;
	}
	return { stdout, stderr };
}
