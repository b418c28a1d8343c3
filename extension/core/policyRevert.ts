import { readFileIfExists } from './atomicFile';
import { buildPlan, diffPlans, isEmptyDiff, projectPolicyFile, userPolicyFile, type Plan, type PlanEntry } from './plan';
import { parsePolicyText, readPolicyFile, type PolicyFile } from './policyFile';
import { presetsDirectory } from './presets';
import type { Mode } from './enforcedPolicy';
import { appendToTopLevelList, removeFromTopLevelList, setTopLevelScalar } from './yamlSplice';

/**
 * "Reject" in the review: puts the project's airlock.yaml back to what resolves to the approved
 * plan, by small edits that keep the rest of the file (comments, order, other entries) as it
 * is. Only the project file is edited; when the difference comes from elsewhere (the user's own
 * policy file) or cannot be undone exactly, it says so instead of guessing.
 */

export interface ApprovedPlanLike {
	readonly planHash: string;
	readonly mode: Mode;
	readonly entries: readonly PlanEntry[];
}

export type RevertResult = { ok: true; text: string; before: string } | { ok: false; why: string };

interface Layers {
	user?: PolicyFile;
	presetsDir: string;
}

function planOf(file: string, text: string, layers: Layers): Plan {
	return buildPlan({ project: parsePolicyText(text, file), ...(layers.user ? { user: layers.user } : {}), presetsDir: layers.presetsDir });
}

function hostOf(value: unknown): string | undefined {
	if (typeof value === 'string') {
		return value.toLowerCase().replace(/\.$/, '');
	}
	if (typeof value === 'object' && value !== null && typeof (value as { host?: unknown }).host === 'string') {
		return (value as { host: string }).host.toLowerCase().replace(/\.$/, '');
	}
	return undefined;
}

function itemText(host: string, ports: readonly number[] | undefined, reason: string | undefined): string {
	const hostText = /^[a-z0-9]/.test(host) ? host : JSON.stringify(host);
	if (!ports && !reason) {
		return hostText;
	}
	return `{ ${[`host: ${hostText}`, ...(ports ? [`ports: [${ports.join(', ')}]`] : []), ...(reason ? [`reason: ${JSON.stringify(reason)}`] : [])].join(', ')} }`;
}

function presetNames(entries: readonly PlanEntry[]): Set<string> {
	return new Set(entries.flatMap((e) => e.sources.filter((s) => s.startsWith('preset:')).map((s) => s.slice('preset:'.length))));
}

function hasBaseline(entries: readonly PlanEntry[]): boolean {
	return entries.some((e) => e.sources.includes('baseline'));
}

/** What the approved plan had from the project file for a host, counting wildcards that fold it in. */
function approvedFor(approved: ApprovedPlanLike, host: string): PlanEntry | undefined {
	const exact = approved.entries.find((e) => e.host === host);
	if (exact) {
		return exact.sources.includes('project') ? exact : undefined;
	}
	return approved.entries.find((e) => e.folded.includes(host));
}

/** The project file's entry fits the approved plan: same host (or folded into an approved wildcard) and no port it lacks. */
function fits(approved: ApprovedPlanLike, value: unknown): boolean {
	const host = hostOf(value);
	const entry = host === undefined ? undefined : approvedFor(approved, host);
	if (!entry) {
		return false;
	}
	const ports = typeof value === 'object' && value !== null && Array.isArray((value as { ports?: unknown }).ports) ? ((value as { ports: unknown[] }).ports as number[]) : undefined;
	return ports === undefined ? entry.web : ports.every((p) => entry.ports.includes(p));
}

export function revertProjectPolicy(workspace: string, approved: ApprovedPlanLike, env: NodeJS.ProcessEnv = process.env): RevertResult {
	const file = projectPolicyFile(workspace);
	const before = readFileIfExists(file);
	if (before === undefined) {
		return { ok: false, why: 'there is no policy file to put back' };
	}
	let layers: Layers;
	let current: Plan;
	try {
		const user = readPolicyFile(userPolicyFile(env));
		layers = { ...(user ? { user } : {}), presetsDir: presetsDirectory() };
		current = planOf(file, before, layers);
	} catch {
		return { ok: false, why: 'the policy files have errors; fix them first (see Problems)' };
	}
	if (isEmptyDiff(diffPlans(approved, current))) {
		return { ok: true, text: before, before };
	}
	let text = before;
	try {
		// Entries the approved plan does not have, or not with these ports.
		text = removeFromTopLevelList(text, 'allow', (value) => !fits(approved, value));
		// Presets the approved plan did not use; baseline and mode as approved.
		const approvedPresets = presetNames(approved.entries);
		text = removeFromTopLevelList(text, 'presets', (value) => typeof value !== 'string' || !approvedPresets.has(value));
		let plan = planOf(file, text, layers);
		for (const name of approvedPresets) {
			if (!presetNames(plan.entries).has(name)) {
				text = appendToTopLevelList(text, 'presets', name);
			}
		}
		if (hasBaseline(approved.entries) !== hasBaseline(plan.entries)) {
			text = setTopLevelScalar(text, 'baseline', String(hasBaseline(approved.entries)), { afterKey: 'version' });
		}
		plan = planOf(file, text, layers);
		if (plan.mode !== approved.mode) {
			text = setTopLevelScalar(text, 'mode', approved.mode, { afterKey: 'version' });
		}
		// Project entries the approval had and the file lost.
		plan = planOf(file, text, layers);
		const now = new Map(plan.entries.map((e) => [e.host, e]));
		for (const entry of approved.entries.filter((e) => e.sources.includes('project'))) {
			const have = now.get(entry.host);
			const reason = entry.reasons[0];
			if (entry.web && !have?.web) {
				text = appendToTopLevelList(text, 'allow', itemText(entry.host, undefined, reason));
			}
			const missing = entry.ports.filter((p) => !have?.ports.includes(p));
			if (missing.length > 0) {
				text = appendToTopLevelList(text, 'allow', itemText(entry.host, missing, reason));
			}
		}
		plan = planOf(file, text, layers);
		if (plan.hash === approved.planHash && isEmptyDiff(diffPlans(approved, plan))) {
			return { ok: true, text, before };
		}
	} catch {
		// Falls through to the explanation below.
	}
	const userNote = layers.user ? ` (your user policy file ${userPolicyFile(env)} may be where they come from)` : '';
	return { ok: false, why: `Airlock cannot put the policy file back exactly${userNote}; edit it by hand` };
}
