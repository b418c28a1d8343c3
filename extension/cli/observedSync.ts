import type { CliContext } from './command';
import { connectDocker } from '../docker/connect';
import { findWorkspaceLock, type LockLocation } from '../docker/lock';
import { describeCause } from '../docker/errors';
import { ingestIntoBooks, readObservedLog, syncBooksFromContainer, type SyncedBooks } from '../docker/observed';
import { parseProxyLog } from '../core/proxyLog';
import { readRequestBook } from '../core/requests';
import { readUsageBook } from '../core/usage';
import * as fs from 'node:fs';

/**
 * Shared by `requests`, `propose` and `plan --usage`: bring the request and usage books up to
 * date from the workspace's running container when there is one. With no container (or no
 * engine) the books on disk are used as they are, and `note` says so.
 */
export interface ObservedState {
	readonly books: Pick<SyncedBooks, 'requests' | 'usage'> & { readonly entries?: SyncedBooks['entries'] };
	readonly lock?: LockLocation;
	/** Why the books may be behind (no container, engine down), for stderr. */
	readonly note?: string;
}

export async function syncObserved(ctx: CliContext): Promise<ObservedState> {
	const stored = (): Pick<SyncedBooks, 'requests' | 'usage'> => ({ requests: readRequestBook(ctx.workspace, ctx.env), usage: readUsageBook(ctx.workspace, ctx.env) });
	let lock: LockLocation | undefined;
	try {
		const { docker } = await connectDocker(ctx.env);
		lock = await findWorkspaceLock(docker, ctx.workspace);
	} catch (err) {
		return { books: stored(), note: `the Docker engine did not answer (${describeCause(err)}); showing what was recorded before` };
	}
	if (!lock) {
		return { books: stored(), note: 'no container is running for this workspace; showing what was recorded while one ran' };
	}
	try {
		return { books: await syncBooksFromContainer(lock.docker, lock.control.id, ctx.workspace, ctx.env), lock };
	} catch (err) {
		return { books: stored(), lock, note: `could not read the proxy log of ${lock.control.name} (${describeCause(err)}); showing what was recorded before` };
	}
}

/** The proxy log entries to propose from: a recorded file (`--log FILE`) or the running container's log. */
export async function observedEntries(ctx: CliContext, logFile: string | undefined): Promise<{ entries: SyncedBooks['entries']; source: string; lock?: LockLocation }> {
	if (logFile !== undefined) {
		const { entries } = parseProxyLog(fs.readFileSync(logFile, 'utf8'));
		return { entries, source: logFile };
	}
	const { docker } = await connectDocker(ctx.env);
	const lock = await findWorkspaceLock(docker, ctx.workspace);
	if (!lock) {
		return { entries: [], source: 'no running container' };
	}
	const { entries } = await readObservedLog(lock.docker, lock.control.id);
	ingestIntoBooks(ctx.workspace, entries, ctx.env);
	return { entries, source: `the proxy log of ${lock.control.name}`, lock };
}
