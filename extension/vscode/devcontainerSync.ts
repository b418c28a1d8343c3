import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnforcedPolicy } from '../core/enforcedPolicy';
import { checkDevcontainer, planDevcontainer, writeDevcontainer, type FeatureSource, type GenerateOptions } from '../core/devcontainer';

/**
 * Keeps devcontainer.json in step with the approved policy. A workspace that already carries a
 * local copy of the Feature (`.devcontainer/airlock/`) keeps using it; otherwise the published
 * Feature is referenced.
 */
export function featureSourceFor(workspace: string): FeatureSource {
	const local = path.join(workspace, '.devcontainer', 'airlock');
	return fs.existsSync(path.join(local, 'devcontainer-feature.json')) ? { kind: 'local', featureDir: local } : { kind: 'published' };
}

/** How the editor generates devcontainer.json for `policy`: what the review previews and Approve writes. */
export function generateOptionsFor(workspace: string, policy: EnforcedPolicy): GenerateOptions {
	return { workspace, policy, feature: featureSourceFor(workspace) };
}

/** Writes devcontainer.json for `policy`; returns the file and whether anything changed. */
export function regenerateDevcontainer(workspace: string, policy: EnforcedPolicy): { file: string; changed: boolean } {
	const opts = generateOptionsFor(workspace, policy);
	const plan = planDevcontainer(opts);
	if (plan.changed) {
		writeDevcontainer(plan, opts);
	}
	return { file: plan.file, changed: plan.changed };
}

export function devcontainerProblems(workspace: string, policy: EnforcedPolicy): { file: string | null; problems: string[] } {
	const check = checkDevcontainer(workspace, policy, { feature: featureSourceFor(workspace) });
	return { file: check.file, problems: check.problems };
}
