import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { hostPathFromDevContainerAuthority } from './devContainerAuthority';

/**
 * Where the workspace is, seen from this extension host. Airlock approves and applies on the
 * host; inside the container it only reads (the agent must not be able to approve).
 */
export type WorkspaceLocation =
	| { readonly kind: 'host'; readonly folder: vscode.WorkspaceFolder; readonly hostPath: string }
	| { readonly kind: 'inside-container'; readonly folder: vscode.WorkspaceFolder; readonly localPath: string }
	| { readonly kind: 'unknown'; readonly folder: vscode.WorkspaceFolder; readonly why: string };

const CONTAINER_REMOTES = new Set(['dev-container', 'attached-container', 'codespaces', 'k8s-container']);

/** The control command exists only inside a locked container. */
const IN_CONTAINER_MARKER = '/usr/local/sbin/airlock-ctl';

export function locateWorkspace(extension: vscode.Extension<unknown>): WorkspaceLocation | undefined {
	const folder = vscode.workspace.workspaceFolders?.[0];
	if (!folder) {
		return undefined;
	}
	const remote = vscode.env.remoteName;
	const runsRemotely = extension.extensionKind === vscode.ExtensionKind.Workspace;
	const insideContainer = (runsRemotely && remote !== undefined && CONTAINER_REMOTES.has(remote)) || fs.existsSync(IN_CONTAINER_MARKER);
	if (insideContainer) {
		return { kind: 'inside-container', folder, localPath: folder.uri.fsPath };
	}
	if (folder.uri.scheme === 'file') {
		return { kind: 'host', folder, hostPath: folder.uri.fsPath };
	}
	if (folder.uri.scheme === 'vscode-remote' && remote === 'dev-container') {
		const hostPath = hostPathFromDevContainerAuthority(folder.uri.authority);
		if (hostPath && fs.existsSync(hostPath)) {
			return { kind: 'host', folder, hostPath };
		}
	}
	return { kind: 'unknown', folder, why: `Airlock cannot tell which folder on this machine ${folder.uri.toString()} is` };
}
