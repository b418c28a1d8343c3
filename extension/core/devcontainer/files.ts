import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFileIfExists, writeFileAtomic } from '../atomicFile';

/** The file's text, or null when it does not exist. */
export function readTextIfExists(file: string): string | null {
	return readFileIfExists(file) ?? null;
}

function tempSibling(target: string, suffix: string): string {
	return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}${suffix}`);
}

export { writeFileAtomic };

/**
 * Replaces the folder `dest` with a copy of `src`: the copy is made beside `dest` first, so a
 * failed copy leaves the old folder untouched; the swap is two renames in the same directory.
 */
export function replaceDirWithCopy(src: string, dest: string): void {
	const fresh = tempSibling(dest, '.new');
	const old = tempSibling(dest, '.old');
	try {
		fs.cpSync(src, fresh, { recursive: true, preserveTimestamps: false });
	} catch (e) {
		fs.rmSync(fresh, { recursive: true, force: true });
		throw e;
	}
	const hadOld = fs.existsSync(dest);
	if (hadOld) {
		fs.renameSync(dest, old);
	}
	try {
		fs.renameSync(fresh, dest);
	} catch (e) {
		if (hadOld) {
			fs.renameSync(old, dest);
		}
		fs.rmSync(fresh, { recursive: true, force: true });
		throw e;
	}
	fs.rmSync(old, { recursive: true, force: true });
}

/** Relative path → content and executable bit, for every file under `dir` (symlinks by target). */
function snapshot(dir: string): Map<string, string> {
	const out = new Map<string, string>();
	const walk = (rel: string): void => {
		for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
			const childRel = path.join(rel, entry.name);
			const abs = path.join(dir, childRel);
			if (entry.isDirectory()) {
				walk(childRel);
			} else {
				const executable = (fs.statSync(abs).mode & 0o111) !== 0;
				out.set(childRel, `${executable ? 'x' : '-'}${fs.readFileSync(abs).toString('base64')}`);
			}
		}
	};
	walk('');
	return out;
}

/** True when both folders hold the same files with the same contents and executable bits. */
export function sameTree(a: string, b: string): boolean {
	if (!fs.existsSync(a) || !fs.existsSync(b)) {
		return false;
	}
	const left = snapshot(a);
	const right = snapshot(b);
	return left.size === right.size && [...left].every(([k, v]) => right.get(k) === v);
}
