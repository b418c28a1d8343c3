import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInputError, type SourceProblem } from '../errors';

/** Where the workspace's dev container configuration is, or would be created. */
export interface DevcontainerLocation {
	/** Absolute path of the devcontainer.json Airlock edits (or would create). */
	readonly file: string;
	/** `folder`: `.devcontainer/devcontainer.json`; `root`: `.devcontainer.json` at the workspace root. */
	readonly kind: 'folder' | 'root';
	readonly exists: boolean;
	/** A root `.devcontainer.json` that the tools ignore because `.devcontainer/devcontainer.json` wins. */
	readonly shadowed?: string;
}

function isFile(p: string): boolean {
	try {
		return fs.statSync(p).isFile();
	} catch {
		return false;
	}
}

/** `.devcontainer/<name>/devcontainer.json` files, sorted by name. */
function nestedConfigs(workspace: string): string[] {
	const dir = path.join(workspace, '.devcontainer');
	let names: string[];
	try {
		names = fs.readdirSync(dir);
	} catch {
		return [];
	}
	return names
		.sort()
		.map((name) => path.join(dir, name, 'devcontainer.json'))
		.filter(isFile);
}

/**
 * Finds the configuration the devcontainer CLI and VS Code would use, with their precedence:
 * `.devcontainer/devcontainer.json` first, then `.devcontainer.json`. When neither exists it
 * proposes `.devcontainer/devcontainer.json`, unless named configs under `.devcontainer/<name>/`
 * exist: creating a top-level one then would shadow the configs the user picks from, so that is
 * an error listing them.
 */
export function locateDevcontainer(workspace: string): DevcontainerLocation {
	const folderFile = path.join(workspace, '.devcontainer', 'devcontainer.json');
	const rootFile = path.join(workspace, '.devcontainer.json');
	if (isFile(folderFile)) {
		return isFile(rootFile)
			? { file: folderFile, kind: 'folder', exists: true, shadowed: rootFile }
			: { file: folderFile, kind: 'folder', exists: true };
	}
	if (isFile(rootFile)) {
		return { file: rootFile, kind: 'root', exists: true };
	}
	const nested = nestedConfigs(workspace);
	if (nested.length > 0) {
		const list = nested.map((f) => path.relative(workspace, f)).join(', ');
		const problems: SourceProblem[] = nested.map((file) => ({
			file,
			line: 1,
			column: 1,
			entry: path.relative(workspace, file),
			message: `one of ${nested.length} named dev container configuration(s) (${list}) and none at .devcontainer/devcontainer.json or .devcontainer.json`,
			hint: 'Airlock manages one configuration: move the one you use to .devcontainer/devcontainer.json (or .devcontainer.json), then run `airlock generate`',
		}));
		throw new InvalidInputError(problems);
	}
	return { file: folderFile, kind: 'folder', exists: false };
}
