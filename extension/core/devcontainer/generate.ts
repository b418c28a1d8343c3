import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInputError, lineColumnAt } from '../errors';
import { composeOverrideText, type ComposeTarget } from './compose';
import { ConfigEditor } from './configEditor';
import {
	COMPOSE_OVERRIDE_NAME,
	DEFAULT_IMAGE,
	DEFAULT_PROXY_PORT,
	DEFAULT_REMOTE_USER,
	WAIT_FOR_LOCK,
	featureKey,
	featureOptions,
	protectedPaths,
	proxyEnv,
	type FeatureSource,
	type GenerateOptions,
} from './desired';
import { readTextIfExists, replaceDirWithCopy, sameTree, writeFileAtomic } from './files';
import { detectFormatting, parseJsoncObject } from './jsonc';
import { locateDevcontainer } from './locate';

export interface ComposeOverridePlan {
	readonly file: string;
	readonly before: string | null;
	readonly after: string;
}

export interface GeneratePlan {
	/** The devcontainer.json to write. */
	readonly file: string;
	readonly kind: 'folder' | 'root';
	readonly before: string | null;
	readonly after: string;
	/** True when writing would change anything on disk (config, Compose override or local Feature copy). */
	readonly changed: boolean;
	/** For a local Feature: where its copy goes (`<workspace>/.devcontainer/airlock`). */
	readonly localFeatureTarget?: string;
	/** For a local Feature: the copy is missing or differs from the source folder. */
	readonly localFeatureStale?: boolean;
	/** For Compose configs: the override file that mounts `.devcontainer` read-only. */
	readonly composeOverride?: ComposeOverridePlan;
}

const NEW_CONFIG_HEADER = [
	'// Created by Airlock (`airlock generate`). Airlock manages only its Feature entry, the',
	'// read-only mounts and the proxy variables in remoteEnv; edit everything else freely.',
	'{}',
	'',
].join('\n');

export function resolvedSource(opts: { feature?: FeatureSource }): FeatureSource {
	return opts.feature ?? { kind: 'published' };
}

export function localFeatureTargetFor(workspace: string): string {
	return path.join(workspace, '.devcontainer', 'airlock');
}

/** A local Feature folder must be absolute and hold a devcontainer-feature.json with id "airlock" (the CLI requires folder name = id). */
export function validateLocalFeature(featureDir: string): void {
	const metadataFile = path.join(featureDir, 'devcontainer-feature.json');
	const fail = (message: string, hint: string, line = 1, column = 1): never => {
		throw new InvalidInputError([{ file: metadataFile, line, column, message, hint, entry: featureDir }]);
	};
	if (!path.isAbsolute(featureDir)) {
		fail(`local Feature folder ${JSON.stringify(featureDir)} is not an absolute path`, 'pass the absolute path of devcontainer-feature/src/airlock');
	}
	const text = readTextIfExists(metadataFile);
	if (text === null) {
		fail('local Feature folder has no devcontainer-feature.json', 'point at the Feature folder itself, e.g. <repo>/devcontainer-feature/src/airlock');
		return;
	}
	const root = parseJsoncObject(metadataFile, text);
	const idProperty = root.children?.find((p) => p.children?.[0]?.value === 'id');
	const id: unknown = idProperty?.children?.[1]?.value;
	if (id !== 'airlock') {
		const at = lineColumnAt(text, idProperty?.offset ?? 0);
		fail(`Feature id is ${JSON.stringify(id)}, expected "airlock"`, 'the devcontainer CLI requires the copied folder name (airlock) to equal the Feature id', at.line, at.column);
	}
}

/** Compose: where `.devcontainer` is in the container, from `service`, `workspaceFolder` and the first Compose file. */
export function composeTargetOf(editor: ConfigEditor, workspace: string, configDir: string, overrideFile: string): ComposeTarget {
	const service = editor.requireString('service', 'the Compose service the dev container runs in');
	const folder = editor.requireString('workspaceFolder', 'where the workspace is mounted in the service, e.g. "/workspaces/${localWorkspaceFolderBasename}"');
	const containerWorkspace = folder.split('${localWorkspaceFolderBasename}').join(path.basename(workspace));
	if (containerWorkspace.includes('${') || !containerWorkspace.startsWith('/')) {
		throw new InvalidInputError([
			{
				file: editor.file,
				...lineColumnAt(editor.text, editor.node(['workspaceFolder'])?.parent?.offset ?? 0),
				entry: folder,
				message: 'workspaceFolder must be an absolute container path (only ${localWorkspaceFolderBasename} can be resolved for the Compose override)',
				hint: 'use a plain path such as "/workspaces/${localWorkspaceFolderBasename}", then run `airlock generate`',
			},
		]);
	}
	const files: unknown = editor.value(['dockerComposeFile']);
	const list = (Array.isArray(files) ? files : [files]).filter((f): f is string => typeof f === 'string');
	const base = list.map((f) => path.resolve(configDir, f)).find((f) => f !== overrideFile) ?? overrideFile;
	return { service, containerWorkspace, baseComposeDir: path.dirname(base) };
}

