import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes `contents` to `file` so that readers see either the old file or the whole new one:
 * a temporary file in the same directory (same filesystem, so rename is atomic), fsync, rename.
 * The directory is created when missing. An existing file's mode is kept unless `mode` is given.
 */
export function writeFileAtomic(file: string, contents: string, options: { mode?: number } = {}): void {
	const dir = path.dirname(file);
	fs.mkdirSync(dir, { recursive: true });
	let mode = options.mode;
	if (mode === undefined) {
		try {
			mode = fs.statSync(file).mode & 0o777;
		} catch {
			mode = 0o644;
		}
	}
	const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
	const fd = fs.openSync(temp, 'wx', mode);
	try {
		fs.writeFileSync(fd, contents, 'utf8');
		fs.fsyncSync(fd);
	} finally {
		fs.closeSync(fd);
	}
	try {
		fs.renameSync(temp, file);
	} catch (err) {
		fs.rmSync(temp, { force: true });
		throw err;
	}
}

/** Reads a file, or undefined when it does not exist. Any other failure (permissions, a directory) throws. */
export function readFileIfExists(file: string): string | undefined {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
			return undefined;
		}
		throw err;
	}
}
