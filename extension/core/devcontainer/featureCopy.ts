import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { readFileIfExists, writeFileAtomic } from '../atomicFile';
import { replaceDirWithCopy } from './files';

/**
 * The Feature's copy in a workspace (`.devcontainer/airlock/`): the Feature folder Airlock ships
 * (or one given with --feature-path), plus two files Airlock writes beside it:
 *
 * - `airlock-copy.json`, the stamp: which Airlock wrote the copy, from where, and the content
 *   hash of the Feature files, so `check` can tell an edited copy from an older one;
 * - `.gitattributes`, so a checkout on Windows keeps the scripts' LF line endings (a CRLF
 *   shell script fails in the container, and its hash would no longer match).
 *
 * The copy is committed with the repository, reviewable, and read-only inside the container
 * (Airlock mounts `.devcontainer` read-only).
 */
export const STAMP_FILE = 'airlock-copy.json';
export const GITATTRIBUTES_FILE = '.gitattributes';
export const GITATTRIBUTES_TEXT = '# Written by Airlock: the Feature\'s scripts must keep LF line endings.\n* text eol=lf\n';
const GENERATED = new Set([STAMP_FILE, GITATTRIBUTES_FILE]);

export type CopyOrigin = 'shipped' | 'feature-path';

export interface FeatureStamp {
	/** The Airlock version that wrote the copy. */
	readonly airlockVersion: string;
	/** `shipped`: the Feature in Airlock's package; `feature-path`: a folder given with --feature-path. */
	readonly origin: CopyOrigin;
	/** `sha256:` over the Feature's files (see featureContentHash). */
	readonly contentHash: string;
}

/** The relative paths (forward slashes) and contents of the Feature files under `dir`, sorted. */
function featureFiles(dir: string): Map<string, Buffer> {
	const files = new Map<string, Buffer>();
	const walk = (rel: string): void => {
		for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
			const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
			if (entry.isDirectory()) {
				walk(childRel);
			} else if (!(rel === '' && GENERATED.has(entry.name))) {
				files.set(childRel, fs.readFileSync(path.join(dir, childRel)));
			}
		}
	};
	walk('');
	return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function digest(content: Buffer): string {
	return createHash('sha256').update(content).digest('hex');
}

/**
 * `sha256:` over "path NUL sha256(content) LF" of every Feature file, sorted by path. File
 * modes are left out on purpose: a .vsix (a zip) and some checkouts drop the executable bit,
 * and the devcontainer CLI makes the scripts executable itself.
 */
export function featureContentHash(dir: string): string {
	const h = createHash('sha256');
	for (const [rel, content] of featureFiles(dir)) {
		h.update(`${rel}\0${digest(content)}\n`);
	}
	return `sha256:${h.digest('hex')}`;
}

/** Files that differ between two Feature folders (added, removed or changed), relative paths. */
export function differingFiles(a: string, b: string): string[] {
	const left = featureFiles(a);
	const right = featureFiles(b);
	const names = new Set([...left.keys(), ...right.keys()]);
	return [...names].filter((n) => {
		const l = left.get(n);
		const r = right.get(n);
		return l === undefined || r === undefined || !l.equals(r);
	}).sort();
}

export function readStamp(copyDir: string): FeatureStamp | undefined {
	let text: string | undefined;
	try {
		text = readFileIfExists(path.join(copyDir, STAMP_FILE));
	} catch {
		return undefined;
	}
	if (text === undefined) {
		return undefined;
	}
	try {
		const v = JSON.parse(text) as Partial<FeatureStamp>;
		if (typeof v.airlockVersion === 'string' && (v.origin === 'shipped' || v.origin === 'feature-path') && typeof v.contentHash === 'string' && /^sha256:[0-9a-f]{64}$/.test(v.contentHash)) {
			return { airlockVersion: v.airlockVersion, origin: v.origin, contentHash: v.contentHash };
		}
	} catch {
		// Not JSON: treated like a missing stamp.
	}
	return undefined;
}

export function stampText(stamp: FeatureStamp): string {
	return JSON.stringify({
		comment: 'Written by Airlock. This folder is the Airlock Dev Container Feature; `airlock generate` keeps it in step with the Airlock you run. Do not edit: `airlock check` reports edits.',
		...stamp,
	}, null, 2) + '\n';
}

/** What is wrong with a workspace's copy, compared with the Feature it should hold. */
export type CopyState =
	| { readonly kind: 'in-step'; readonly stamp: FeatureStamp }
	| { readonly kind: 'missing' }
	/** No readable stamp: not written by Airlock (or the stamp was damaged). */
	| { readonly kind: 'unstamped'; readonly files: readonly string[] }
	/** The Feature files no longer match the stamp: someone edited them. */
	| { readonly kind: 'edited'; readonly stamp: FeatureStamp; readonly files: readonly string[] }
	/** Unedited, but from another Airlock (or another folder) than the one expected. */
	| { readonly kind: 'other-version'; readonly stamp: FeatureStamp; readonly files: readonly string[] }
	/** Only the .gitattributes beside it is missing or changed. */
	| { readonly kind: 'companions'; readonly stamp: FeatureStamp };

/**
 * Compares the copy at `copyDir` with the Feature folder `expectedDir` (the shipped one, or the
 * --feature-path folder). Read-only.
 */
export function inspectCopy(copyDir: string, expectedDir: string): CopyState {
	if (!fs.existsSync(path.join(copyDir, 'devcontainer-feature.json'))) {
		return { kind: 'missing' };
	}
	const stamp = readStamp(copyDir);
	const actual = featureContentHash(copyDir);
	if (stamp === undefined) {
		return { kind: 'unstamped', files: differingFiles(copyDir, expectedDir) };
	}
	if (actual !== stamp.contentHash) {
		return { kind: 'edited', stamp, files: differingFiles(copyDir, expectedDir) };
	}
	if (actual !== featureContentHash(expectedDir)) {
		return { kind: 'other-version', stamp, files: differingFiles(copyDir, expectedDir) };
	}
	if (readFileIfExists(path.join(copyDir, GITATTRIBUTES_FILE)) !== GITATTRIBUTES_TEXT) {
		return { kind: 'companions', stamp };
	}
	return { kind: 'in-step', stamp };
}

/**
 * Writes the copy: the Feature files, the stamp and .gitattributes, swapped in whole (a failed
 * copy leaves the old folder as it was).
 */
export function writeCopy(sourceDir: string, copyDir: string, stamp: Omit<FeatureStamp, 'contentHash'>): void {
	const staging = fs.mkdtempSync(path.join(path.dirname(copyDir), '.airlock-copy-'));
	try {
		const tree = path.join(staging, 'airlock');
		fs.cpSync(sourceDir, tree, { recursive: true, preserveTimestamps: false, filter: (src) => !(path.dirname(src) === sourceDir && GENERATED.has(path.basename(src))) });
		writeFileAtomic(path.join(tree, STAMP_FILE), stampText({ ...stamp, contentHash: featureContentHash(tree) }));
		writeFileAtomic(path.join(tree, GITATTRIBUTES_FILE), GITATTRIBUTES_TEXT);
		replaceDirWithCopy(tree, copyDir);
	} finally {
		fs.rmSync(staging, { recursive: true, force: true });
	}
}

/** One line naming up to five files, for messages. */
export function listFiles(files: readonly string[]): string {
	return files.length <= 5 ? files.join(', ') : `${files.slice(0, 5).join(', ')} and ${files.length - 5} more`;
}
