import { CliError, EXIT_CHECK_FAILED, EXIT_INVALID, type CliContext } from './command';
import { connectDocker } from '../docker/connect';
import { findWorkspaceLock, type LockLocation } from '../docker/lock';
import { describeCause } from '../docker/errors';
import { ingestIntoBooks, readObservedLog, syncBooksFromContainer, type SyncedBooks } from '../docker/observed';
import { parseProxyLog, parseProxyLogLine } from '../core/proxyLog';
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
		return { entries: readRecordedLog(ctx, logFile), source: logFile };
	}
	const { docker } = await connectDocker(ctx.env);
	const lock = await findWorkspaceLock(docker, ctx.workspace);
	if (!lock) {
		// Saying "nothing to propose" here would read as "the plan covers it": nothing was read at all.
		throw new CliError('no container is running for this workspace, so there is no proxy log to propose from', EXIT_CHECK_FAILED,
			'start it with `airlock up` and let the agent work (mode: audit in airlock.yaml lets everything through and records what would be refused), then run `airlock propose` again; or propose from a recorded log: `airlock propose --log FILE`');
	}
	const { entries } = await readObservedLog(lock.docker, lock.control.id);
	ingestIntoBooks(ctx.workspace, entries, ctx.env);
	return { entries, source: `the proxy log of ${lock.control.name}`, lock };
}

const RECORD_HINT = 'record one with `airlock logs --json > FILE` while the container runs (it is /var/log/airlock/access.log inside it)';

/** A recorded proxy log: a missing or unreadable file, or one with no log line at all, is an error naming it. */
function readRecordedLog(ctx: CliContext, logFile: string): SyncedBooks['entries'] {
	let text: string;
	try {
		text = fs.readFileSync(logFile, 'utf8');
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a log file' : (err as Error).message;
		throw new CliError(`--log ${logFile}: ${why}`, EXIT_INVALID, RECORD_HINT);
	}
	const { entries, skipped } = parseProxyLog(text);
	if (skipped > 0) {
		const lines = text.split('\n');
		const first = lines.findIndex((l) => l.trim() !== '' && parseProxyLogLine(l) === undefined) + 1;
		if (entries.length === 0) {
			throw new CliError(`${logFile}:${first}:1: not a line of the Airlock proxy log (one JSON object per line; no line of the file is one)`, EXIT_INVALID, RECORD_HINT);
		}
		ctx.stderr.write(`airlock propose: skipped ${skipped} line(s) of ${logFile} that are not proxy log lines (the first at line ${first})\n`);
	}
	return entries;
}
