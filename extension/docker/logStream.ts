import type Docker from 'dockerode';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { parseProxyLogLine, type ProxyLogEntry } from '../core/proxyLog';
import { PROXY_LOG_PATH } from './control';
import { describeCause, shortId } from './errors';
import { startExecStream, type ExecStream } from './exec';
import { realPathOrUndefined, type WorkspaceContainer } from './findContainer';
import { findWorkspaceLock, type LockLocation } from './lock';
import { LOCAL_FOLDER_LABEL, localFolderCandidates } from './labels';

/** What the follower is doing, for the UI to say plainly. */
export type FollowerState = 'starting' | 'following' | 'waiting-for-container' | 'engine-unreachable' | 'stopped';

export interface FollowerStateChange {
	readonly state: FollowerState;
	/** The agent's container whose proxy log is followed (state `following`). */
	readonly container?: Pick<WorkspaceContainer, 'id' | 'name'>;
	/** The container the log is read from: the agent's own, or the sidecar's proxy. */
	readonly logContainer?: Pick<WorkspaceContainer, 'id' | 'name'>;
	/** Why, in words (e.g. the engine's connection error). */
	readonly detail?: string;
}

export interface ProxyLogFollowerOptions {
	readonly docker: Docker;
	readonly workspace: string;
	/** Where to start in the first container followed: its whole log, or only new lines. Default `beginning`. */
	readonly from?: 'beginning' | 'end';
	/** Reconnect back-off while the engine is gone, doubling from initial to max. */
	readonly retryInitialMs?: number;
	readonly retryMaxMs?: number;
}

export interface ProxyLogFollowerEvents {
	entry: [entry: ProxyLogEntry, rawLine: string];
	/** A line that is not a proxy log entry (counted by the caller if it likes). */
	skipped: [rawLine: string];
	state: [change: FollowerStateChange];
}

/*
 * Runs in the container. Prints where it starts reading (inode, byte offset) on stderr, then
 * hands over to `tail -F`, which keeps following across log rotation. Resuming at the byte
 * after the last line we saw means no line is shown twice after a container or engine restart.
 * `-s 0.1`: on overlayfs tail gets no change notifications and polls, once a second by
 * default, which alone made a block take up to a second to reach the editor.
 */
const FOLLOW_SCRIPT = [
	'f="$1" prev_ino="$2" prev_off="$3" start="$4"',
	'ino=none size=0',
	'if [ -e "$f" ]; then ino=$(stat -c %i "$f") && size=$(stat -c %s "$f") || exit 1; fi',
	'if [ "$start" = end ]; then off=$size',
	'elif { [ "$ino" = "$prev_ino" ] || [ "$prev_ino" = none ]; } && [ "$prev_off" -le "$size" ]; then off=$prev_off',
	'else off=0; fi',
	'printf "airlock-follow %s %s\\n" "$ino" "$off" >&2',
	'exec tail -s 0.1 -c +"$((off + 1))" -F "$f"',
].join('\n');

const HEADER = /^airlock-follow (\S+) (\d+)$/;
/** tail -F starts again at byte 0 after these (a new file, or the same one cut short). */
const TAIL_RESTARTED = /file truncated|has been replaced|has appeared|following new file/;
const PING_TIMEOUT_MS = 10_000;

interface ReadPosition {
	containerId: string;
	inode: string;
	/** Byte offset of the end of the last complete line seen. */
	offset: number;
}

/** A promise any party can resolve once, to wake the follow loop. */
class Wakeup {
	private resolveFn: ((reason: string) => void) | undefined;
	readonly promise: Promise<string>;
	constructor() {
		this.promise = new Promise((resolve) => {
			this.resolveFn = resolve;
		});
	}
	wake(reason: string): void {
		this.resolveFn?.(reason);
		this.resolveFn = undefined;
	}
}

/**
 * Follows the workspace container's proxy log and emits parsed entries. Keeps going by itself:
 * when the container stops it waits for one to start (Docker events), when the engine goes away
 * it retries with back-off, and it resumes where it left off. Call `start()` after attaching
 * listeners and `stop()` to release every stream and timer.
 */
export class ProxyLogFollower extends EventEmitter<ProxyLogFollowerEvents> {
	private readonly docker: Docker;
	private readonly workspace: string;
	/** The label values that mean "this workspace" (real path and path as given). */
	private readonly folders: readonly string[];
	private readonly from: 'beginning' | 'end';
	private readonly retryInitialMs: number;
	private readonly retryMaxMs: number;
	private stopped = false;
	private running: Promise<void> | undefined;
	private current: Wakeup | undefined;
	private readonly cleanups = new Set<() => void>();
	private position: ReadPosition | undefined;
	private firstContainer = true;
	private lastState: string | undefined;
	private stateNow: FollowerState = 'starting';

