import type Docker from 'dockerode';
import { execInContainer, type ExecResult } from './exec';
import { AirlockNotInstalledError, ApplyRejectedError, UnexpectedControlOutputError } from './errors';
import { parseAirlockStatus, type AirlockStatus } from './status';

/** The control command and files inside the container (docs/architecture.md §3). */
export const AIRLOCK_CTL = '/usr/local/sbin/airlock-ctl';
export const LIVE_POLICY_PATH = '/etc/airlock/policy';
export const PROXY_LOG_PATH = '/var/log/airlock/access.log';

const CONTROL_TIMEOUT_MS = 60_000;

/**
 * Who runs airlock-ctl: root in the agent's own container (single topology); the proxy user in
 * the sidecar's proxy container, where nothing runs as root and Squid belongs to that user.
 */
export type ControlUser = 'root' | 'proxy';

/** Runs airlock-ctl; exit 126/127 means it is missing or not executable. */
async function runCtl(docker: Docker, id: string, args: readonly string[], stdin?: string, user: ControlUser = 'root'): Promise<ExecResult> {
	const result = await execInContainer(docker, id, [AIRLOCK_CTL, ...args], { user, timeoutMs: CONTROL_TIMEOUT_MS, ...(stdin === undefined ? {} : { stdin }) });
	if (result.exitCode === 126 || result.exitCode === 127) {
		throw new AirlockNotInstalledError(id, `${AIRLOCK_CTL}: ${(result.stderr || result.stdout).trim() || `exit ${result.exitCode}`}`);
	}
	return result;
}

/**
 * Sends canonical policy text to `airlock-ctl apply`. Resolves to the hash the container now
 * enforces; throws ApplyRejectedError (the old policy stays) when the container refuses it.
 */
export async function applyPolicy(docker: Docker, id: string, canonicalText: string, user: ControlUser = 'root'): Promise<{ policyHash: string }> {
	const result = await runCtl(docker, id, ['apply'], canonicalText, user);
	if (result.exitCode !== 0) {
		throw new ApplyRejectedError(id, result.stderr.trim() || result.stdout.trim(), result.exitCode);
	}
	const hash = result.stdout.trim().split('\n').pop() ?? '';
	if (!/^sha256:[0-9a-f]{64}$/.test(hash)) {
		throw new UnexpectedControlOutputError(id, 'airlock-ctl apply succeeded but did not print a policy hash', result.stdout);
	}
	return { policyHash: hash };
}

/** `airlock-ctl status --json`, parsed and checked. */
export async function readStatus(docker: Docker, id: string, user: ControlUser = 'root'): Promise<AirlockStatus> {
	const result = await runCtl(docker, id, ['status', '--json'], undefined, user);
	const parsed = parseAirlockStatus(result.stdout);
	if ('problem' in parsed) {
		const why = result.exitCode === 0 ? parsed.problem : `exit ${result.exitCode}: ${result.stderr.trim() || parsed.problem}`;
		throw new UnexpectedControlOutputError(id, `airlock-ctl status --json: ${why}`, result.stdout);
	}
	return parsed.status;
}

/** `airlock-ctl verify [args]`: exit 0 only when the control passed and every probe was blocked. */
export async function runVerify(docker: Docker, id: string, args: readonly string[] = []): Promise<{ exitCode: number; output: string; stdout: string; stderr: string }> {
	const result = await runCtl(docker, id, ['verify', ...args]);
	return { exitCode: result.exitCode, output: result.stdout + result.stderr, stdout: result.stdout, stderr: result.stderr };
}

/** The canonical policy text the container enforces now. */
export async function readLivePolicy(docker: Docker, id: string, file: string = LIVE_POLICY_PATH, user: ControlUser = 'root'): Promise<string> {
	const result = await execInContainer(docker, id, ['cat', file], { user, timeoutMs: CONTROL_TIMEOUT_MS });
	if (result.exitCode !== 0) {
		throw new AirlockNotInstalledError(id, `cannot read ${file}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
	}
	return result.stdout;
}

/** The whole proxy log so far (empty when the proxy has not logged anything yet). */
export async function readProxyLog(docker: Docker, id: string): Promise<string> {
	const result = await execInContainer(docker, id, ['sh', '-c', `[ ! -e ${PROXY_LOG_PATH} ] || cat ${PROXY_LOG_PATH}`], { user: 'root', timeoutMs: CONTROL_TIMEOUT_MS });
	if (result.exitCode !== 0) {
		throw new UnexpectedControlOutputError(id, `cannot read ${PROXY_LOG_PATH}: ${result.stderr.trim() || `exit ${result.exitCode}`}`, result.stdout);
	}
	return result.stdout;
}
