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
import { GITATTRIBUTES_FILE, inspectCopy, listFiles, STAMP_FILE, type CopyState } from './featureCopy';
import { airlockVersion, localFeatureCopyDir } from './featureSource';
import { readTextIfExists } from './files';
import { composeTargetOf, featureDecisionFor, planDevcontainer } from './generate';
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
	/** An explicit Feature source (--feature-path, --feature-ref, the editor setting); otherwise the one rule decides. */
	feature?: FeatureSource;
	proxyPort?: number;
	allowSudo?: boolean;
	/** Where the lock lives (the approved plan's terms); default single. */
	topology?: 'single' | 'sidecar';
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
	let source: FeatureSource;
	try {
		source = featureDecisionFor(workspace, opts.feature).source;
	} catch (e) {
		if (e instanceof InvalidInputError) {
			return { ok: false, file, problems: e.problems.map(formatProblem) };
		}
		throw e;
	}
	if (opts.topology === 'sidecar') {
		return checkSidecar(workspace, policy, file, source, opts);
	}
	const key = featureKey(source, location.kind);
	const featuresNode = editor.node(['features']);
	const keys = featuresNode?.type === 'object' ? editor.propertyKeys(featuresNode) : [];
	const airlockKeys = keys.filter(isAirlockFeatureKey);

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

	const containerEnv = editor.node(['containerEnv']);
	for (const [name, value] of Object.entries(proxyEnv(proxyPort))) {
		const actual = editor.value(['containerEnv', name]);
		if (actual !== value) {
			at(editor.node(['containerEnv', name]) ?? containerEnv, `containerEnv.${name} is ${actual === undefined ? 'missing' : JSON.stringify(actual)}, expected ${JSON.stringify(value)} (every process in the container, not only the editor's, must use the proxy)`);
		}
		// remoteEnv wins over containerEnv for the editor's processes; Airlock keeps them in one place.
		const remote = editor.value(['remoteEnv', name]);
		if (remote !== undefined) {
			at(editor.node(['remoteEnv', name]), remote === value
				? `remoteEnv.${name} is left from an older Airlock (the proxy variables now live in containerEnv, for every process)`
				: `remoteEnv.${name} is ${JSON.stringify(remote)}, which overrides Airlock's ${JSON.stringify(value)} for the editor's processes`);
		}
	}
	if (editor.node(['waitFor']) === undefined) {
		at(editor.node([]), `waitFor is missing, expected ${JSON.stringify(WAIT_FOR_LOCK)} (editors then connect only after the lock; a waitFor you set yourself is kept)`);
	}

	if (source.kind === 'local') {
		const copyProblem = describeCopyState(localFeatureCopyDir(workspace), inspectCopy(localFeatureCopyDir(workspace), source.featureDir), source);
		if (copyProblem !== undefined) {
			problems.push(copyProblem);
		}
	}

	// Safety net: anything generate would still change counts, even if no rule above named it.
	if (problems.length === 0) {
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

/**
 * The sidecar topology: devcontainer.json and the Compose file Airlock owns are checked against
 * what `airlock generate` writes for the approved plan, file by file, and the Feature copy (the
 * proxy's build context) like in the single topology.
 */
function checkSidecar(workspace: string, policy: EnforcedPolicy, file: string, source: FeatureSource, opts: CheckOptions): DevcontainerCheck {
	const problems: string[] = [];
	if (source.kind === 'local') {
		const copyProblem = describeCopyState(localFeatureCopyDir(workspace), inspectCopy(localFeatureCopyDir(workspace), source.featureDir), source);
		if (copyProblem !== undefined) {
			problems.push(copyProblem);
		}
	}
	try {
		const plan = planDevcontainer({ workspace, policy, feature: source, topology: 'sidecar', ...(opts.allowSudo ? { allowSudo: true } : {}) });
		if (plan.after !== plan.before) {
			problems.push(`${file}: is not the sidecar topology's configuration for the approved plan (${plan.before === null ? 'missing' : 'it differs'}); ${FIX}`);
		}
		const compose = plan.composeOverride;
		if (compose !== undefined && compose.after !== compose.before) {
			problems.push(`${compose.file}: ${compose.before === null ? 'missing' : 'differs from what Airlock writes for the approved plan (the proxy, the gate, the internal network, the starting policy)'}; ${FIX}${folderNameNote(workspace, workspaceFolderOf(file))}`);
		}
	} catch (e) {
		if (!(e instanceof InvalidInputError)) {
			throw e;
		}
		problems.push(...e.problems.map(formatProblem));
	}
	return { ok: problems.length === 0, file, problems };
}

/** One message for a copy that is not in step, naming what differs and the command that fixes it. */
function describeCopyState(copyDir: string, state: CopyState, source: Extract<FeatureSource, { kind: 'local' }>): string | undefined {
	const shipped = source.origin === 'shipped';
	switch (state.kind) {
		case 'in-step':
			return undefined;
		case 'missing':
			return `${copyDir}: the Feature copy the config references is missing; ${FIX}${shipped ? '' : ` --feature-path ${source.featureDir}`}`;
		case 'companions':
			return `${path.join(copyDir, GITATTRIBUTES_FILE)}: missing or changed (it keeps the Feature's scripts at LF line endings); ${FIX}`;
		case 'unstamped':
			return state.files.length === 0
				? `${path.join(copyDir, STAMP_FILE)}: missing (the copy was written by an Airlock from before stamps); ${FIX}`
				: `${copyDir}: not written by Airlock (no valid ${STAMP_FILE}) and ${listFiles(state.files)} differ from the Feature Airlock ships; to use the shipped Feature delete the folder and run \`airlock generate\`, to keep your own pass --feature-path`;
		case 'edited':
			return `${copyDir}: edited after Airlock wrote it (${listFiles(state.files)} differ from ${shipped ? `the Feature Airlock ${airlockVersion()} ships` : source.featureDir}); to restore it delete the folder and run \`airlock generate\`, to keep a Feature of your own keep it in another folder and pass --feature-path`;
		case 'other-version':
			return shipped
				? `${copyDir}: written by Airlock ${state.stamp.airlockVersion}${state.stamp.origin === 'feature-path' ? ' from a --feature-path folder' : ''}; it differs from the Feature this Airlock (${airlockVersion()}) ships (${listFiles(state.files)}); ${FIX}`
				: `${copyDir}: differs from ${source.featureDir} (${listFiles(state.files)}); ${FIX} --feature-path ${source.featureDir}`;
	}
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
	for (const name of ['mode', 'proxyPort', 'allowSudo', 'exfilWarn'] as const) {
		if (!isDeepStrictEqual(options[name], expected[name])) {
			at(editor.node(['features', key, name]) ?? entry, `${where}.${name} is ${options[name] === undefined ? 'missing' : JSON.stringify(options[name])}, ${expected[name] === undefined ? 'the approved plan sets none' : `the approved plan says ${JSON.stringify(expected[name])}`}`);
		}
	}
	const unknown = Object.keys(options).filter((k) => !(k in expected));
	if (unknown.length > 0) {
		at(entry, `${where} has options Airlock does not set: ${quoteList(unknown)}`);
	}
}

/**
 * A Compose config whose workspaceFolder follows the folder's name: the read-only mounts Airlock
 * writes name the path in the container, which Compose cannot derive, so a checkout in a folder of
 * another name (a CI runner's) really is out of step. Say so, and how to make it fixed.
 */
function folderNameNote(workspace: string, workspaceFolder: unknown): string {
	if (typeof workspaceFolder !== 'string' || !workspaceFolder.includes('${localWorkspaceFolderBasename}')) {
		return '';
	}
	return ` (workspaceFolder uses \${localWorkspaceFolderBasename}, so the container path Airlock mounts read-only follows this folder's name, "${path.basename(path.resolve(workspace))}": a checkout in a folder of another name needs its own \`airlock generate\`; a fixed workspaceFolder, with your Compose file mounting the repository there, keeps every checkout in step)`;
}

function workspaceFolderOf(configFile: string): unknown {
	try {
		const text = fs.readFileSync(configFile, 'utf8');
		return new ConfigEditor(configFile, text, detectFormatting(text, undefined)).value(['workspaceFolder']);
	} catch {
		return undefined;
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
			problems.push(`${overrideFile}: ${actualText === null ? 'missing' : 'differs from what Airlock writes'} (it mounts ${paths.map((p) => p.name).join(' and ')} read-only); ${FIX}${actualText === null ? '' : folderNameNote(workspace, editor.value(['workspaceFolder']))}`);
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
