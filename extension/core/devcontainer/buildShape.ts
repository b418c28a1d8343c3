import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { getNodeValue } from 'jsonc-parser';
import { readFileIfExists, writeFileAtomic } from '../atomicFile';
import { workspaceKey } from '../approvals';
import { airlockConfigDir } from '../plan';
import { COMPOSE_OVERRIDE_NAME, isAirlockFeatureKey } from './desired';
import { featureContentHash } from './featureCopy';
import { localFeatureCopyDir } from './featureSource';
import { parseJsoncObject } from './jsonc';
import { locateDevcontainer } from './locate';

/**
 * The part of a workspace's dev container configuration that only a rebuild can change:
 * devcontainer.json without the Airlock Feature's `allow` and `mode` (which `airlock-ctl apply`
 * changes live), the Feature copy's content and Airlock's Compose override. Two equal shapes
 * mean the running container can take a new allowlist without being recreated.
 */
export function buildShapeHash(workspace: string): string | undefined {
	const location = locateDevcontainer(workspace);
	if (!location.exists) {
		return undefined;
	}
	const text = fs.readFileSync(location.file, 'utf8');
	const config = getNodeValue(parseJsoncObject(location.file, text)) as Record<string, unknown>;
	const features = config.features;
	if (features !== null && typeof features === 'object' && !Array.isArray(features)) {
		for (const [key, options] of Object.entries(features as Record<string, unknown>)) {
			if (isAirlockFeatureKey(key) && options !== null && typeof options === 'object') {
				const rest = { ...(options as Record<string, unknown>) };
				delete rest.allow;
				delete rest.mode;
				(features as Record<string, unknown>)[key] = rest;
			}
		}
	}
	const copy = localFeatureCopyDir(workspace);
	const h = createHash('sha256');
	h.update(stableJson(config));
	h.update('\0');
	h.update(fs.existsSync(path.join(copy, 'devcontainer-feature.json')) ? featureContentHash(copy) : '-');
	h.update('\0');
	h.update(readFileIfExists(path.join(workspace, '.devcontainer', COMPOSE_OVERRIDE_NAME)) ?? '-');
	return `sha256:${h.digest('hex')}`;
}

function stableJson(value: unknown): string {
	if (Array.isArray(value)) {
		return `[${value.map(stableJson).join(',')}]`;
	}
	if (value !== null && typeof value === 'object') {
		const o = value as Record<string, unknown>;
		return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

/** What `airlock up` remembers on the host about the container it brought up for a workspace. */
export interface UpRecord {
	readonly containerId: string;
	readonly buildShape: string;
}

function upRecordFile(workspace: string, env: NodeJS.ProcessEnv): string {
	return path.join(airlockConfigDir(env), 'containers', `${workspaceKey(workspace)}.json`);
}

export function readUpRecord(workspace: string, env: NodeJS.ProcessEnv = process.env): UpRecord | undefined {
	try {
		const v = JSON.parse(readFileIfExists(upRecordFile(workspace, env)) ?? 'null') as Partial<UpRecord> | null;
		return v && typeof v.containerId === 'string' && typeof v.buildShape === 'string' ? { containerId: v.containerId, buildShape: v.buildShape } : undefined;
	} catch {
		return undefined;
	}
}

export function writeUpRecord(workspace: string, record: UpRecord, env: NodeJS.ProcessEnv = process.env): void {
	writeFileAtomic(upRecordFile(workspace, env), JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
}
