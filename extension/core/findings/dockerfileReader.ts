import { lineColumnAt } from '../errors';
import type { ContainerSetting } from './settings';

/**
 * The image a Dockerfile's final stage starts from, with where it is written. Only the final
 * stage runs; a `FROM` naming an earlier stage is followed to that stage's image. `ARG`
 * defaults (and the build's `args`) fill in `${VARIANT}`-style references, as the build does.
 */
export function imageOfDockerfile(file: string, text: string, buildArgs: Readonly<Record<string, string>> = {}): ContainerSetting | undefined {
	const args = new Map<string, string>();
	const stages = new Map<string, ContainerSetting>();
	let last: ContainerSetting | undefined;
	// Continuation lines (`\` at the end) belong to the instruction above.
	const lines = text.split('\n');
	let offset = 0;
	for (let i = 0; i < lines.length; i++) {
		const lineStart = offset;
		let line = lines[i].replace(/\r$/, '');
		offset += lines[i].length + 1;
		while (line.endsWith('\\') && i + 1 < lines.length) {
			i++;
			line = line.slice(0, -1) + ' ' + lines[i].replace(/\r$/, '');
			offset += lines[i].length + 1;
		}
		const arg = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/i.exec(line);
		if (arg) {
			const value = buildArgs[arg[1]] ?? unquote(arg[2] ?? '');
			args.set(arg[1], value);
			continue;
		}
		const from = /^(\s*FROM\s+)((?:--\S+\s+)*)(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
		if (!from) {
			continue;
		}
		const raw = from[3];
		const name = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
			const key = braced ?? bare ?? '';
			return args.get(key) || fallback || '';
		});
		const { line: lineNo, column } = lineColumnAt(text, lineStart + from[1].length + from[2].length);
		const setting: ContainerSetting = stages.get(name.toLowerCase()) ?? { kind: 'image', name, written: `FROM ${raw}`, at: { file, line: lineNo, column } };
		if (from[4]) {
			stages.set(from[4].toLowerCase(), setting);
		}
		last = setting;
	}
	return last;
}

function unquote(value: string): string {
	return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}
