import * as vscode from 'vscode';
import { formatAllowedLine, formatBlockedLine, isDenied, type ProxyLogEntry } from '../core/proxyLog';
import { NotificationThrottle } from '../core/views/blockedHosts';
import { ProxyLogFollower, type FollowerStateChange } from '../docker/logStream';
import { readStatus } from '../docker/control';
import type { AirlockSession } from './session';

/** At most one "new host blocked" notification in this interval; the rest are counted. */
const NOTIFY_INTERVAL_MS = 10_000;

/**
 * Follows the container's proxy log and turns each blocked request into a log line, a tree
 * update and (once per new host, throttled) a notification. The follower itself reconnects
 * across container and engine restarts; this class says what is going on in words.
 */
export class BlockedLogWatcher implements vscode.Disposable {
	private follower: ProxyLogFollower | undefined;
	private readonly throttle = new NotificationThrottle(NOTIFY_INTERVAL_MS);

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
		if (!isDenied(entry)) {
			this.session.output.trace(formatAllowedLine(entry));
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
		if (!vscode.workspace.getConfiguration('airlock').get<boolean>('notifyOnNewBlockedHost', true)) {
			return;
		}
		if (!this.throttle.tryShow(Date.now())) {
			return;
		}
		const held = this.throttle.takeSuppressed();
		const more = held > 0 ? ` (and ${held} more new host${held === 1 ? '' : 's'})` : '';
		const line = formatBlockedLine(entry);
		const chosen = await vscode.window.showWarningMessage(`Airlock: ${line}${more}.`, 'Allow…', 'Show Blocked Hosts');
		if (chosen === 'Allow…') {
			await vscode.commands.executeCommand('airlock.allowHost', { host: entry.host, ports: [entry.port] });
		} else if (chosen === 'Show Blocked Hosts') {
			await vscode.commands.executeCommand('airlock.showBlocked');
		}
	}

	private async onState(change: FollowerStateChange): Promise<void> {
		const out = this.session.output;
		switch (change.state) {
			case 'following': {
				const name = change.container?.name ?? change.container?.id ?? 'the container';
				out.info(`Following the proxy log of container ${name}.`);
				this.session.update({ containerState: 'locked', ...(change.container ? { container: change.container } : {}), detail: `Container: ${name}` });
				await this.readLockState(change.container?.id);
				this.onFollowing();
				break;
			}
			case 'waiting-for-container':
				out.info(`No locked container is running for ${this.session.hostPath}; waiting for one to start.`);
				this.session.update({ containerState: 'no-container', detail: 'No locked container is running for this folder.' });
				break;
			case 'engine-unreachable':
				out.warn(`The Docker engine does not answer (${change.detail ?? this.session.dockerDescription}); retrying.`);
				this.session.update({ containerState: 'engine-unreachable', detail: change.detail ?? '' });
				break;
			default:
				break;
		}
	}

	/** `locked`, `weakened` or `not-locked`, as the container reports it. */
	private async readLockState(id: string | undefined): Promise<void> {
		if (!id) {
			return;
		}
		try {
			const status = await readStatus(this.session.docker, id);
			this.session.update({ containerState: status.state, ...(status.reason ? { detail: `${this.session.state.detail ?? ''} (${status.reason})` } : {}) });
			if (status.state === 'not-locked') {
				this.session.output.error(`The container reports NOT LOCKED${status.reason ? `: ${status.reason}` : ''}. Egress stays closed; run "Airlock: Verify Lockdown".`);
			}
		} catch (err) {
			this.session.output.warn(`Could not read the container's Airlock status: ${err instanceof Error ? err.message : String(err)}`);
			this.session.update({ containerState: 'not-locked', detail: 'The container has no working Airlock control command.' });
		}
	}

	dispose(): void {
		void this.follower?.stop();
		this.follower = undefined;
	}
}
