import * as vscode from 'vscode';
import type Docker from 'dockerode';
import { BlockedHostTally } from '../core/views/blockedHosts';
import type { ContainerState } from '../core/views/statusText';
import type { Mode } from '../core/enforcedPolicy';
import { createDockerClient, type DockerConnection } from '../docker/connect';
import { findWorkspaceContainer, type WorkspaceContainer } from '../docker/findContainer';
import type { WorkspaceLocation } from './workspaceLocation';

/** What the status bar, the tree and the drift check share. */
export interface SessionState {
	containerState: ContainerState;
	container?: Pick<WorkspaceContainer, 'id' | 'name'>;
	/** The approved mode (or the plan's when nothing is approved). */
	mode?: Mode;
	approved: boolean;
	drift: boolean;
	/** Why the state is what it is, in words (engine error, "no container"). */
	detail?: string;
}

/**
 * One per window: the workspace's location, the log channel, the blocked-host tally and the
 * shared state, with events so every view redraws when something changes.
 */
export class AirlockSession implements vscode.Disposable {
	readonly output: vscode.LogOutputChannel;
	readonly blocked = new BlockedHostTally();
	private readonly changed = new vscode.EventEmitter<void>();
	readonly onDidChange = this.changed.event;
	private connection: DockerConnection | undefined;
	readonly state: SessionState;
	/** True while an approval is being recorded and applied; the drift check waits for it. */
	approving = false;
	/** Counts approvals started, so a check that began before one can tell its answer is stale. */
	approvalGeneration = 0;
	/**
	 * Set while an apply has failed and its error (with "Retry Apply") is on screen: the drift
	 * check then logs the container's old policy but raises no second warning about it.
	 */
	applyFailurePending = false;
	private readonly approvalDone = new vscode.EventEmitter<void>();
	readonly onDidFinishApproval = this.approvalDone.event;

	constructor(
		readonly context: vscode.ExtensionContext,
		readonly location: WorkspaceLocation | undefined,
	) {
		this.output = vscode.window.createOutputChannel('Airlock', { log: true });
		this.state = {
			containerState: location?.kind === 'inside-container' ? 'read-only' : 'starting',
			approved: false,
			drift: false,
		};
	}

	get readOnly(): boolean {
		return this.location?.kind === 'inside-container';
	}

	/** The host folder, for everything that approves or talks to Docker. */
	get hostPath(): string | undefined {
		return this.location?.kind === 'host' ? this.location.hostPath : undefined;
	}

	get docker(): Docker {
		this.connection ??= createDockerClient();
		return this.connection.docker;
	}

	get dockerDescription(): string {
		this.connection ??= createDockerClient();
		return this.connection.endpoint.description;
	}

	/** The running container for this workspace, or undefined when none is running. */
	async findContainer(): Promise<WorkspaceContainer | undefined> {
		const hostPath = this.hostPath;
		return hostPath ? findWorkspaceContainer(this.docker, hostPath) : undefined;
	}

	update(change: Partial<SessionState>): void {
		Object.assign(this.state, change);
		this.changed.fire();
	}

	/** Tells views that the tally changed. */
	notifyBlockedChanged(): void {
		this.changed.fire();
	}

	/** Runs an approval with the drift check held off, then lets it look again. */
	async whileApproving<T>(work: () => Thenable<T>): Promise<T> {
		this.approving = true;
		this.approvalGeneration++;
		try {
			return await work();
		} finally {
			this.approving = false;
			this.approvalDone.fire();
		}
	}

	dispose(): void {
		this.approvalDone.dispose();
		this.changed.dispose();
		this.output.dispose();
	}
}
