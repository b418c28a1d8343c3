import type { Plan, PlanDiff, PlanEntry } from '../plan';
import type { Topology } from '../policyFile';
import type { Mode } from '../enforcedPolicy';
import type { RiskNote } from '../risks';
import type { FindingsView } from './findingsView';

/**
 * What the plan webview shows: the resolved plan grouped by where each host came from, with
 * the change against the approved plan marked on every row. Plain data (JSON-safe) so it can be
 * posted to the webview as is.
 */
export type EntryChange = 'added' | 'changed' | 'unchanged' | 'removed';

export interface PlanRowView {
	/** Canonical (A-label) host, the value the policy enforces. */
	readonly host: string;
	/** What a person reads: the decoded IDN with the A-label beside it, or the host. */
	readonly display: string;
	readonly wildcard: boolean;
	/** "80, 443" / "22" / "80, 443 and 22". */
	readonly ports: string;
	readonly sources: readonly string[];
	/** Sources other than the group's, e.g. "also from preset:npm". */
	readonly alsoFrom: readonly string[];
	readonly reasons: readonly string[];
	readonly risks: readonly RiskNote[];
	readonly folded: readonly string[];
	readonly change: EntryChange;
	/** For `changed`: what changed, e.g. "port 22 added". */
	readonly changeDetails: readonly string[];
	/** Set by annotatePlanView (planAnnotations.ts): the agent asked for this host. */
	readonly requested?: RowRequestView;
	/** Set by annotatePlanView: how much the entry is used. */
	readonly usage?: RowUsageView;
}

export interface RowRequestView {
	readonly id: string;
	/** The agent's reason: untrusted, already cleaned; shown as text only. */
	readonly why: string;
	readonly count: number;
	readonly at: number;
}

export interface RowUsageView {
	readonly count: number;
	readonly lastUsed?: number;
	readonly unused: boolean;
	readonly text: string;
	readonly names: readonly string[];
}

export interface PlanGroupView {
	/** 'baseline', 'preset:npm', 'user', 'project', or 'removed'. */
	readonly source: string;
	readonly title: string;
	readonly description: string;
	readonly rows: readonly PlanRowView[];
}

export type ApprovalState = 'approved' | 'changed' | 'never-approved';

export interface PlanView {
	readonly mode: Mode;
	readonly hash: string;
	readonly approvedHash?: string;
	readonly approvedBy?: string;
	readonly approvedAt?: string;
	readonly state: ApprovalState;
	/** One sentence for the top of the page. */
	readonly headline: string;
	readonly modeChange?: { readonly from: Mode; readonly to: Mode };
	/** Where the lock lives, and whether that changed since the approval. */
	readonly topology: Topology;
	readonly topologyChange?: { readonly from: Topology; readonly to: Topology };
	readonly groups: readonly PlanGroupView[];
	readonly notes: readonly string[];
	readonly counts: { readonly hosts: number; readonly added: number; readonly changed: number; readonly removed: number; readonly risky: number };
	/** The container's own settings (views/findingsView.ts); absent when not examined. */
	readonly findings?: FindingsView;
	/** Container findings accepted / no longer accepted since the approval. */
	readonly acceptanceChanges?: { readonly added: readonly string[]; readonly removed: readonly string[] };
	/** Set by annotatePlanView when usage is tracked. */
	readonly usage?: PlanUsageView;
}

export interface PlanUsageView {
	readonly unusedAfterDays: number;
	readonly trackingSince: number;
	/** Unused entries this repository's policy file lists: their removal can be proposed. */
	readonly removable: readonly string[];
	/** Unused entries from presets, the baseline or the user file (remove them there). */
	readonly elsewhere: readonly string[];
}

export interface ApprovalSummary {
	readonly planHash: string;
	readonly approvedBy: string;
	readonly approvedAt: string;
}

/** Baseline first, then presets by name, then the user's file, then the project's. */
export function sourceOrder(source: string): [number, string] {
	if (source === 'baseline') {
		return [0, ''];
	}
	if (source.startsWith('preset:')) {
		return [1, source];
	}
	if (source === 'user') {
		return [2, ''];
	}
	if (source === 'project') {
		return [3, ''];
	}
	return [4, source];
}

function compareSources(a: string, b: string): number {
	const [ra, na] = sourceOrder(a);
	const [rb, nb] = sourceOrder(b);
	return ra - rb || (na < nb ? -1 : na > nb ? 1 : 0);
}

export function sourceTitle(source: string): { title: string; description: string } {
	if (source === 'baseline') {
		return { title: 'Baseline', description: 'What the editor itself needs inside the container.' };
	}
	if (source.startsWith('preset:')) {
		const name = source.slice('preset:'.length);
		return { title: `Preset: ${name}`, description: `The reviewed host list for ${name} (presets/${name}.yaml).` };
	}
	if (source === 'user') {
		return { title: 'Your user policy', description: 'From ~/.config/airlock/airlock.yaml on this machine.' };
	}
	if (source === 'project') {
		return { title: 'This repository', description: 'From .devcontainer/airlock.yaml, proposed by the repository.' };
	}
	if (source === 'removed') {
		return { title: 'Removed', description: 'Approved before, no longer in the plan.' };
	}
	return { title: source, description: '' };
}

export function portsLabel(entry: Pick<PlanEntry, 'web' | 'ports'>): string {
	const extra = entry.ports.join(', ');
	if (entry.web && extra) {
		return `80, 443 and ${extra}`;
	}
	return entry.web ? '80, 443' : extra;
}

/** `bücher.example (xn--bcher-kva.example)` for an IDN, the host otherwise. */
export function displayHost(entry: Pick<PlanEntry, 'host' | 'unicode'>): string {
	return entry.unicode && entry.unicode !== entry.host ? `${entry.unicode} (${entry.host})` : entry.host;
}

