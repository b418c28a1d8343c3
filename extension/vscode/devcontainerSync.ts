import * as vscode from 'vscode';
import type { EnforcedPolicy } from '../core/enforcedPolicy';
import { topologyOfTerms } from '../core/plan';
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

/** A plan or an approval: the policy and the terms (the topology is one). */
export interface PolicyAndTerms {
	readonly policy: EnforcedPolicy;
	readonly terms: readonly string[];
}

/** How the editor generates devcontainer.json for a plan: what the review previews and Approve writes. */
export function generateOptionsFor(workspace: string, source: PolicyAndTerms): GenerateOptions {
	const feature = featureSourceFor(workspace);
	return { workspace, policy: source.policy, topology: topologyOfTerms(source.terms), ...(feature ? { feature } : {}) };
}

/** Writes devcontainer.json for an approved plan; returns the file and whether anything changed. */
export function regenerateDevcontainer(workspace: string, source: PolicyAndTerms): { file: string; changed: boolean } {
	const opts = generateOptionsFor(workspace, source);
	const plan = planDevcontainer(opts);
	if (plan.changed) {
		writeDevcontainer(plan, opts);
	}
	return { file: plan.file, changed: plan.changed };
}

export function devcontainerProblems(workspace: string, source: PolicyAndTerms): { file: string | null; problems: string[] } {
	const feature = featureSourceFor(workspace);
	const check = checkDevcontainer(workspace, source.policy, { topology: topologyOfTerms(source.terms), ...(feature ? { feature } : {}) });
	return { file: check.file, problems: check.problems };
}
