import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import type { WorkspaceContainer } from './findContainer';

/**
 * The name people know a dev container by: devcontainer.json's `name` (read from the config
 * file the container was made from), else the workspace folder's name. Docker's own name for
 * a container the devcontainer CLI made is random (`eager_turing`), so it only follows in
 * brackets where the log needs it.
 */
export function devContainerLabel(container: Pick<WorkspaceContainer, 'name' | 'configFile' | 'localFolder'>): string {
	if (container.configFile) {
		try {
			const value: unknown = parse(fs.readFileSync(container.configFile, 'utf8'), [], { allowTrailingComma: true });
			const name = typeof value === 'object' && value !== null ? (value as { name?: unknown }).name : undefined;
			if (typeof name === 'string' && name.trim() !== '') {
				return name.trim();
			}
		} catch {
			// Moved or unreadable: the folder's name says as much.
		}
	}
	return container.localFolder ? path.basename(container.localFolder) : container.name;
}
