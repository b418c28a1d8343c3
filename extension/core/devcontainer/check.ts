import * as fs from 'node:fs';
import * as path from 'node:path';
import { getNodeValue, type Node } from 'jsonc-parser';
import { isDeepStrictEqual } from 'node:util';
import type { EnforcedPolicy } from '../enforcedPolicy';
import { InvalidInputError, formatProblem, lineColumnAt } from '../errors';
import { composeOverrideText } from './compose';
import { ConfigEditor } from './configEditor';
import {
	COMPOSE_OVERRIDE_NAME,
	DEFAULT_PROXY_PORT,
	featureKey,
	featureOptions,
	isAirlockFeatureKey,
	isExpectedMount,
	parseMount,
	protectedPaths,
	proxyEnv,
	targetsProtectedPath,
	WAIT_FOR_LOCK,
	type FeatureSource,
} from './desired';
import { readTextIfExists, sameTree } from './files';
import { composeTargetOf, localFeatureTargetFor, planDevcontainer } from './generate';
import { detectFormatting } from './jsonc';
import { locateDevcontainer } from './locate';

export interface DevcontainerCheck {
	readonly ok: boolean;
	/** The config that was checked, or null when there is none. */
	readonly file: string | null;
	/** Each says where, what differs from the approved plan, and to run `airlock generate`. */
	readonly problems: string[];
}

export interface CheckOptions {
	/** The Feature source `airlock generate` was given; without it, a local `./airlock` entry is accepted as is. */
	feature?: FeatureSource;
	proxyPort?: number;
	allowSudo?: boolean;
}

const FIX = 'run `airlock generate`';

function quoteList(items: readonly string[]): string {
	return items.join(', ');
}

function allowItems(value: string): string[] {
	return value === '' ? [] : value.split(',');
}

/**
 * Compares the workspace's devcontainer.json with what `airlock generate` would write for the
 * approved policy, and lists every difference. Read-only.
 */
