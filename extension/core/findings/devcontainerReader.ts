import * as fs from 'node:fs';
import * as path from 'node:path';
import { getNodeValue, type Node } from 'jsonc-parser';
import { InvalidInputError, lineColumnAt } from '../errors';
import { locateDevcontainer } from '../devcontainer/locate';
import { nodeAt, parseJsoncObject } from '../devcontainer/jsonc';
import { readComposeServices } from './composeReader';
import { imageOfDockerfile } from './dockerfileReader';
import { settingsFromRunArgs } from './dockerRunArgs';
import { normalizeCapability, parseMountFlag, publishHostIp } from './dockerSyntax';
import type { ContainerSetting, ReadConfiguration, SourceAt } from './settings';

/**
 * Reads the settings of a workspace's dev container configuration that decide what the
 * container can reach around the proxy, each with its file, line and column: devcontainer.json
 * (JSONC: comments and trailing commas), the Dockerfile it builds, and the Compose files it uses.
 * Only files in the repository are read; nothing is run.
 */
export interface ReadOutcome {
	readonly config: ReadConfiguration;
	/** Things the reader could not examine, for the plan's notes (never silently dropped). */
	readonly notes: readonly string[];
}

const DEFAULT_WORKSPACE_MOUNT = '(the default workspace mount: the folder, writable)';

function stringsOf(node: Node | undefined): { value: string; node: Node }[] {
	if (node?.type === 'string') {
		return [{ value: node.value as string, node }];
	}
	if (node?.type !== 'array') {
		return [];
	}
	return (node.children ?? []).filter((c) => c.type === 'string').map((c) => ({ value: c.value as string, node: c }));
}

