import * as vscode from 'vscode';
import type Docker from 'dockerode';
import { BlockedHostTally } from '../core/views/blockedHosts';
import type { ContainerState, PolicyState, WindowKind } from '../core/views/statusText';
import type { Mode } from '../core/enforcedPolicy';
import { createDockerClient, type DockerConnection } from '../docker/connect';
import { findWorkspaceContainer, type WorkspaceContainer } from '../docker/findContainer';
import { lockOf, type LockLocation } from '../docker/lock';
import type { PolicyDiagnostics } from './policyDiagnostics';
import type { WorkspaceLocation } from './workspaceLocation';

/** What the status bar, the tree and the drift check share. */
export interface SessionState {
	containerState: ContainerState;
	/** Docker's name and id, and `label`: the dev container's own name (devcontainer.json `name`). */
	container?: Pick<WorkspaceContainer, 'id' | 'name'> & { label?: string };
	/** The approved mode (or the plan's when nothing is approved). */
	mode?: Mode;
	approved: boolean;
	/** Any of the three below. */
	drift: boolean;
	/** The project policy file: missing, invalid or valid (the status bar's first question). */
	policy: PolicyState;
	/** The policy files resolve to a plan other than the approved one. */
	policyChanged: boolean;
	/** devcontainer.json does not carry the approved plan. */
	configDrift: boolean;
	/** The container enforces a policy other than the approved one. */
	liveDiffers: boolean;
	/** "Start Locked Container" is running. */
	startInProgress: boolean;
	/** Why the state is what it is, in words (engine error, "no container"). */
	detail?: string;
	/** The container's own reason when its lock is not plainly in place (e.g. the sidecar's gate stopped). */
	lockReason?: string;
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
	private startLogChannel: vscode.OutputChannel | undefined;
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
	/** The unapproved policy changes the person rejected but chose to keep editing: no drift toast for exactly these. */
	dismissedPolicyDiff: string | undefined;
	/** Problems in the policy files, as diagnostics (host and container windows with a folder). */
	diagnostics: PolicyDiagnostics | undefined;
	private readonly approvalDone = new vscode.EventEmitter<void>();
	readonly onDidFinishApproval = this.approvalDone.event;

	constructor(
		readonly context: vscode.ExtensionContext,
		readonly location: WorkspaceLocation | undefined,
	) {
		this.output = vscode.window.createOutputChannel('Airlock', { log: true });
		this.state = {
			// Without a folder there is nothing to look for; a host folder is checked at once.
			containerState: location?.kind === 'inside-container' ? 'read-only' : location?.kind === 'host' ? 'checking' : 'no-container',
			approved: false,
			drift: false,
			policy: 'none',
			policyChanged: false,
			configDrift: false,
			liveDiffers: false,
			startInProgress: false,
		};
	}

	/** What kind of window this is, for the status bar and the views. */
	get where(): WindowKind {
		if (!this.location) {
			return 'no-folder';
		}
		return this.location.kind;
	}

	/** The dev container's name for messages: devcontainer.json's `name`, else Docker's. */
	get containerLabel(): string {
		const c = this.state.container;
		return c ? (c.label ?? c.name) : 'the container';
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

	/** The running container and where its lock lives (its own, or the sidecar's proxy), or undefined. */
	async findLock(): Promise<{ container: WorkspaceContainer; lock: LockLocation } | undefined> {
		const container = await this.findContainer();
		return container ? { container, lock: await lockOf(this.docker, container) } : undefined;
	}

	/** The devcontainer CLI's log of the last "Start Locked Container" (long: the first build's apt-get). */
	get startLog(): vscode.OutputChannel {
		this.startLogChannel ??= vscode.window.createOutputChannel('Airlock: Container Start');
		return this.startLogChannel;
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
		this.startLogChannel?.dispose();
		this.output.dispose();
	}
}