export function checkDevcontainer(workspace: string, policy: EnforcedPolicy, opts: CheckOptions = {}): DevcontainerCheck {
	let location;
	try {
		location = locateDevcontainer(workspace);
	} catch (e) {
		if (e instanceof InvalidInputError) {
			return { ok: false, file: null, problems: e.problems.map(formatProblem) };
		}
		throw e;
	}
	if (!location.exists) {
		return { ok: false, file: null, problems: [`no dev container configuration (.devcontainer/devcontainer.json or .devcontainer.json): ${FIX}`] };
	}
	const file = location.file;
	const text = fs.readFileSync(file, 'utf8');
	const problems: string[] = [];
	let editor: ConfigEditor;
	try {
		editor = new ConfigEditor(file, text, detectFormatting(text, undefined));
	} catch (e) {
		if (e instanceof InvalidInputError) {
			return { ok: false, file, problems: e.problems.map(formatProblem) };
		}
		throw e;
	}
	const at = (node: Node | undefined, message: string): void => {
		const offset = node?.parent?.type === 'property' ? node.parent.offset : (node?.offset ?? 0);
		const { line, column } = lineColumnAt(text, offset);
		problems.push(`${file}:${line}:${column}: ${message}; ${FIX}`);
	};

	const proxyPort = opts.proxyPort ?? DEFAULT_PROXY_PORT;
	const expected = featureOptions(policy, proxyPort, opts.allowSudo ?? false);
	const localKey = featureKey({ kind: 'local', featureDir: '' }, location.kind);
	const featuresNode = editor.node(['features']);
	const keys = featuresNode?.type === 'object' ? editor.propertyKeys(featuresNode) : [];
	const airlockKeys = keys.filter(isAirlockFeatureKey);
	// Without an explicit source, an existing local entry counts as the chosen one.
	const source: FeatureSource | undefined = opts.feature ?? (airlockKeys.includes(localKey) ? undefined : { kind: 'published' });
	const key = source === undefined ? localKey : featureKey(source, location.kind);

	if (featuresNode !== undefined && featuresNode.type !== 'object') {
		at(featuresNode, '"features" is not an object');
	} else if (airlockKeys.length === 0) {
		at(featuresNode ?? editor.node([]), `features has no Airlock entry (expected ${JSON.stringify(key)})`);
	}
	for (const other of airlockKeys.filter((k) => k !== key)) {
		at(editor.node(['features', other]), `features has an Airlock entry ${JSON.stringify(other)} that is not the expected ${JSON.stringify(key)}`);
	}
	if (airlockKeys.includes(key)) {
		checkFeatureOptions(editor, key, expected, at);
	}

	const paths = protectedPaths(location.kind);
	const configDir = path.dirname(file);
	if (editor.node(['dockerComposeFile']) !== undefined) {
		checkCompose(editor, workspace, configDir, paths, at, problems);
	} else {
		const mountsNode = editor.node(['mounts']);
		const items = mountsNode?.type === 'array' ? (mountsNode.children ?? []) : [];
		for (const p of paths) {
			const matching = items.filter((item) => {
				const m = parseMount(getNodeValue(item));
				return m !== undefined && targetsProtectedPath(m, p.name);
			});
			if (matching.length === 0) {
				at(mountsNode, `mounts has no read-only bind of ${p.name} (expected ${JSON.stringify(p.mountString)})`);
				continue;
			}
			const first = parseMount(getNodeValue(matching[0]));
			if (first === undefined || !isExpectedMount(first, p)) {
				at(matching[0], `mounts entry for ${p.name} ${first?.readonly ? "is read-only but not Airlock's bind" : 'is writable'} (expected ${JSON.stringify(p.mountString)})`);
			}
			if (matching.length > 1) {
				at(matching[1], `mounts has ${matching.length} entries for ${p.name}; expected one`);
			}
		}
	}

	const remoteEnv = editor.node(['remoteEnv']);
	for (const [name, value] of Object.entries(proxyEnv(proxyPort))) {
		const actual = editor.value(['remoteEnv', name]);
		if (actual !== value) {
			at(editor.node(['remoteEnv', name]) ?? remoteEnv, `remoteEnv.${name} is ${actual === undefined ? 'missing' : JSON.stringify(actual)}, expected ${JSON.stringify(value)}`);
		}
	}

	const updateUid = editor.value(['updateRemoteUserUID']);
	if (updateUid !== false) {
		at(editor.node(['updateRemoteUserUID']) ?? editor.node([]), `updateRemoteUserUID is ${updateUid === undefined ? 'missing' : JSON.stringify(updateUid)}, expected false (on a host running as root the agent would get uid 0 and could undo the firewall)`);
	}
	if (editor.node(['waitFor']) === undefined) {
		at(editor.node([]), `waitFor is missing, expected ${JSON.stringify(WAIT_FOR_LOCK)} (editors then connect only after the lock; a waitFor you set yourself is kept)`);
	}

	const copy = localFeatureTargetFor(workspace);
	if (source?.kind === 'local') {
		if (path.resolve(source.featureDir) !== copy && !sameTree(source.featureDir, copy)) {
			problems.push(`${copy}: the local Feature copy is missing or differs from ${source.featureDir}; ${FIX} --feature-path ${source.featureDir}`);
		}
	} else if (source === undefined && !fs.existsSync(path.join(copy, 'devcontainer-feature.json'))) {
		problems.push(`${copy}: ${JSON.stringify(localKey)} is referenced but the folder has no devcontainer-feature.json; ${FIX} --feature-path <repo>/devcontainer-feature/src/airlock`);
	}

	// Safety net: anything generate would still change counts, even if no rule above named it.
	if (problems.length === 0 && source !== undefined) {
		try {
			const plan = planDevcontainer({ workspace, policy, feature: source, proxyPort, allowSudo: opts.allowSudo ?? false });
			if (plan.changed) {
				problems.push(`${file}: differs from what \`airlock generate\` would write; ${FIX}`);
			}
		} catch (e) {
			if (!(e instanceof InvalidInputError)) {
				throw e;
			}
			problems.push(...e.problems.map(formatProblem));
		}
	}
	return { ok: problems.length === 0, file, problems };
}