export function readDevcontainerConfiguration(workspace: string): ReadOutcome {
	let location;
	try {
		location = locateDevcontainer(workspace);
	} catch (err) {
		if (!(err instanceof InvalidInputError)) {
			throw err;
		}
		const file = err.problems[0]?.file ?? path.join(workspace, '.devcontainer', 'devcontainer.json');
		return {
			config: { configFile: file, configExists: true, kind: 'none', root: { file, line: 1, column: 1 }, settings: [], siblings: [] },
			notes: [`The container was not examined: ${err.problems[0]?.message ?? 'the configuration is ambiguous'} (${err.problems[0]?.hint ?? ''}).`],
		};
	}
	const file = location.file;
	const rootAt: SourceAt = { file, line: 1, column: 1 };
	if (!location.exists) {
		// `airlock generate` creates an image config with the default (writable) workspace mount.
		return { config: { configFile: file, configExists: false, kind: 'none', root: rootAt, settings: [], siblings: [], workspaceMount: { writable: true, written: DEFAULT_WORKSPACE_MOUNT, at: rootAt } }, notes: [] };
	}
	const text = fs.readFileSync(file, 'utf8');
	const root = parseJsoncObject(file, text);
	const configDir = path.dirname(file);
	const at = (node: Node | undefined): SourceAt => {
		// A property's value points at its key: that is the line a person edits.
		const offset = node?.parent?.type === 'property' ? node.parent.offset : (node?.offset ?? root.offset);
		const { line, column } = lineColumnAt(text, offset);
		return { file, line, column };
	};
	const source = (node: Node): string => text.slice(node.offset, node.offset + node.length).replace(/\s+/g, ' ');
	const prop = (...p: (string | number)[]): Node | undefined => nodeAt(root, p);
	const settings: ContainerSetting[] = [];
	const notes: string[] = [];
	const rootPosition = at(root);

	// Settings the devcontainer CLI applies to the agent's container in every kind of config.
	if (prop('privileged')?.value === true) {
		settings.push({ kind: 'privileged', written: '"privileged": true', at: at(prop('privileged')) });
	}
	for (const { value, node } of stringsOf(prop('capAdd'))) {
		settings.push({ kind: 'capability', name: normalizeCapability(value), written: `"capAdd": ${source(node)}`, at: at(node) });
	}
	for (const { value, node } of stringsOf(prop('securityOpt'))) {
		settings.push({ kind: 'security-opt', value, written: `"securityOpt": ${source(node)}`, at: at(node) });
	}
	const mounts = prop('mounts');
	for (const item of mounts?.type === 'array' ? (mounts.children ?? []) : []) {
		const value: unknown = getNodeValue(item);
		const parsed = typeof value === 'string' ? parseMountFlag(value) : value !== null && typeof value === 'object' ? parseMountFlag(Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(',')) : undefined;
		if (parsed) {
			settings.push({ kind: 'mount', ...parsed, written: `"mounts": ${source(item)}`, at: at(item) });
		}
	}
	for (const envKey of ['containerEnv', 'remoteEnv']) {
		const env = prop(envKey);
		for (const property of env?.type === 'object' ? (env.children ?? []) : []) {
			const [keyNode, valueNode] = property.children ?? [];
			if (keyNode?.type === 'string' && valueNode?.type === 'string') {
				settings.push({ kind: 'env', name: keyNode.value as string, value: valueNode.value as string, written: `"${envKey}": ${source(property)}`, at: at(keyNode) });
			}
		}
	}
	const features = prop('features');
	for (const property of features?.type === 'object' ? (features.children ?? []) : []) {
		const keyNode = property.children?.[0];
		if (keyNode?.type === 'string') {
			settings.push({ kind: 'feature', id: keyNode.value as string, written: `"features": ${JSON.stringify(keyNode.value)}`, at: at(keyNode) });
		}
	}

	if (prop('dockerComposeFile') !== undefined) {
		const files = stringsOf(prop('dockerComposeFile')).map((f) => path.resolve(configDir, f.value));
		const service = prop('service')?.value;
		const composed = readComposeServices(files, workspace);
		const agent = typeof service === 'string' ? service : '';
		if (!composed.services.has(agent)) {
			notes.push(`devcontainer.json names the service ${JSON.stringify(agent)}, which none of its Compose files define; only devcontainer.json was examined.`);
		}
		const runServices = stringsOf(prop('runServices')).map((s) => s.value);
		const running = runServices.length > 0 ? runServices : [...composed.services.keys()];
		const workspaceMount = composed.workspaceMounts.get(agent);
		return {
			config: {
				configFile: file,
				configExists: true,
				kind: 'compose',
				root: rootPosition,
				settings: [...(composed.services.get(agent) ?? []), ...settings],
				siblings: running.filter((s) => s !== agent).map((s) => ({ service: s, settings: composed.services.get(s) ?? [] })),
				...(workspaceMount ? { workspaceMount } : {}),
			},
			notes,
		};
	}

	// Image and Dockerfile configs: the devcontainer CLI runs `docker run` with these.
	const runArgs = prop('runArgs');
	settings.push(...settingsFromRunArgs(stringsOf(runArgs).map(({ value, node }) => ({ value, at: at(node) }))));
	// A number in appPort is published on 127.0.0.1 by the devcontainer CLI; a string is passed to `-p` as written.
	for (const { value, node } of stringsOf(prop('appPort'))) {
		const hostIp = publishHostIp(value);
		settings.push({ kind: 'publish', ...(hostIp !== undefined ? { hostIp } : {}), written: `"appPort": ${source(node)}`, at: at(node) });
	}

	const image = prop('image');
	let kind: ReadConfiguration['kind'] = 'image';
	if (image?.type === 'string') {
		settings.push({ kind: 'image', name: image.value as string, written: `"image": ${source(image)}`, at: at(image) });
	}
	const dockerfileNode = prop('build', 'dockerfile') ?? prop('dockerFile');
	if (dockerfileNode?.type === 'string') {
		kind = 'dockerfile';
		const dockerfile = path.resolve(configDir, dockerfileNode.value as string);
		const argsNode = prop('build', 'args');
		const args = argsNode?.type === 'object' ? Object.fromEntries(Object.entries(getNodeValue(argsNode) as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : {};
		let dockerfileText: string | undefined;
		try {
			dockerfileText = fs.readFileSync(dockerfile, 'utf8');
		} catch {
			notes.push(`${dockerfile} (build.dockerfile) cannot be read; its base image was not examined.`);
		}
		const from = dockerfileText === undefined ? undefined : imageOfDockerfile(dockerfile, dockerfileText, args);
		if (from) {
			settings.push(from);
		}
	}
	const workspaceMountNode = prop('workspaceMount');
	const workspaceMount = workspaceMountNode?.type === 'string'
		? { writable: !parseMountFlag(workspaceMountNode.value as string).readonly, written: `"workspaceMount": ${source(workspaceMountNode)}`, at: at(workspaceMountNode) }
		: { writable: true, written: DEFAULT_WORKSPACE_MOUNT, at: rootPosition };
	return { config: { configFile: file, configExists: true, kind, root: rootPosition, settings, siblings: [], workspaceMount }, notes };
}
