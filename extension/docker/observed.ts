import type Docker from 'dockerode';
import { readApprovedPolicy } from '../core/approvals';
import { parseProxyLog, type ProxyLogEntry } from '../core/proxyLog';
import { policyAllows, readRequestBook, writeRequestBook, type RequestBook } from '../core/requests';
import { readUsageBook, writeUsageBook, type UsageBook } from '../core/usage';
import { PROXY_LOG_PATH } from './control';
import { execInContainer } from './exec';
import { UnexpectedControlOutputError } from './errors';

/**
 * What the proxy saw, brought to the host: the log (the rotated file first, then the current
 * one, so nothing between two reads is lost to a rotation), and the two books kept from it per
 * workspace, the agent's access requests and the usage of each entry. Works for any container
 * that holds the proxy log (docs/architecture.md §3), whichever topology put it there.
 */
const READ_TIMEOUT_MS = 60_000;

/** The proxy log, rotated part first, as parsed entries in log order. */
export async function readObservedLog(docker: Docker, controlId: string): Promise<{ entries: ProxyLogEntry[]; skipped: number }> {
	const script = `for f in ${PROXY_LOG_PATH}.0 ${PROXY_LOG_PATH}; do [ ! -e "$f" ] || cat "$f"; done`;
	const result = await execInContainer(docker, controlId, ['sh', '-c', script], { user: 'root', timeoutMs: READ_TIMEOUT_MS });
	if (result.exitCode !== 0) {
		throw new UnexpectedControlOutputError(controlId, `cannot read ${PROXY_LOG_PATH}: ${result.stderr.trim() || `exit ${result.exitCode}`}`, result.stdout);
	}
	const { entries, skipped } = parseProxyLog(result.stdout);
	return { entries, skipped };
}

export interface SyncedBooks {
	readonly requests: RequestBook;
	readonly usage: UsageBook;
	readonly entries: readonly ProxyLogEntry[];
}

/**
 * Reads the log and brings both books up to date (written atomically). Requests the approved
 * policy already allows are not raised.
 */
export function ingestIntoBooks(workspace: string, entries: readonly ProxyLogEntry[], env: NodeJS.ProcessEnv = process.env): SyncedBooks {
	const requests = readRequestBook(workspace, env);
	const usage = readUsageBook(workspace, env);
	const approved = safeApproved(workspace, env);
	const allowedNow = (host: string, port?: number): boolean => (approved ? policyAllows(approved, host, port) : false);
	for (const entry of entries) {
		requests.ingest(entry, allowedNow);
		usage.ingest(entry);
	}
	writeRequestBook(workspace, requests, env);
	writeUsageBook(workspace, usage, env);
	return { requests, usage, entries };
}

export async function syncBooksFromContainer(docker: Docker, controlId: string, workspace: string, env: NodeJS.ProcessEnv = process.env): Promise<SyncedBooks> {
	const { entries } = await readObservedLog(docker, controlId);
	return ingestIntoBooks(workspace, entries, env);
}

function safeApproved(workspace: string, env: NodeJS.ProcessEnv): { rules: readonly { host: string; port?: number }[] } | undefined {
	try {
		return readApprovedPolicy(workspace, env)?.policy;
	} catch {
		// A damaged approval record is reported by the commands that use it; here it allows nothing.
		return undefined;
	}
}