/** Works out the new devcontainer.json (and companions) without writing anything. */
export function planDevcontainer(opts: GenerateOptions): GeneratePlan {
	const location = locateDevcontainer(opts.workspace);
	const source = resolvedSource(opts);
	const proxyPort = opts.proxyPort ?? DEFAULT_PROXY_PORT;
	const options = featureOptions(opts.policy, proxyPort, opts.allowSudo ?? false);
	if (source.kind === 'local') {
		validateLocalFeature(source.featureDir);
	}

	const before = location.exists ? fs.readFileSync(location.file, 'utf8') : null;
	const initial = before ?? NEW_CONFIG_HEADER;
	const formatting = detectFormatting(initial, before === null ? undefined : parseJsoncObject(location.file, initial));
	const editor = new ConfigEditor(location.file, initial, formatting);
	if (before === null) {
		editor.set([], { name: path.basename(path.resolve(opts.workspace)), image: DEFAULT_IMAGE, remoteUser: DEFAULT_REMOTE_USER });
	}

	editor.ensureFeature(featureKey(source, location.kind), options);

	const configDir = path.dirname(location.file);
	const paths = protectedPaths(location.kind);
	let composeOverride: ComposeOverridePlan | undefined;
	if (editor.node(['dockerComposeFile']) !== undefined) {
		const overrideFile = path.join(opts.workspace, '.devcontainer', COMPOSE_OVERRIDE_NAME);
		const target = composeTargetOf(editor, opts.workspace, configDir, overrideFile);
		editor.ensureComposeFile(path.relative(configDir, overrideFile).split(path.sep).join('/'), overrideFile, configDir);
		editor.removeMounts(paths);
		composeOverride = { file: overrideFile, before: readTextIfExists(overrideFile), after: composeOverrideText(opts.workspace, target, paths) };
	} else {
		editor.ensureMounts(paths);
	}

	editor.ensureRemoteEnv(proxyEnv(proxyPort));
	// Never let the devcontainer CLI rewrite the remote user's uid to the host user's: on a host
	// that runs as root that makes the agent uid 0, and a root agent can undo the firewall.
	editor.setIfDifferent(['updateRemoteUserUID'], false);
	// Editors and the devcontainer CLI connect (open terminals, start extensions and agents) only
	// once the Feature's postStartCommand has seen the lock, on every start and restart. A
	// `waitFor` the user chose stays as it is.
	if (editor.node(['waitFor']) === undefined) {
		editor.set(['waitFor'], WAIT_FOR_LOCK);
	}

	const after = editor.text;
	let localFeatureTarget: string | undefined;
	let localFeatureStale: boolean | undefined;
	if (source.kind === 'local') {
		localFeatureTarget = localFeatureTargetFor(opts.workspace);
		localFeatureStale = path.resolve(source.featureDir) !== localFeatureTarget && !sameTree(source.featureDir, localFeatureTarget);
	}
	const changed = after !== before || localFeatureStale === true || (composeOverride !== undefined && composeOverride.after !== composeOverride.before);
	return {
		file: location.file,
		kind: location.kind,
		before,
		after,
		changed,
		...(localFeatureTarget === undefined ? {} : { localFeatureTarget, localFeatureStale }),
		...(composeOverride === undefined ? {} : { composeOverride }),
	};
}

/**
 * Writes what `plan` says, each file atomically. Refuses when the config changed since it was
 * planned (someone edited it in between) so their edit is never overwritten. The Feature copy and
 * the Compose override are written before the config that refers to them.
 */
export function writeDevcontainer(plan: GeneratePlan, opts: GenerateOptions): void {
	const current = readTextIfExists(plan.file);
	if (current !== plan.before) {
		throw new Error(`${plan.file} changed since the plan was made; run \`airlock generate\` again`);
	}
	parseJsoncObject(plan.file, plan.after);
	fs.mkdirSync(path.join(opts.workspace, '.devcontainer'), { recursive: true });
	const source = resolvedSource(opts);
	if (source.kind === 'local' && plan.localFeatureTarget !== undefined && plan.localFeatureStale === true) {
		validateLocalFeature(source.featureDir);
		replaceDirWithCopy(source.featureDir, plan.localFeatureTarget);
	}
	if (plan.composeOverride !== undefined && plan.composeOverride.after !== plan.composeOverride.before) {
		writeFileAtomic(plan.composeOverride.file, plan.composeOverride.after);
	}
	if (plan.after !== plan.before) {
		fs.mkdirSync(path.dirname(plan.file), { recursive: true });
		writeFileAtomic(plan.file, plan.after);
	}
}
