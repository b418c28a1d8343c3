import * as path from 'node:path';
import { relativeRef, type ProtectedPath } from './desired';

/*
 * Why Compose configs get an override file instead of a `mounts` entry: for Compose, the
 * devcontainer CLI copies devcontainer.json `mounts` into its own override file as short-syntax
 * `- source:target` volumes and drops `readonly`, so the mount would be writable. Compose's own
 * long syntax (`read_only: true`) is honoured, so Airlock writes
 * `.devcontainer/docker-compose.airlock.yml` (inside the read-only folder) and lists it in
 * `dockerComposeFile`. Compose resolves relative paths in every file against the first file's
 * folder, so `source` is written relative to that folder.
 */

export interface ComposeTarget {
	/** devcontainer.json `service`. */
	readonly service: string;
	/** Where the workspace is inside the container (devcontainer.json `workspaceFolder`, resolved). */
	readonly containerWorkspace: string;
	/** Absolute folder of the first file in `dockerComposeFile`. */
	readonly baseComposeDir: string;
}

export function composeOverrideText(workspace: string, target: ComposeTarget, paths: readonly ProtectedPath[]): string {
	const q = (s: string): string => JSON.stringify(s);
	const lines = [
		'# Written by Airlock (`airlock generate`); rewritten on every run, so do not edit it.',
		'# Mounts the dev container configuration read-only: the devcontainer CLI drops `readonly`',
		'# from devcontainer.json "mounts" for Compose, so the bind is declared here instead.',
		'# Relative sources are relative to the first Compose file, as Compose resolves them.',
		'services:',
		`  ${q(target.service)}:`,
		'    volumes:',
	];
	for (const p of paths) {
		lines.push(
			'      - type: bind',
			`        source: ${q(relativeRef(target.baseComposeDir, path.join(workspace, p.name)))}`,
			`        target: ${q(path.posix.join(target.containerWorkspace, p.name))}`,
			'        read_only: true',
		);
	}
	return lines.join('\n') + '\n';
}
