/**
 * Pure helpers over the labels the devcontainer CLI and VS Code put on a workspace's container
 * (no Docker calls here, so they are unit-tested on their own).
 */

export const LOCAL_FOLDER_LABEL = 'devcontainer.local_folder';
export const CONFIG_FILE_LABEL = 'devcontainer.config_file';
export const METADATA_LABEL = 'devcontainer.metadata';
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/**
 * The user the editor and the agent run as: the last `remoteUser` in the image metadata, else
 * the last `containerUser` (the devcontainer CLI's own fallback order). Undefined when the label
 * is absent or unreadable.
 */
export function remoteUserFromMetadata(label: string | undefined): string | undefined {
	if (!label) {
		return undefined;
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(label);
	} catch {
		return undefined;
	}
	const entries = Array.isArray(parsed) ? parsed : [parsed];
	let remoteUser: string | undefined;
	let containerUser: string | undefined;
	for (const entry of entries) {
		if (typeof entry !== 'object' || entry === null) {
			continue;
		}
		const { remoteUser: r, containerUser: c } = entry as Record<string, unknown>;
		if (typeof r === 'string' && r !== '') {
			remoteUser = r;
		}
		if (typeof c === 'string' && c !== '') {
			containerUser = c;
		}
	}
	return remoteUser ?? containerUser;
}

/** The label filter values that can match a workspace: its real path first, then the path as given. */
export function localFolderCandidates(workspace: string, realPath: string | undefined): string[] {
	return [...new Set([realPath, workspace].filter((p): p is string => typeof p === 'string' && p !== ''))];
}
