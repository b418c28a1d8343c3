import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomicFile';
import { InvalidInputError } from '../errors';
import { ConfigEditor } from '../devcontainer/configEditor';
import { detectFormatting, parseJsoncObject } from '../devcontainer/jsonc';
import { locateDevcontainer } from '../devcontainer/locate';

/**
 * The safe default Airlock offers for host-code-writable: read-only binds over the workspace's
 * code that runs on the host (git hooks and config, editor settings and tasks). Offered, not
 * imposed, because it costs something: inside the container, installing git hooks (husky,
 * pre-commit), `git config` in the repository, `git push -u` (it records the upstream in
 * .git/config) and editing .vscode/ fail.
 */
export const HOST_CODE_COST = 'inside the container, installing git hooks (husky, pre-commit), `git config` in the repository, `git push -u` and editing .vscode/ then fail';

/** The host-run paths of the workspace that exist (a bind needs its source). */
export function hostCodePaths(workspace: string): string[] {
	const stat = (rel: string): fs.Stats | undefined => {
		try {
			return fs.statSync(path.join(workspace, rel));
		} catch {
			return undefined;
		}
	};
	return [
		...(stat('.git/hooks')?.isDirectory() ? ['.git/hooks'] : []),
		...(stat('.git/config')?.isFile() ? ['.git/config'] : []),
		...(stat('.vscode')?.isDirectory() ? ['.vscode'] : []),
	];
}

export function readOnlyMountString(rel: string): string {
	return `source=\${localWorkspaceFolder}/${rel},target=\${containerWorkspaceFolder}/${rel},type=bind,readonly`;
}

/**
 * Adds the read-only binds to devcontainer.json `mounts` (keeping its comments and layout); a
 * bind already there is replaced by the read-only one. Creates an empty .vscode/ when there is
 * none, since a bind needs its source. Image and Dockerfile configs only: for
 * Compose the devcontainer CLI drops `readonly` from `mounts`, so the binds belong in a Compose
 * file as `read_only` volumes.
 */
export function protectHostCode(workspace: string): { file: string; added: string[] } {
	const location = locateDevcontainer(workspace);
	if (!location.exists) {
		throw new InvalidInputError([{ file: location.file, line: 1, column: 1, message: 'there is no devcontainer.json yet', hint: 'run `airlock generate` first' }]);
	}
	const text = fs.readFileSync(location.file, 'utf8');
	const root = parseJsoncObject(location.file, text);
	const editor = new ConfigEditor(location.file, text, detectFormatting(text, root));
	if (editor.node(['dockerComposeFile']) !== undefined) {
		throw new InvalidInputError([{
			file: location.file, line: 1, column: 1, message: 'a Compose-based configuration: devcontainer.json mounts lose read-only there',
			hint: `add to the service's volumes in your Compose file: ${hostCodePaths(workspace).map((p) => `{ type: bind, source: ${p}, target: <workspace>/${p}, read_only: true }`).join(', ') || '(nothing to protect)'}`,
		}]);
	}
	// A bind needs its source: an empty .vscode/ (git does not track it) lets the host's editor
	// settings stay out of the agent's reach even before the project has any.
	if (fs.existsSync(path.join(workspace, '.git')) || fs.existsSync(path.join(workspace, '.vscode'))) {
		fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
	}
	const paths = hostCodePaths(workspace);
	editor.ensureMounts(paths.map((name) => ({ name, mountString: readOnlyMountString(name) })));
	if (editor.text !== text) {
		parseJsoncObject(location.file, editor.text);
		writeFileAtomic(location.file, editor.text);
	}
	return { file: location.file, added: editor.text !== text ? paths : [] };
}
