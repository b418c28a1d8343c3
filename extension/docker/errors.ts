/**
 * Typed failures of the Docker layer. Each message names what failed, why, and what to do next,
 * so the CLI and the editor can show it as is.
 */

export class DockerLayerError extends Error {
	constructor(message: string, readonly nextStep: string) {
		super(message);
		this.name = new.target.name;
	}
}

/** The engine's socket or TCP endpoint did not answer. */
export class EngineUnreachableError extends DockerLayerError {
	constructor(readonly endpoint: string, readonly underlying: unknown) {
		super(`Docker engine not reachable at ${endpoint}: ${describeCause(underlying)}. Start Docker and retry.`, 'start Docker (or set DOCKER_HOST) and retry');
	}
}

/** The engine answered but refused a request for another reason (its message is kept). */
export class EngineRequestError extends DockerLayerError {
	constructor(message: string) {
		super(message, 'check `docker info` and the engine log, then retry');
	}
}

/** The container is gone or stopped while we talked to it. */
export class ContainerNotRunningError extends DockerLayerError {
	constructor(readonly containerId: string, detail: string) {
		super(`container ${shortId(containerId)} is not running: ${detail}`, 'start it with `airlock up` and retry');
	}
}

/** A command run in the container did not finish in time. */
export class ExecTimeoutError extends DockerLayerError {
	constructor(readonly containerId: string, readonly command: readonly string[], readonly timeoutMs: number) {
		super(`\`${command.join(' ')}\` in container ${shortId(containerId)} did not finish within ${timeoutMs} ms`,
			'check that the container is healthy (`docker logs`) and retry');
	}
}

/** The container has no `airlock-ctl`: it was not built with the Airlock Feature. */
export class AirlockNotInstalledError extends DockerLayerError {
	constructor(readonly containerId: string, detail: string) {
		super(`container ${shortId(containerId)} has no working airlock-ctl (${detail}); it was not built with the Airlock Feature`,
			'rebuild it with `airlock up` (which adds the Feature to devcontainer.json)');
	}
}

/** `airlock-ctl apply` refused the policy; the container keeps enforcing the previous one. */
export class ApplyRejectedError extends DockerLayerError {
	constructor(readonly containerId: string, readonly containerMessage: string, readonly exitCode: number) {
		super(`container ${shortId(containerId)} rejected the policy (exit ${exitCode}): ${containerMessage || 'no message'}. The previous policy is still enforced.`,
			'fix the entry named above in .devcontainer/airlock.yaml, approve again, and re-apply');
	}
}

/** `airlock-ctl` answered with something that is not what docs/architecture.md §3 says. */
export class UnexpectedControlOutputError extends DockerLayerError {
	constructor(readonly containerId: string, what: string, readonly output: string) {
		super(`container ${shortId(containerId)}: ${what}: ${JSON.stringify(output.slice(0, 300))}`,
			'the Feature in the container may be older or newer than this Airlock; rebuild with `airlock up`');
	}
}

export function shortId(id: string): string {
	return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

export function describeCause(cause: unknown): string {
	if (cause instanceof Error) {
		const code = (cause as NodeJS.ErrnoException).code;
		return code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
	}
	return String(cause);
}

/** HTTP status of a dockerode (docker-modem) error, if it carries one. */
export function engineStatusCode(err: unknown): number | undefined {
	const code = (err as { statusCode?: unknown } | null)?.statusCode;
	return typeof code === 'number' ? code : undefined;
}

/** True when the error came from failing to reach the engine at all (no HTTP answer). */
export function isConnectionError(err: unknown): boolean {
	const code = (err as NodeJS.ErrnoException | null)?.code;
	return typeof code === 'string' && ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EACCES'].includes(code);
}
