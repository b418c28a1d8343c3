import * as vscode from 'vscode';
import { formatAllowedLine, formatBlockedLine, isDenied, type ProxyLogEntry } from '../core/proxyLog';
import { describeBlockedRequest, isVerifyProbe, NotificationThrottle } from '../core/views/blockedHosts';
import { COMMAND } from '../core/views/commandIds';
import { ProxyLogFollower, type FollowerStateChange } from '../docker/logStream';
import { readLockStatus } from '../docker/lock';
import { UnexpectedControlOutputError } from '../docker/errors';
import { devContainerLabel } from '../docker/displayName';
import { listWorkspaceContainers } from '../docker/findContainer';
import type { AirlockSession } from './session';

/** At most one "new host blocked" notification in this interval; the rest are counted. */
const NOTIFY_INTERVAL_MS = 10_000;
/** A container that is still locking is asked again this often, this many times. */
const LOCK_RECHECK_MS = 2_000;
const LOCK_RECHECKS = 30;
/**
 * A locked container is asked again this often: a lock can fail later (the sidecar's gate stops,
 * the proxy dies) without the followed log saying so, and the status bar must not keep saying
 * "locked" then. One `airlock-ctl status` per interval.
 */
const STEADY_RECHECK_MS = 15_000;
/** The states of a container the follower has running: only these are the lock check's to change. */
const RUNNING_STATES: readonly string[] = ['starting', 'locked', 'weakened', 'not-locked'];

/**
 * Follows the container's proxy log and turns each blocked request into a log line, a tree
 * update and (once per new host, throttled) a notification. The follower itself reconnects
 * across container and engine restarts; this class says what is going on in words.
 */
export class BlockedLogWatcher implements vscode.Disposable {
	private follower: ProxyLogFollower | undefined;
	private readonly throttle = new NotificationThrottle(NOTIFY_INTERVAL_MS);
	private recheck: NodeJS.Timeout | undefined;
	/** Counts follower state changes, so an answer that arrives after a newer change is dropped. */
	private stateSeq = 0;
	/** Blocks logged before the editor started are history: counted and shown, not notified. */
	private readonly startedAt = Date.now();
	/**
	 * Read every entry first; one returning true takes it (the agent's access requests and the
	 * requests the exfiltration scorer flagged are shown apart from routine blocks).
	 */
	readonly entryHandlers: ((entry: ProxyLogEntry) => boolean)[] = [];

	constructor(
		private readonly session: AirlockSession,
		private readonly onFollowing: () => void,
	) {}

	start(): void {
		const workspace = this.session.hostPath;
		if (!workspace || this.follower) {
			return;
		}
		const follower = new ProxyLogFollower({ docker: this.session.docker, workspace, from: 'beginning' });
		follower.on('entry', (entry) => this.onEntry(entry));
		follower.on('state', (change) => void this.onState(change));
		this.follower = follower;
		follower.start();
	}

	private onEntry(entry: ProxyLogEntry): void {
		if (this.entryHandlers.some((take) => take(entry))) {
			return;
		}
		if (!isDenied(entry)) {
			this.session.output.trace(formatAllowedLine(entry));
			return;
		}
		if (isVerifyProbe(entry.host)) {
			// "Verify Lockdown" asking the proxy for a host it must refuse: expected, not the user's.
			this.session.output.info(`${formatBlockedLine(entry)} (Airlock's own verify probe: blocked as it should be)`);
			return;
		}
		this.session.output.warn(formatBlockedLine(entry));
		const { newHost } = this.session.blocked.record(entry);
		this.session.notifyBlockedChanged();
		if (newHost) {
			void this.notifyNewHost(entry);
		}
	}