/** The source a row is grouped under: the first in layer order. */
export function primarySource(sources: readonly string[]): string {
	return [...sources].sort(compareSources)[0] ?? 'project';
}

function row(entry: PlanEntry, change: EntryChange, changeDetails: readonly string[]): PlanRowView {
	const primary = primarySource(entry.sources);
	return {
		host: entry.host,
		display: displayHost(entry),
		wildcard: entry.wildcard,
		ports: portsLabel(entry),
		sources: [...entry.sources],
		alsoFrom: [...entry.sources].sort(compareSources).filter((s) => s !== primary),
		reasons: [...entry.reasons],
		risks: [...entry.risks],
		folded: [...entry.folded],
		change,
		changeDetails: [...changeDetails],
	};
}

function headlineFor(state: ApprovalState, counts: PlanView['counts'], modeChange: PlanView['modeChange'], acceptanceChanges = 0, topologyChange?: PlanView['topologyChange']): string {
	if (state === 'never-approved') {
		return `Nothing is approved for this repository yet: ${counts.hosts} host${counts.hosts === 1 ? '' : 's'} to review.`;
	}
	if (state === 'approved') {
		return 'The plan matches what you approved.';
	}
	const parts: string[] = [];
	if (counts.added) {
		parts.push(`${counts.added} added`);
	}
	if (counts.changed) {
		parts.push(`${counts.changed} changed`);
	}
	if (counts.removed) {
		parts.push(`${counts.removed} removed`);
	}
	if (modeChange) {
		parts.push(`mode ${modeChange.from} → ${modeChange.to}`);
	}
	if (topologyChange) {
		parts.push(`topology ${topologyChange.from} → ${topologyChange.to}`);
	}
	if (acceptanceChanges) {
		parts.push(`${acceptanceChanges} container finding acceptance${acceptanceChanges === 1 ? '' : 's'} changed`);
	}
	return `The plan differs from what you approved: ${parts.join(', ')}. Nothing new is enforced until you approve.`;
}

/** Builds the webview's model from the current plan, its diff against the approval, and who approved. */
export function buildPlanView(plan: Plan, diff: PlanDiff, approval?: ApprovalSummary, findings?: FindingsView): PlanView {
	// With nothing approved every host would be "new"; the headline says so once instead.
	const added = new Set(approval ? diff.added.map((e) => e.host) : []);
	const changed = new Map(diff.changed.map((c) => [c.after.host, c.what]));
	const bySource = new Map<string, PlanRowView[]>();
	for (const entry of plan.entries) {
		const change: EntryChange = added.has(entry.host) ? 'added' : changed.has(entry.host) ? 'changed' : 'unchanged';
		const r = row(entry, change, changed.get(entry.host) ?? []);
		const source = primarySource(entry.sources);
		bySource.set(source, [...(bySource.get(source) ?? []), r]);
	}
	const groups: PlanGroupView[] = [...bySource.keys()].sort(compareSources).map((source) => ({
		source,
		...sourceTitle(source),
		rows: bySource.get(source) ?? [],
	}));
	if (diff.removed.length > 0) {
		groups.push({ source: 'removed', ...sourceTitle('removed'), rows: diff.removed.map((e) => row(e, 'removed', [])) });
	}
	const state: ApprovalState = !approval ? 'never-approved' : approval.planHash === plan.hash ? 'approved' : 'changed';
	const counts = {
		hosts: plan.entries.length,
		added: approval ? diff.added.length : 0,
		changed: diff.changed.length,
		removed: diff.removed.length,
		risky: plan.entries.filter((e) => e.risks.length > 0).length,
	};
	return {
		mode: plan.mode,
		hash: plan.hash,
		...(approval ? { approvedHash: approval.planHash, approvedBy: approval.approvedBy, approvedAt: approval.approvedAt } : {}),
		state,
		headline: headlineFor(state, counts, diff.modeChanged, (diff.acceptancesAdded?.length ?? 0) + (diff.acceptancesRemoved?.length ?? 0), diff.topologyChanged),
		...(diff.modeChanged ? { modeChange: diff.modeChanged } : {}),
		topology: plan.topology ?? 'single',
		...(diff.topologyChanged ? { topologyChange: diff.topologyChanged } : {}),
		groups,
		notes: [...plan.notes],
		counts,
		...(findings ? { findings } : {}),
		...(diff.acceptancesAdded || diff.acceptancesRemoved ? { acceptanceChanges: { added: [...(diff.acceptancesAdded ?? [])], removed: [...(diff.acceptancesRemoved ?? [])] } } : {}),
	};
}

/** The diff as short lines for a notification or the output channel: `+ api.example.com (project)`. */
export function diffLines(diff: PlanDiff): string[] {
	const lines: string[] = [];
	if (diff.modeChanged) {
		lines.push(`~ mode ${diff.modeChanged.from} → ${diff.modeChanged.to}`);
	}
	if (diff.topologyChanged) {
		lines.push(`~ topology ${diff.topologyChanged.from} → ${diff.topologyChanged.to}`);
	}
	for (const e of diff.added) {
		lines.push(`+ ${displayHost(e)} [${portsLabel(e)}] (${e.sources.join(', ')})`);
	}
	for (const c of diff.changed) {
		lines.push(`~ ${displayHost(c.after)}: ${c.what.join('; ')}`);
	}
	for (const e of diff.removed) {
		lines.push(`- ${displayHost(e)} [${portsLabel(e)}]`);
	}
	for (const id of diff.acceptancesAdded ?? []) {
		lines.push(`+ accept ${id} (container finding)`);
	}
	for (const id of diff.acceptancesRemoved ?? []) {
		lines.push(`- accept ${id}`);
	}
	return lines;
}
