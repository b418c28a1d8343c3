import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInputError, lineColumnAt } from '../errors';
import { composeOverrideText, type ComposeTarget } from './compose';
import { ConfigEditor } from './configEditor';
import { inspectCopy, listFiles, STAMP_FILE, writeCopy, type CopyState } from './featureCopy';
import { airlockVersion, decideFeatureSource, featureRefProblem, localFeatureCopyDir, shippedFeatureDir, type FeatureDecision } from './featureSource';
import {
	COMPOSE_OVERRIDE_NAME,
	DEFAULT_PROXY_PORT,
	WAIT_FOR_LOCK,
	featureKey,
	featureOptions,
	isAirlockFeatureKey,
	protectedPaths,
	proxyEnv,
	type FeatureSource,
	type GenerateOptions,
} from './desired';
import { readTextIfExists, writeFileAtomic } from './files';
import { detectFormatting, parseJsoncObject } from './jsonc';
import { initialConfigFor } from './initialConfig';
import { isConvertedConfig, planSidecar, restoreConvertedConfig, sidecarProxyEnv } from './sidecar';
import { canonicalText } from '../enforcedPolicy';
import { locateDevcontainer } from './locate';

export interface ComposeOverridePlan {
	readonly file: string;
	readonly before: string | null;
	/** null: the file is removed (a config going back from the sidecar topology needs none). */
	readonly after: string | null;
}

export interface GeneratePlan {
	/** The devcontainer.json to write. */
	readonly file: string;
	readonly kind: 'folder' | 'root';
	readonly before: string | null;
	readonly after: string;
	/** True when writing would change anything on disk (config, Compose override or local Feature copy). */
	readonly changed: boolean;
	/** Where the Feature comes from, and why (see decideFeatureSource). */
	readonly feature: FeatureDecision;
	/** For a new config: what it was made from (the Dockerfile or Compose file in .devcontainer, or the base image). */
	readonly createdFrom?: string;
	/** For a local Feature: where its copy goes (`<workspace>/.devcontainer/airlock`). */
	readonly localFeatureTarget?: string;
	/** For a local Feature: the copy is missing, older, or lacks its companions, and is (re)written. */
	readonly localFeatureStale?: boolean;
	/** For a local Feature: what the copy is now, compared with the Feature it should hold. */
	readonly copyState?: CopyState;
	/** For Compose configs: the override file that mounts `.devcontainer` read-only. */
	readonly composeOverride?: ComposeOverridePlan;
}

const NEW_CONFIG_HEADER = [
	'// Created by Airlock (`airlock generate`). Airlock manages only its Feature entry, the',
	'// read-only mounts and the proxy variables in containerEnv; edit everything else freely.',
	'{}',
	'',
].join('\n');

export function localFeatureTargetFor(workspace: string): string {
	return localFeatureCopyDir(workspace);
}

/** The Airlock keys under `features` in a config text (none when it has no `features` object). */
export function airlockFeatureKeys(file: string, text: string | null): string[] {
	if (text === null) {
		return [];
	}
	const editor = new ConfigEditor(file, text, detectFormatting(text, undefined));
	const features = editor.node(['features']);
	return features?.type === 'object' ? editor.propertyKeys(features).filter(isAirlockFeatureKey) : [];
}

/** Decides the Feature source for a workspace (see decideFeatureSource), reading its config. */
export function featureDecisionFor(workspace: string, explicit: FeatureSource | undefined): FeatureDecision {
	const location = locateDevcontainer(workspace);
	const text = location.exists ? fs.readFileSync(location.file, 'utf8') : null;
	const current = { kind: location.kind, keys: airlockFeatureKeys(location.file, text), copyDir: localFeatureCopyDir(workspace) };
	return decideFeatureSource(current, explicit, explicit === undefined ? shippedFeatureDir() : '');
}

