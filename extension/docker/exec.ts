import type Docker from 'dockerode';
import { PassThrough, type Duplex } from 'node:stream';
import { ContainerNotRunningError, EngineRequestError, EngineUnreachableError, ExecTimeoutError, describeCause, engineStatusCode, isConnectionError, shortId } from './errors';
import { describeModem } from './findContainer';

export interface ExecOptions {
	/** `root` for airlock-ctl (it refuses anyone else); the remote user for anything the agent could do. */
	readonly user: 'root' | string;
	/** Written to the command's stdin, which is then closed. */
	readonly stdin?: string;
	/** Gives up (and stops reading) after this long; the command may keep running in the container. */
	readonly timeoutMs?: number;
}

export interface ExecResult {
	readonly exitCode: number;
	readonly stdout: string;
	readonly stderr: string;
}

/** A command running in the container with its output demultiplexed. */
export interface ExecStream {
	readonly stdout: PassThrough;
	readonly stderr: PassThrough;
	/** Resolves once the output ended, with the exit code (undefined when the engine did not say). */
	readonly exited: Promise<number | undefined>;
	/** Closes the connection; the command gets SIGPIPE/EOF on its next write. */
	close(): void;
}

function translateEngineError(docker: Docker, id: string, err: unknown): Error {
	if (isConnectionError(err)) {
		return new EngineUnreachableError(describeModem(docker), err);
	}
	const status = engineStatusCode(err);
	const message = (err as { json?: { message?: unknown } } | null)?.json?.message;
	const detail = typeof message === 'string' ? message : describeCause(err);
	// 404: no such container; 409: stopped or paused.
	if (status === 404 || status === 409) {
		return new ContainerNotRunningError(id, detail);
	}
	return new EngineRequestError(`the Docker engine could not run a command in container ${shortId(id)}: ${detail}`);
}

/**
 * Starts `cmd` in the container (no TTY, so stdout and stderr stay separate) and returns its
 * streams. With `stdin`, the text is written and stdin closed, so commands that read to EOF end.
 */
export async function startExecStream(docker: Docker, id: string, cmd: readonly string[], options: Pick<ExecOptions, 'user' | 'stdin'>): Promise<ExecStream> {
	const wantsStdin = options.stdin !== undefined;
	let exec: Docker.Exec;
	let socket: Duplex;
	try {
		exec = await docker.getContainer(id).exec({
			Cmd: [...cmd],
			User: options.user,
			AttachStdin: wantsStdin,
			AttachStdout: true,
			AttachStderr: true,
			Tty: false,
		});
		// hijack gives the raw connection: we can half-close it to send EOF and still read the output.
		socket = (await exec.start({ hijack: true, stdin: wantsStdin })) as unknown as Duplex;
	} catch (err) {
		throw translateEngineError(docker, id, err);
	}
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	docker.modem.demuxStream(socket, stdout, stderr);
	const ended = new Promise<void>((resolve) => {
		let done = false;
		const finish = (): void => {
			if (!done) {
				done = true;
				stdout.end();
				stderr.end();
				resolve();
			}
		};
		socket.once('end', finish);
		socket.once('close', finish);
		socket.once('error', finish);
	});
	if (wantsStdin) {
		socket.end(options.stdin);
	}
	const exited = ended.then(() => readExitCode(exec));
	return {
		stdout,
		stderr,
		exited,
		close: () => {
			socket.destroy();
		},
	};
}

async function readExitCode(exec: Docker.Exec): Promise<number | undefined> {
	// The output can end a moment before the engine records the exit; ask a few times.
	for (let attempt = 0; attempt < 20; attempt++) {
		try {
			const info = await exec.inspect();
			if (!info.Running && typeof info.ExitCode === 'number') {
				return info.ExitCode;
			}
		} catch {
			return undefined;
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return undefined;
}

/** Runs `cmd` in the container and collects its output. */
export async function execInContainer(docker: Docker, id: string, cmd: readonly string[], options: ExecOptions): Promise<ExecResult> {
	const stream = await startExecStream(docker, id, cmd, options);
	const out: Buffer[] = [];
	const err: Buffer[] = [];
	stream.stdout.on('data', (chunk: Buffer) => out.push(chunk));
	stream.stderr.on('data', (chunk: Buffer) => err.push(chunk));
	let timer: NodeJS.Timeout | undefined;
	const timedOut = new Promise<'timeout'>((resolve) => {
		if (options.timeoutMs !== undefined) {
			timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
		}
	});
	try {
		const outcome = await Promise.race([stream.exited, timedOut]);
		if (outcome === 'timeout') {
			stream.close();
			throw new ExecTimeoutError(id, cmd, options.timeoutMs ?? 0);
		}
		if (outcome === undefined) {
			// No exit code usually means the container stopped under us.
			const state = await docker.getContainer(id).inspect().then((i) => i.State.Status, (e: unknown) => translateEngineError(docker, id, e).message);
			throw new ContainerNotRunningError(id, `\`${cmd.join(' ')}\` ended without an exit code (container state: ${state})`);
		}
		return { exitCode: outcome, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
	} finally {
		clearTimeout(timer);
	}
}
