import * as vscode from 'vscode';
import type { EnforcedPolicy } from '../core/enforcedPolicy';
import { checkDevcontainer, planDevcontainer, writeDevcontainer, type FeatureSource, type GenerateOptions } from '../core/devcontainer';

/**
 * Keeps devcontainer.json in step with the approved policy. The Feature source is decided by the
 * one rule in core (`decideFeatureSource`); the only explicit choice the editor makes is the
 * `airlock.featureReference` setting (a Feature the user or their organisation published).
 */
export function featureSourceFor(_workspace: string): FeatureSource | undefined {
	const ref = vscode.workspace.getConfiguration('airlock').get<string>('featureReference', '').trim();
	return ref === '' ? undefined : { kind: 'published', ref };
}

/** How the editor generates devcontainer.json for `policy`: what the review previews and Approve writes. */
export function generateOptionsFor(workspace: string, policy: EnforcedPolicy): GenerateOptions {
	const feature = featureSourceFor(workspace);
	return { workspace, policy, ...(feature ? { feature } : {}) };
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
	const feature = featureSourceFor(workspace);
	const check = checkDevcontainer(workspace, policy, feature ? { feature } : {});
	return { file: check.file, problems: check.problems };
}