/** A copy Airlock must not overwrite (edited, or not written by Airlock): the error says the two ways out. */
function refuseCopy(copyDir: string, state: Extract<CopyState, { kind: 'edited' | 'unstamped' }>): never {
	const what = state.kind === 'edited' ? `was edited after Airlock wrote it (${listFiles(state.files)} differ)` : `was not written by Airlock (no valid ${STAMP_FILE}; ${listFiles(state.files)} differ from the shipped Feature)`;
	throw new InvalidInputError([{
		file: path.join(copyDir, state.kind === 'edited' ? (state.files[0] ?? STAMP_FILE) : STAMP_FILE),
		line: 1,
		column: 1,
		entry: copyDir,
		message: `the Feature copy ${copyDir} ${what}; Airlock does not overwrite it`,
		hint: 'to go back to the Feature that ships with Airlock, delete .devcontainer/airlock and run `airlock generate`; to keep a Feature of your own, keep it in another folder and pass --feature-path',
	}]);
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
	const proxyPort = opts.proxyPort ?? DEFAULT_PROXY_PORT;
	const options = featureOptions(opts.policy, proxyPort, opts.allowSudo ?? false);
	const before = location.exists ? fs.readFileSync(location.file, 'utf8') : null;
	const copyDir = localFeatureCopyDir(opts.workspace);
	const decision = featureDecisionFor(opts.workspace, opts.feature);
	const source = decision.source;
	if (source.kind === 'local') {
		validateLocalFeature(source.featureDir);
	} else {
		const problem = featureRefProblem(source.ref, { file: location.file, line: 1, column: 1 });
		if (problem !== undefined) {
			throw new InvalidInputError([problem]);
		}
	}

	const initial = before ?? NEW_CONFIG_HEADER;
	const formatting = detectFormatting(initial, before === null ? undefined : parseJsoncObject(location.file, initial));
	const editor = new ConfigEditor(location.file, initial, formatting);
	const created = before === null ? initialConfigFor(opts.workspace) : undefined;
	if (created !== undefined) {
		editor.set([], created.value);
	}

	const configDir = path.dirname(location.file);
	const paths = protectedPaths(location.kind);
	const airlockCompose = path.join(opts.workspace, '.devcontainer', COMPOSE_OVERRIDE_NAME);
	const composeBefore = readTextIfExists(airlockCompose);
	let composeOverride: ComposeOverridePlan | undefined;
	const topology = opts.topology ?? 'single';
	if (topology === 'sidecar') {
		if (source.kind !== 'local') {
			throw new InvalidInputError([{
				file: location.file, line: 1, column: 1, entry: source.ref,
				message: `the sidecar topology builds its proxy from the Feature's files, which a published reference (${source.ref}) does not put in the repository`,
				hint: 'drop --feature-ref (and airlock.featureReference) to use the Feature copy that ships with Airlock, or use `topology: single`',
			}]);
		}
		// No Feature in the agent's container: it gets no NET_ADMIN and runs no firewall.
		editor.removeFeatures(isAirlockFeatureKey);
		const sidecar = planSidecar(editor, { workspace: opts.workspace, composeFile: airlockCompose, copyDir, featureDir: source.featureDir, policyText: canonicalText(opts.policy), kind: location.kind });
		editor.removeMounts(paths);
		editor.ensureEnv('containerEnv', sidecarProxyEnv());
		editor.removeEnv('remoteEnv', Object.keys(sidecarProxyEnv()));
		composeOverride = { file: airlockCompose, before: composeBefore, after: sidecar.composeText };
	} else {
		if (editor.node(['dockerComposeFile']) !== undefined && isConvertedConfig(editor, airlockCompose)) {
			// Back from the sidecar topology: the image or Dockerfile config as it was.
			restoreConvertedConfig(editor, airlockCompose);
			composeOverride = { file: airlockCompose, before: composeBefore, after: null };
		}
		editor.ensureFeature(featureKey(source, location.kind), options);
		if (editor.node(['dockerComposeFile']) !== undefined) {
			const target = composeTargetOf(editor, opts.workspace, configDir, airlockCompose);
			editor.ensureComposeFile(path.relative(configDir, airlockCompose).split(path.sep).join('/'), airlockCompose, configDir);
			editor.removeMounts(paths);
			composeOverride = { file: airlockCompose, before: composeBefore, after: composeOverrideText(opts.workspace, target, paths) };
		} else {
			editor.ensureMounts(paths);
		}

		// Container-level, so every process has them: the editor's, `docker exec`, login shells,
		// services. The devcontainer CLI writes containerEnv after every Feature's install step, so
		// the proxy (not running during the build) never breaks an install.
		editor.ensureEnv('containerEnv', proxyEnv(proxyPort));
		// Earlier Airlock versions put them in remoteEnv, which overrides containerEnv for the
		// editor's processes: one place only.
		editor.removeEnv('remoteEnv', Object.keys(proxyEnv(proxyPort)));
		// The remote user's uid is left to the tools (updateRemoteUserUID), so the workspace stays
		// writable when the host user's uid differs from the image user's. A remote user that ends
		// up as uid 0 is never reported locked: the Feature checks that on every start.
		// Editors and the devcontainer CLI connect (open terminals, start extensions and agents)
		// only once the Feature's postStartCommand has seen the lock, on every start and restart.
		// A `waitFor` the user chose stays as it is.
		if (editor.node(['waitFor']) === undefined) {
			editor.set(['waitFor'], WAIT_FOR_LOCK);
		}
	}

	const after = editor.text;
	let local: { localFeatureTarget: string; localFeatureStale: boolean; copyState: CopyState } | undefined;
	if (source.kind === 'local') {
		const copyState = inspectCopy(copyDir, source.featureDir);
		if (copyState.kind === 'edited' || (copyState.kind === 'unstamped' && copyState.files.length > 0)) {
			refuseCopy(copyDir, copyState);
		}
		// An unstamped copy identical to the source (written by an Airlock from before stamps) is
		// adopted: rewritten with its stamp.
		local = { localFeatureTarget: copyDir, localFeatureStale: copyState.kind !== 'in-step', copyState };
	}
	const changed = after !== before || local?.localFeatureStale === true || (composeOverride !== undefined && composeOverride.after !== composeOverride.before);
	return {
		file: location.file,
		kind: location.kind,
		before,
		after,
		changed,
		feature: decision,
		...(created ? { createdFrom: created.why } : {}),
		...(local ?? {}),
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
	const source = plan.feature.source;
	if (source.kind === 'local' && plan.localFeatureTarget !== undefined && plan.localFeatureStale === true) {
		validateLocalFeature(source.featureDir);
		// writeCopy stages the files before the swap, so the source may be the copy itself.
		writeCopy(source.featureDir, plan.localFeatureTarget, { airlockVersion: airlockVersion(), origin: source.origin });
	}
	if (plan.composeOverride !== undefined && plan.composeOverride.after !== plan.composeOverride.before) {
		if (plan.composeOverride.after === null) {
			fs.rmSync(plan.composeOverride.file, { force: true });
		} else {
			writeFileAtomic(plan.composeOverride.file, plan.composeOverride.after);
		}
	}
	if (plan.after !== plan.before) {
		fs.mkdirSync(path.dirname(plan.file), { recursive: true });
		writeFileAtomic(plan.file, plan.after);
	}
}
