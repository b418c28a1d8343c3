import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceProblem } from '../errors';
import { readStamp, type CopyOrigin } from './featureCopy';

/**
 * Where the Airlock Feature of a devcontainer.json comes from, and the one rule that decides it
 * (used by `generate`, `up`, `check`, the editor and its drift check alike).
 */
export type FeatureSource =
	/**
	 * A Feature folder copied into `.devcontainer/airlock/` and referenced locally (`./airlock`):
	 * the folder Airlock ships (`origin: 'shipped'`) or one given with --feature-path. When
	 * `featureDir` is the copy itself, the copy is kept as it is.
	 */
	| { readonly kind: 'local'; readonly featureDir: string; readonly origin: CopyOrigin }
	/** A Feature published to an OCI registry, e.g. `ghcr.io/acme/features/airlock:0`. */
	| { readonly kind: 'published'; readonly ref: string };

export interface FeatureDecision {
	readonly source: FeatureSource;
	/** One sentence: why this source, for the CLI's output and the editor's log. */
	readonly why: string;
}

/**
 * The reference earlier Airlock versions wrote by default. Nothing was ever published there, so
 * a config that names it never built; moving it to the shipped copy switches no working source.
 */
const NEVER_PUBLISHED = /^ghcr\.io\/airlock-dev\/features\/airlock(?:[:@].*)?$/;

export function isNeverPublishedRef(ref: string): boolean {
	return NEVER_PUBLISHED.test(ref.toLowerCase());
}

/** The `features` key of a local copy: relative to the config, inside `.devcontainer/`. */
export function localFeatureKey(kind: 'folder' | 'root'): string {
	return kind === 'folder' ? './airlock' : './.devcontainer/airlock';
}

export function localFeatureCopyDir(workspace: string): string {
	return path.join(workspace, '.devcontainer', 'airlock');
}

/** Walks up from this module to the first folder holding `rel` (the source tree or an installed package). */
function findUp(rel: string, accept: (candidate: string) => boolean): string | undefined {
	let dir = __dirname;
	for (;;) {
		const candidate = path.join(dir, rel);
		if (accept(candidate)) {
			return candidate;
		}
		const parent = path.dirname(dir);
		if (parent === dir) {
			return undefined;
		}
		dir = parent;
	}
}

/**
 * The Feature folder that ships with this Airlock (in the npm package, the .vsix and a source
 * checkout alike: `devcontainer-feature/src/airlock` next to `dist/`).
 */
export function shippedFeatureDir(): string {
	const dir = findUp(path.join('devcontainer-feature', 'src', 'airlock'), (c) => fs.existsSync(path.join(c, 'devcontainer-feature.json')));
	if (dir === undefined) {
		throw new Error(`cannot find the Airlock Feature (devcontainer-feature/src/airlock above ${__dirname}); reinstall Airlock, the package is incomplete`);
	}
	return dir;
}

let cachedVersion: string | undefined;
/** This Airlock's version, from its package.json. */
export function airlockVersion(): string {
	if (cachedVersion === undefined) {
		const file = findUp('package.json', (c) => {
			try {
				return (JSON.parse(fs.readFileSync(c, 'utf8')) as { name?: unknown }).name === 'airlock';
			} catch {
				return false;
			}
		});
		cachedVersion = file === undefined ? 'unknown' : String((JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown');
	}
	return cachedVersion;
}

/**
 * An OCI reference the devcontainer CLI can fetch: `registry[:port]/path[:tag|@sha256:digest]`.
 * Returns the problem, or undefined when it is well formed.
 */
export function featureRefProblem(ref: string, where: { file: string; line: number; column: number }): SourceProblem | undefined {
	const ok = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})?$/.test(ref);
	if (ok && !isNeverPublishedRef(ref)) {
		return undefined;
	}
	return {
		...where,
		entry: ref,
		message: ok ? `${ref} was never published (earlier Airlock versions wrote it by mistake)` : `${JSON.stringify(ref)} is not an OCI reference such as ghcr.io/acme/features/airlock:0`,
		hint: ok ? 'drop --feature-ref to use the Feature that ships with Airlock' : 'give registry/namespace/airlock:TAG (what `scripts/publish-feature.sh` printed when you published it)',
	};
}

/** What the config uses today: its Airlock `features` keys, and the local copy's stamp. */
export interface CurrentFeature {
	readonly kind: 'folder' | 'root';
	readonly keys: readonly string[];
	readonly copyDir: string;
}

/**
 * The one rule. An explicit choice (--feature-path, --feature-ref, the editor's
 * `airlock.featureReference`) wins: the person asked for it. Otherwise keep what the config
 * already uses when it can work — a local copy stays local (a --feature-path copy stays as it
 * is; a shipped one follows the Airlock that runs), a published reference stays published —
 * and never switch a working reference behind the user's back. Only a reference that can never
 * work (the one earlier versions wrote, never published) is moved to the shipped copy. A config
 * with no Airlock entry gets the shipped copy: it builds with no registry at all.
 */
export function decideFeatureSource(current: CurrentFeature, explicit: FeatureSource | undefined, shippedDir: string): FeatureDecision {
	if (explicit !== undefined) {
		return { source: explicit, why: explicit.kind === 'published' ? `the published Feature ${explicit.ref}, as asked` : `a copy of ${explicit.featureDir}, as asked (--feature-path)` };
	}
	const shipped: FeatureSource = { kind: 'local', featureDir: shippedDir, origin: 'shipped' };
	const localKey = localFeatureKey(current.kind);
	if (current.keys.includes(localKey)) {
		if (readStamp(current.copyDir)?.origin === 'feature-path') {
			return { source: { kind: 'local', featureDir: current.copyDir, origin: 'feature-path' }, why: `the config uses its local copy ${localKey}, made from a --feature-path folder; it is kept as it is` };
		}
		return { source: shipped, why: `the config uses the local copy ${localKey} of the Feature that ships with Airlock ${airlockVersion()}` };
	}
	const published = current.keys.find((k) => !k.startsWith('.') && !isNeverPublishedRef(k));
	if (published !== undefined) {
		return { source: { kind: 'published', ref: published }, why: `the config uses the published Feature ${published}; it is kept` };
	}
	const neverPublished = current.keys.find((k) => isNeverPublishedRef(k));
	if (neverPublished !== undefined) {
		return { source: shipped, why: `${neverPublished} was never published, so that config could not build; it now uses the Feature that ships with Airlock (${localKey})` };
	}
	return { source: shipped, why: `the Feature that ships with Airlock ${airlockVersion()}, copied to ${localKey} (no registry needed)` };
}