	constructor(options: ProxyLogFollowerOptions) {
		super();
		this.docker = options.docker;
		this.workspace = options.workspace;
		const absolute = path.resolve(options.workspace);
		this.folders = localFolderCandidates(absolute, realPathOrUndefined(absolute));
		this.from = options.from ?? 'beginning';
		this.retryInitialMs = options.retryInitialMs ?? 250;
		this.retryMaxMs = options.retryMaxMs ?? 5_000;
	}

	get state(): FollowerState {
		return this.stateNow;
	}

	start(): void {
		if (!this.running && !this.stopped) {
			this.running = this.loop();
		}
	}

	/** Stops following and resolves once every stream and timer is released. */
	async stop(): Promise<void> {
		this.stopped = true;
		this.current?.wake('stopped');
		for (const cleanup of this.cleanups) {
			cleanup();
		}
		this.cleanups.clear();
		await this.running;
		this.setState({ state: 'stopped' });
	}

	/** Emits changes only; `always` for a fresh start of following (a restart may be too quick to see). */
	private setState(change: FollowerStateChange, always = false): void {
		const key = `${change.state}|${change.container?.id ?? ''}|${change.detail ?? ''}`;
		this.stateNow = change.state;
		if (always || key !== this.lastState) {
			this.lastState = key;
			this.emit('state', change);
		}
	}