	private async notifyNewHost(entry: ProxyLogEntry): Promise<void> {
		if (!vscode.workspace.getConfiguration('airlock').get<boolean>('notifyOnNewBlockedHost', true) || entry.time * 1000 < this.startedAt) {
			return;
		}
		if (!this.throttle.tryShow(Date.now())) {
			return;
		}
		const held = this.throttle.takeSuppressed();
		const more = held > 0 ? ` (and ${held} more new host${held === 1 ? '' : 's'})` : '';
		const line = describeBlockedRequest(entry).replace(/\.$/, '');
		const chosen = await vscode.window.showWarningMessage(`Airlock: ${line}${more}.`, 'Allow…', 'Show Blocked Hosts');
		if (chosen === 'Allow…') {
			await vscode.commands.executeCommand(COMMAND.allowHost, { host: entry.host, ports: [entry.port] });
		} else if (chosen === 'Show Blocked Hosts') {
			await vscode.commands.executeCommand(COMMAND.showBlocked);
		}
	}

	private async onState(change: FollowerStateChange): Promise<void> {
		const out = this.session.output;
		const seq = ++this.stateSeq;
		switch (change.state) {
			case 'following': {
				const label = change.container ? await this.labelOf(change.container.id, change.container.name) : undefined;
				if (seq !== this.stateSeq) {
					return;
				}
				const container = change.container ? { ...change.container, label: label ?? change.container.name } : undefined;
				const name = container ? `${container.label} (${container.name})` : 'the container';
				out.info(`Following the proxy log of container ${name}.`);
				this.session.update({ containerState: 'starting', ...(container ? { container } : {}), detail: `Container: ${name}` });
				await this.readLockState(change.container?.id);
				this.onFollowing();
				break;
			}
			case 'waiting-for-container': {
				const stopped = await this.stoppedContainer();
				if (seq !== this.stateSeq) {
					// The container came back meanwhile: this answer is stale.
					return;
				}
				this.showNotRunning(stopped);
				break;
			}
			case 'engine-unreachable':
				out.warn(`The Docker engine does not answer: ${change.detail ?? this.session.dockerDescription}. Airlock keeps trying; start the engine, or set DOCKER_HOST.`);
				this.session.update({ containerState: 'engine-unreachable', detail: change.detail ?? '' });
				break;
			default:
				break;
		}
	}

	private showNotRunning(stopped: { id: string; name: string; label: string; state: string } | undefined): void {
		if (stopped) {
			this.session.output.info(`The locked container ${stopped.label} (${stopped.name}) is not running; waiting for it to start.`);
			this.session.update({ containerState: 'stopped', container: stopped, detail: `Container: ${stopped.label} (${stopped.name}), ${stopped.state}` });
		} else {
			this.session.output.info(`No locked container is running for ${this.session.hostPath}; waiting for one to start.`);
			this.session.update({ containerState: 'no-container', detail: 'No locked container is running for this folder.' });
		}
	}

	/** The dev container's own name for a container the follower found. */
	private async labelOf(id: string, fallback: string): Promise<string> {
		try {
			const all = await listWorkspaceContainers(this.session.docker, this.session.hostPath ?? '', { includeStopped: true });
			const found = all.find((c) => c.id === id);
			return found ? devContainerLabel(found) : fallback;
		} catch {
			return fallback;
		}
	}

	/** The newest container of this folder that exists but does not run, if any. */
	private async stoppedContainer(): Promise<{ id: string; name: string; label: string; state: string } | undefined> {
		try {
			const all = await listWorkspaceContainers(this.session.docker, this.session.hostPath ?? '', { includeStopped: true });
			const newest = all[0];
			return newest && !newest.running ? { id: newest.id, name: newest.name, label: devContainerLabel(newest), state: newest.state } : undefined;
		} catch {
			return undefined;
		}
	}