function checkFeatureOptions(editor: ConfigEditor, key: string, expected: ReturnType<typeof featureOptions>, at: (node: Node | undefined, message: string) => void): void {
	const where = `features[${JSON.stringify(key)}]`;
	const entry = editor.node(['features', key]);
	const actual: unknown = entry === undefined ? undefined : getNodeValue(entry);
	if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
		at(entry, `${where} is not an options object`);
		return;
	}
	const options = actual as Record<string, unknown>;
	const allow = options.allow;
	if (typeof allow !== 'string') {
		at(editor.node(['features', key, 'allow']) ?? entry, `${where}.allow is ${allow === undefined ? 'missing' : 'not a string'}`);
	} else if (allow !== expected.allow) {
		const want = new Set(allowItems(expected.allow));
		const have = allowItems(allow);
		const extra = [...new Set(have.filter((h) => !want.has(h)))];
		const missing = [...want].filter((h) => !have.includes(h));
		const node = editor.node(['features', key, 'allow']);
		if (extra.length > 0) {
			at(node, `${where}.allow has ${extra.length} host${extra.length === 1 ? '' : 's'} the approved plan does not: ${quoteList(extra)}`);
		}
		if (missing.length > 0) {
			at(node, `${where}.allow lacks ${missing.length} host${missing.length === 1 ? '' : 's'} the approved plan has: ${quoteList(missing)}`);
		}
		if (extra.length === 0 && missing.length === 0) {
			at(node, `${where}.allow has the approved hosts but not in canonical form (sorted, no duplicates)`);
		}
	}
	for (const name of ['mode', 'proxyPort', 'allowSudo'] as const) {
		if (!isDeepStrictEqual(options[name], expected[name])) {
			at(editor.node(['features', key, name]) ?? entry, `${where}.${name} is ${options[name] === undefined ? 'missing' : JSON.stringify(options[name])}, the approved plan says ${JSON.stringify(expected[name])}`);
		}
	}
	const unknown = Object.keys(options).filter((k) => !(k in expected));
	if (unknown.length > 0) {
		at(entry, `${where} has options Airlock does not set: ${quoteList(unknown)}`);
	}
}

function checkCompose(
	editor: ConfigEditor,
	workspace: string,
	configDir: string,
	paths: ReturnType<typeof protectedPaths>,
	at: (node: Node | undefined, message: string) => void,
	problems: string[],
): void {
	const overrideFile = path.join(workspace, '.devcontainer', COMPOSE_OVERRIDE_NAME);
	const files: unknown = editor.value(['dockerComposeFile']);
	const list = (Array.isArray(files) ? files : [files]).filter((f): f is string => typeof f === 'string');
	if (!list.some((f) => path.resolve(configDir, f) === overrideFile)) {
		at(editor.node(['dockerComposeFile']), `dockerComposeFile does not list ${path.relative(configDir, overrideFile)} (the read-only mount of ${paths.map((p) => p.name).join(' and ')})`);
	}
	try {
		const expectedText = composeOverrideText(workspace, composeTargetOf(editor, workspace, configDir, overrideFile), paths);
		const actualText = readTextIfExists(overrideFile);
		if (actualText !== expectedText) {
			problems.push(`${overrideFile}: ${actualText === null ? 'missing' : 'differs from what Airlock writes'} (it mounts ${paths.map((p) => p.name).join(' and ')} read-only); ${FIX}`);
		}
	} catch (e) {
		if (!(e instanceof InvalidInputError)) {
			throw e;
		}
		problems.push(...e.problems.map(formatProblem));
	}
	const mountsNode = editor.node(['mounts']);
	for (const item of mountsNode?.type === 'array' ? (mountsNode.children ?? []) : []) {
		const m = parseMount(getNodeValue(item));
		const hit = m === undefined ? undefined : paths.find((p) => targetsProtectedPath(m, p.name));
		if (hit !== undefined) {
			at(item, `mounts has an entry for ${hit.name}, which Compose would mount writable over Airlock's read-only bind`);
		}
	}
}
