import { getNodeValue, type FormattingOptions, type JSONPath, type ModificationOptions, type Node } from 'jsonc-parser';
import { isDeepStrictEqual } from 'node:util';
import * as path from 'node:path';
import { InvalidInputError } from '../errors';
import { isAirlockFeatureKey, isExpectedMount, parseMount, targetsProtectedPath, type ProtectedPath } from './desired';
import { modifyText, nodeAt, parseJsoncObject, problemAt } from './jsonc';

const REGENERATE = 'run `airlock generate` after fixing it';

/**
 * Edits one devcontainer.json text through jsonc-parser modifications, re-parsing after each
 * so every edit is computed against the current text. Never re-serialises the whole file.
 */
export class ConfigEditor {
	private root: Node;

	constructor(readonly file: string, private current: string, private readonly formatting: FormattingOptions) {
		this.root = parseJsoncObject(file, current);
	}

	get text(): string {
		return this.current;
	}

	node(jsonPath: JSONPath): Node | undefined {
		return nodeAt(this.root, jsonPath);
	}

	value(jsonPath: JSONPath): unknown {
		const n = this.node(jsonPath);
		return n === undefined ? undefined : getNodeValue(n);
	}

	set(jsonPath: JSONPath, value: unknown, extra: Omit<ModificationOptions, 'formattingOptions'> = {}): void {
		this.current = modifyText(this.current, jsonPath, value, this.formatting, extra);
		this.root = parseJsoncObject(this.file, this.current);
	}

	/** Sets a value only when it differs, so a second run touches nothing. */
	setIfDifferent(jsonPath: JSONPath, value: unknown): void {
		if (!isDeepStrictEqual(this.value(jsonPath), value)) {
			this.set(jsonPath, value);
		}
	}

	/**
	 * Appends to an array. A one-line array is rewritten as a whole (one item per line), because
	 * formatting just the new item would leave it half on one line and half on the next.
	 */
	append(arrayPath: JSONPath, item: unknown): void {
		const array = this.node(arrayPath);
		if (array !== undefined && !this.current.slice(array.offset, array.offset + array.length).includes('\n')) {
			this.set(arrayPath, [...(getNodeValue(array) as unknown[]), item]);
		} else {
			this.set([...arrayPath, -1], item, { isArrayInsertion: true });
		}
	}

	/** The node at `key`, which must be absent or of `type`. */
	expectType(key: string, type: Node['type'], what: string): Node | undefined {
		const n = this.node([key]);
		if (n !== undefined && n.type !== type) {
			throw new InvalidInputError([
				problemAt(this.file, this.current, n, `"${key}" is ${n.type === 'null' ? 'null' : `${/^[aeiou]/.test(n.type) ? 'an' : 'a'} ${n.type}`}, expected ${what}`, `make "${key}" ${what}, then ${REGENERATE}`, key),
			]);
		}
		return n;
	}

	propertyKeys(objectNode: Node | undefined): string[] {
		return (objectNode?.children ?? []).map((p) => String(p.children?.[0]?.value));
	}

	/** Keeps exactly one Airlock entry under `features`, at `key`, with exactly `options`. */
	ensureFeature(key: string, options: object): void {
		const features = this.expectType('features', 'object', 'an object');
		if (features === undefined) {
			this.set(['features'], { [key]: options });
			return;
		}
		const keys = this.propertyKeys(features);
		const stale = keys.filter((k) => k !== key && isAirlockFeatureKey(k));
		// A replacement goes where the first stale entry was. A new entry goes first: Features
		// without ordering constraints install (and run their entrypoints) in key order, so the
		// lock comes before the others; and text inserted after `{` never lands between another
		// entry and its trailing comment.
		const firstStale = keys.findIndex((k) => stale.includes(k));
		const insertAt = firstStale === -1 ? 0 : keys.slice(0, firstStale).filter((k) => !stale.includes(k)).length;
		for (const k of stale) {
			this.set(['features', k], undefined);
		}
		if (!isDeepStrictEqual(this.value(['features', key]), options)) {
			this.set(['features', key], options, { getInsertionIndex: () => insertAt });
		}
	}

	/** Removes every `features` entry whose key matches (the Airlock Feature, in the sidecar topology). */
	removeFeatures(matches: (key: string) => boolean): void {
		const features = this.expectType('features', 'object', 'an object');
		for (const key of this.propertyKeys(features).filter(matches)) {
			this.set(['features', key], undefined);
		}
	}