	/**
	 * `locked`, `weakened` or `not-locked`, as the container reports it. A container that has
	 * just started is still locking, so a `not-locked` answer is asked again for a while.
	 */
	private async readLockState(id: string | undefined, attempt = 0): Promise<void> {
		clearTimeout(this.recheck);
		// Only while the follower has this container running: a stopped one is the follower's to report.
		if (!id || this.session.state.container?.id !== id || !RUNNING_STATES.includes(this.session.state.containerState)) {
			return;
		}
		let state: 'locked' | 'weakened' | 'not-locked';
		let reason: string | null = null;
		try {
			// The agent's container, or its sidecar proxy and gate: the same question either way.
			const located = await this.session.findLock();
			if (!located) {
				// It stopped. In the sidecar topology the follower reads the proxy's log, which goes
				// on, and can see the agent still running in the engine's list just after its "die"
				// event: this check is then the one that notices.
				await this.agentGone(id);
				return;
			}
			if (located.container.id !== id) {
				throw new Error('the container changed while its status was read');
			}
			const status = await readLockStatus(located.lock);
			state = status.state;
			reason = status.reason;
		} catch (err) {
			state = 'not-locked';
			reason = notLockedReason(err) ?? `no working Airlock control command (${err instanceof Error ? err.message : String(err)})`;
		}
		if (this.session.state.container?.id !== id || !RUNNING_STATES.includes(this.session.state.containerState)) {
			return;
		}
		// A container that is still locking says "not-locked" for a moment on every start: that is
		// starting, not NOT LOCKED, while there are checks left to see it finish.
		const shown = state === 'not-locked' && lockInProgress(reason) && attempt < LOCK_RECHECKS ? 'starting' : state;
		const detail = `Container: ${this.session.containerLabel}${reason ? ` (${reason})` : ''}`;
		if (shown !== this.session.state.containerState || detail !== this.session.state.detail) {
			this.session.update({ containerState: shown, detail, lockReason: reason ?? undefined });
			if (shown === 'starting') {
				this.session.output.info(`The container is still locking (${reason}); checking again.`);
			} else if (state === 'not-locked') {
				this.session.output.warn(`The container reports NOT LOCKED${reason ? `: ${reason}` : ''}. Egress stays closed${attempt < LOCK_RECHECKS ? '; checking again' : '; run "Airlock: Verify Lockdown"'}.`);
			} else {
				this.session.output.info(`The container reports ${state.toUpperCase()}${reason ? `: ${reason}` : ''}.`);
			}
		}
		if (state === 'not-locked' && attempt < LOCK_RECHECKS) {
			this.recheck = setTimeout(() => void this.readLockState(id, attempt + 1), LOCK_RECHECK_MS);
		} else {
			// Steady (locked, or NOT LOCKED for good): keep an eye on it, less often.
			this.recheck = setTimeout(() => void this.readLockState(id, state === 'not-locked' ? LOCK_RECHECKS : 0), STEADY_RECHECK_MS);
		}
	}

	/** The followed container no longer runs: say so, as the follower does when it sees it go. */
	private async agentGone(id: string): Promise<void> {
		const seq = this.stateSeq;
		const stopped = await this.stoppedContainer();
		if (seq !== this.stateSeq || this.session.state.container?.id !== id || !RUNNING_STATES.includes(this.session.state.containerState)) {
			return;
		}
		this.showNotRunning(stopped);
	}

	dispose(): void {
		clearTimeout(this.recheck);
		void this.follower?.stop();
		this.follower = undefined;
	}
}

/** What `airlock-ctl status` says while the entrypoint is still locking (devcontainer-feature/src/airlock/bin/airlock-ctl). */
function lockInProgress(reason: string | null): boolean {
	return reason !== null && (/^locking: /.test(reason) || /^no lock has been applied since this container started/.test(reason));
}

/**
 * A NOT LOCKED container whose status the strict parser refuses (with a broken policy file its
 * mode is empty): its own reason says more than "no working control command".
 */
function notLockedReason(err: unknown): string | undefined {
	if (!(err instanceof UnexpectedControlOutputError)) {
		return undefined;
	}
	try {
		const value = JSON.parse(err.output.trim()) as { state?: unknown; reason?: unknown };
		return value.state === 'not-locked' && typeof value.reason === 'string' ? value.reason : undefined;
	} catch {
		return undefined;
	}
}
