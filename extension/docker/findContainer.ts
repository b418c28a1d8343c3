import type Docker from 'dockerode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE_LABEL, LOCAL_FOLDER_LABEL, METADATA_LABEL, localFolderCandidates, remoteUserFromMetadata } from './labels';
import { EngineRequestError, EngineUnreachableError, describeCause, isConnectionError } from './errors';

/** A container the devcontainer CLI (or VS Code) started for a workspace folder. */
export interface WorkspaceContainer {
	readonly id: string;
	/** Without the leading slash. */
	readonly name: string;
	/** Docker's state word: running, exited, created, restarting, paused, dead. */
	readonly state: string;
	readonly running: boolean;
	readonly remoteUser: string | undefined;
	readonly created: Date;
	readonly image: string;
	readonly localFolder: string;
	readonly configFile: string | undefined;
	readonly labels: Readonly<Record<string, string>>;
}

export function realPathOrUndefined(p: string): string | undefined {
	try {
		return fs.realpathSync(p);
	} catch {
		return undefined;
	}
}

/**
 * Every container labelled for the workspace, newest first. Matches the label against the
 * workspace's real path and the path as given (the devcontainer CLI records the path it was
 * handed, which may go through a symlink).
 */
export async function listWorkspaceContainers(docker: Docker, workspace: string, options: { includeStopped: boolean }): Promise<WorkspaceContainer[]> {
	const absolute = path.resolve(workspace);
	const byId = new Map<string, WorkspaceContainer>();
	for (const folder of localFolderCandidates(absolute, realPathOrUndefined(absolute))) {
		let infos: Docker.ContainerInfo[];
		try {
			infos = await docker.listContainers({ all: options.includeStopped, filters: { label: [`${LOCAL_FOLDER_LABEL}=${folder}`] } });
		} catch (err) {
			if (isConnectionError(err)) {
				throw new EngineUnreachableError(describeModem(docker), err);
			}
			throw new EngineRequestError(`the Docker engine could not list the containers of ${folder}: ${describeCause(err)}`);
		}
		for (const info of infos) {
			const labels = info.Labels ?? {};
			byId.set(info.Id, {
				id: info.Id,
				name: (info.Names?.[0] ?? info.Id).replace(/^\//, ''),
				state: info.State,
				running: info.State === 'running',
				remoteUser: remoteUserFromMetadata(labels[METADATA_LABEL]),
				created: new Date(info.Created * 1000),
				image: info.Image,
				localFolder: labels[LOCAL_FOLDER_LABEL] ?? folder,
				configFile: labels[CONFIG_FILE_LABEL],
				labels,
			});
		}
	}
	return [...byId.values()].sort((a, b) => b.created.getTime() - a.created.getTime() || a.id.localeCompare(b.id));
}

/** The newest running container for the workspace (docs/architecture.md §4), or undefined. */
export async function findWorkspaceContainer(docker: Docker, workspace: string): Promise<WorkspaceContainer | undefined> {
	const running = await listWorkspaceContainers(docker, workspace, { includeStopped: false });
	return running.find((c) => c.running);
}

/** Where the client points, for error messages. */
export function describeModem(docker: Docker): string {
	const modem = docker.modem as { socketPath?: unknown; host?: unknown; port?: unknown };
	if (typeof modem.socketPath === 'string') {
		return modem.socketPath;
	}
	return `${String(modem.host ?? 'localhost')}:${String(modem.port ?? '')}`;
}