	/** Registers a cleanup that stop() runs, returning a function that runs it now instead. */
	private own(cleanup: () => void): () => void {
		let done = false;
		const once = (): void => {
			if (!done) {
				done = true;
				this.cleanups.delete(once);
				cleanup();
			}
		};
		this.cleanups.add(once);
		return once;
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			if (this.stopped) {
				resolve();
				return;
			}
			const timer = setTimeout(() => release(), ms);
			const release = this.own(() => {
				clearTimeout(timer);
				resolve();
			});
		});
	}

	private async loop(): Promise<void> {
		let delay = this.retryInitialMs;
		let laterDelay = this.retryInitialMs * 4;
		while (!this.stopped) {
			const pingError = await this.ping();
			if (this.stopped) {
				break;
			}
			if (pingError !== undefined) {
				this.setState({ state: 'engine-unreachable', detail: pingError });
				await this.sleep(delay);
				delay = Math.min(delay * 2, this.retryMaxMs);
				continue;
			}
			delay = this.retryInitialMs;
			const outcome = await this.followOnce();
			if (outcome === 'retry-later') {
				await this.sleep(laterDelay);
				laterDelay = Math.min(laterDelay * 2, this.retryMaxMs);
			} else {
				laterDelay = this.retryInitialMs * 4;
			}
		}
	}

	private async ping(): Promise<string | undefined> {
		let timer: NodeJS.Timeout | undefined;
		try {
			await Promise.race([
				this.docker.ping(),
				new Promise((_, reject) => {
					timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
				}),
			]);
			return undefined;
		} catch (err) {
			return `Docker engine not reachable: ${describeCause(err)}; retrying`;
		} finally {
			clearTimeout(timer);
		}
	}

	/**
	 * One round: watch events, find the container, follow its log until something changes.
	 * Never throws; 'retry-later' asks the loop to pause before the next round.
	 */
	private async followOnce(): Promise<'again' | 'retry-later'> {
		const wakeup = new Wakeup();
		this.current = wakeup;
		const releases: (() => void)[] = [];
		try {
			let events: NodeJS.ReadableStream;
			try {
				// Subscribe before looking, so a container started in between is not missed.
				events = await this.docker.getEvents({ filters: { type: ['container'], event: ['start', 'die', 'destroy'] } });
			} catch {
				// The next ping tells an engine that is gone from one that refused; pause either way.
				return 'retry-later';
			}
			releases.push(this.own(() => (events as unknown as { destroy(): void }).destroy()));
			this.watchEvents(events, wakeup);
			if (this.stopped) {
				return 'again';
			}

			let lock: LockLocation | undefined;
			try {
				lock = await findWorkspaceLock(this.docker, this.workspace);
			} catch {
				return 'retry-later';
			}
			// The log lives with the proxy: the agent's own container, or the sidecar's proxy.
			const container = lock?.control;
			// The engine's container list can still show the agent running just after its die event
			// (consumed by the round before this one); its own inspect cannot. In the sidecar the
			// proxy's log reader outlives the agent, so nothing else would end this round.
			if (!lock || !container || (await this.containerStartedAt(lock.agent.id)) === undefined) {
				this.setState({ state: 'waiting-for-container', detail: `no running container for ${this.workspace}` });
				await wakeup.promise;
				return 'again';
			}

			let tail: ExecStream;
			try {
				tail = await this.startTail(container);
			} catch (err) {
				this.setState({ state: 'waiting-for-container', detail: `cannot read the proxy log in ${shortId(container.id)}: ${describeCause(err)}` });
				return 'retry-later';
			}
			releases.push(this.own(() => tail.close()));
			const startedAt = await this.containerStartedAt(container.id);
			let complaint = '';
			tail.stderr.on('data', (chunk: Buffer) => {
				complaint = (complaint + chunk.toString('utf8')).slice(-500);
			});
			this.setState({ state: 'following', container: { id: lock.agent.id, name: lock.agent.name }, logContainer: { id: container.id, name: container.name } }, true);
			void tail.exited.then(() => wakeup.wake('tail-ended'));
			const reason = await wakeup.promise;
			if (reason !== 'tail-ended' || this.stopped) {
				return 'again';
			}
			// The reader ends with its container: a stop or restart is not worth a complaint.
			const nowStartedAt = await this.containerStartedAt(container.id);
			if (nowStartedAt === undefined || nowStartedAt !== startedAt) {
				return 'again';
			}
			// The reader ended with no container event: say why, and pause so it cannot spin.
			const why = complaint.split('\n').filter((l) => l !== '' && !HEADER.test(l)).pop();
			this.setState({ state: 'waiting-for-container', detail: `the log reader in ${shortId(container.id)} stopped${why ? `: ${why}` : ''}; retrying` });
			return 'retry-later';
		} finally {
			for (const release of releases) {
				release();
			}
			this.current = undefined;
		}
	}

	/** When the container last started, or undefined when it is not running (or gone). */
	private async containerStartedAt(id: string): Promise<string | undefined> {
		try {
			const info = await this.docker.getContainer(id).inspect();
			return info.State.Running ? info.State.StartedAt : undefined;
		} catch {
			return undefined;
		}
	}

	private watchEvents(events: NodeJS.ReadableStream, wakeup: Wakeup): void {
		let pending = '';
		events.on('data', (chunk: Buffer) => {
			pending += chunk.toString('utf8');
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const line of lines) {
				try {
					const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
					const folder = event.Actor?.Attributes?.[LOCAL_FOLDER_LABEL];
					if (folder !== undefined && this.folders.includes(folder)) {
						wakeup.wake('container-event');
					}
				} catch {
					// A partial or foreign line: ignore.
				}
			}
		});
		// The engine closes the stream when it stops: go back to pinging.
		events.once('end', () => wakeup.wake('engine-gone'));
		events.once('close', () => wakeup.wake('engine-gone'));
		events.once('error', () => wakeup.wake('engine-gone'));
	}

	private async startTail(container: Pick<WorkspaceContainer, 'id' | 'name'>): Promise<ExecStream> {
		const sameContainer = this.position?.containerId === container.id;
		const start = !sameContainer && this.firstContainer && this.from === 'end' ? 'end' : 'resume';
		const prevInode = sameContainer ? this.position!.inode : 'none';
		const prevOffset = sameContainer ? this.position!.offset : 0;
		const tail = await startExecStream(this.docker, container.id, ['sh', '-c', FOLLOW_SCRIPT, 'airlock-follow', PROXY_LOG_PATH, prevInode, String(prevOffset), start], { user: 'root' });
		this.firstContainer = false;
		const position: ReadPosition = { containerId: container.id, inode: prevInode, offset: prevOffset };
		this.position = position;

		let stderrText = '';
		tail.stderr.on('data', (chunk: Buffer) => {
			stderrText += chunk.toString('utf8');
			const lines = stderrText.split('\n');
			stderrText = lines.pop() ?? '';
			for (const line of lines) {
				const header = HEADER.exec(line);
				if (header) {
					position.inode = header[1];
					position.offset += Number(header[2]) - prevOffset;
				} else if (TAIL_RESTARTED.test(line)) {
					position.inode = 'none';
					position.offset = 0;
				}
			}
		});

		let partial = Buffer.alloc(0);
		tail.stdout.on('data', (chunk: Buffer) => {
			let data = partial.length > 0 ? Buffer.concat([partial, chunk]) : chunk;
			let newline = data.indexOf(0x0a);
			while (newline !== -1) {
				const lineBytes = data.subarray(0, newline + 1);
				position.offset += lineBytes.length;
				this.emitLine(lineBytes.toString('utf8').replace(/\r?\n$/, ''));
				data = data.subarray(newline + 1);
				newline = data.indexOf(0x0a);
			}
			partial = Buffer.from(data);
		});
		return tail;
	}

	private emitLine(line: string): void {
		if (line.trim() === '') {
			return;
		}
		const entry = parseProxyLogLine(line);
		if (entry) {
			this.emit('entry', entry, line);
		} else {
			this.emit('skipped', line);
		}
	}
}