	/** Adds each read-only bind once; a mount at the same target that is not exactly ours is replaced. */
	ensureMounts(paths: readonly ProtectedPath[]): void {
		if (this.expectType('mounts', 'array', 'an array') === undefined) {
			this.set(['mounts'], paths.map((p) => p.mountString));
			return;
		}
		for (const p of paths) {
			const matching = this.mountIndexes((m) => targetsProtectedPath(m, p.name));
			if (matching.length === 0) {
				this.append(['mounts'], p.mountString);
				continue;
			}
			for (const index of matching.slice(1).reverse()) {
				this.set(['mounts', index], undefined);
			}
			const first = parseMount(this.value(['mounts', matching[0]]));
			if (first === undefined || !isExpectedMount(first, p)) {
				this.set(['mounts', matching[0]], p.mountString);
			}
		}
	}

	/** Removes `mounts` entries at the protected targets (Compose would make them writable). */
	removeMounts(paths: readonly ProtectedPath[]): void {
		if (this.expectType('mounts', 'array', 'an array') === undefined) {
			return;
		}
		const doomed = this.mountIndexes((m) => paths.some((p) => targetsProtectedPath(m, p.name)));
		for (const index of doomed.reverse()) {
			this.set(['mounts', index], undefined);
		}
	}

	private mountIndexes(predicate: (m: NonNullable<ReturnType<typeof parseMount>>) => boolean): number[] {
		const items = this.node(['mounts'])?.children ?? [];
		const indexes: number[] = [];
		items.forEach((item, index) => {
			const m = parseMount(getNodeValue(item));
			if (m !== undefined && predicate(m)) {
				indexes.push(index);
			}
		});
		return indexes;
	}

	/** Lists `ref` in `dockerComposeFile` (turning a single string into a list) unless it resolves there already. */
	ensureComposeFile(ref: string, absolute: string, configDir: string): void {
		const n = this.node(['dockerComposeFile']);
		const value: unknown = n === undefined ? undefined : getNodeValue(n);
		const resolves = (v: unknown): boolean => typeof v === 'string' && path.resolve(configDir, v) === absolute;
		if (typeof value === 'string') {
			if (!resolves(value)) {
				this.set(['dockerComposeFile'], [value, ref]);
			}
		} else if (Array.isArray(value)) {
			if (!value.some(resolves)) {
				this.append(['dockerComposeFile'], ref);
			}
		} else {
			throw new InvalidInputError([
				problemAt(this.file, this.current, n, '"dockerComposeFile" is neither a string nor an array of strings', `list your Compose files there, then ${REGENERATE}`, 'dockerComposeFile'),
			]);
		}
	}

	/** Sets Airlock's variables in `containerEnv` (or `remoteEnv`), leaving every other key alone. */
	ensureEnv(key: 'containerEnv' | 'remoteEnv', env: Readonly<Record<string, string>>): void {
		if (this.expectType(key, 'object', 'an object') === undefined) {
			this.set([key], { ...env });
			return;
		}
		for (const [name, value] of Object.entries(env)) {
			this.setIfDifferent([key, name], value);
		}
	}

	/** Removes `names` from the object at `key`, and the object itself when nothing else is left in it. */
	removeEnv(key: 'containerEnv' | 'remoteEnv', names: readonly string[]): void {
		const n = this.node([key]);
		if (n?.type !== 'object') {
			return;
		}
		const present = this.propertyKeys(n).filter((k) => names.includes(k));
		if (present.length === 0) {
			return;
		}
		if (present.length === this.propertyKeys(n).length) {
			this.set([key], undefined);
			return;
		}
		for (const name of present) {
			this.set([key, name], undefined);
		}
	}

	/** A string property, or an error naming what to set. */
	requireString(key: string, why: string): string {
		const n = this.node([key]);
		const v: unknown = n === undefined ? undefined : getNodeValue(n);
		if (typeof v !== 'string' || v === '') {
			throw new InvalidInputError([
				problemAt(this.file, this.current, n ?? this.root, n === undefined ? `"${key}" is missing` : `"${key}" is not a non-empty string`, `set "${key}": ${why}, then run \`airlock generate\``, key),
			]);
		}
		return v;
	}
}
