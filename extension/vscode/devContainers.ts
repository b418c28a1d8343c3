import * as vscode from 'vscode';

/** Microsoft's Dev Containers extension, which opens a folder in its container. */
export const DEV_CONTAINERS_ID = 'ms-vscode-remote.remote-containers';

export function devContainersAvailable(): boolean {
	return vscode.extensions.getExtension(DEV_CONTAINERS_ID) !== undefined;
}
