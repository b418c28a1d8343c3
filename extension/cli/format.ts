import type { Plan, PlanDiff, PlanEntry } from '../core/plan';
import { isEmptyDiff } from '../core/plan';
import type { ApprovalRecord } from '../core/approvals';
import { acceptanceDiffLines } from './findings';

/** Terminal presentation of plans and diffs, shared by the CLI commands. */

export function entryPorts(e: Pick<PlanEntry, 'web' | 'ports'>): string {
	return [...(e.web ? [80, 443] : []), ...e.ports].join(',');
}

function hostLabel(e: PlanEntry): string {
	return e.unicode ? `${e.host} (${e.unicode})` : e.host;
}

export function formatPlan(plan: Plan, workspace: string): string {
	const lines = [`Airlock plan for ${workspace}`, `  mode: ${plan.mode}    hash: ${plan.hash}`, ''];
	if (plan.entries.length === 0) {
		lines.push('  (no hosts: every request is blocked)');
	} else {
		const hostWidth = Math.min(48, Math.max(4, ...plan.entries.map((e) => hostLabel(e).length)));
		const portWidth = Math.max(5, ...plan.entries.map((e) => entryPorts(e).length));
		lines.push(`  ${'HOST'.padEnd(hostWidth)}  ${'PORTS'.padEnd(portWidth)}  FROM`);
		for (const e of plan.entries) {
			lines.push(`  ${hostLabel(e).padEnd(hostWidth)}  ${entryPorts(e).padEnd(portWidth)}  ${e.sources.join(', ')}`);
			for (const r of e.risks) {
				lines.push(`  ${''.padEnd(hostWidth)}  ! ${r.message}`);
			}
		}
	}
	for (const note of plan.notes) {
		lines.push(`  note: ${note}`);
	}
	return lines.join('\n');
}

export function formatDiff(diff: PlanDiff, approval: ApprovalRecord | undefined): string {
	const head = approval ? `Changes since the plan approved by ${approval.approvedBy} at ${approval.approvedAt}:` : 'Nothing has been approved for this workspace yet; approving allows:';
	if (approval && isEmptyDiff(diff)) {
		return `The plan matches the one approved by ${approval.approvedBy} at ${approval.approvedAt}.`;
	}
	const lines = [head];
	if (diff.modeChanged) {
		lines.push(`  ~ mode: ${diff.modeChanged.from} -> ${diff.modeChanged.to}`);
	}
	if (diff.topologyChanged) {
		lines.push(`  ~ topology: ${diff.topologyChanged.from} -> ${diff.topologyChanged.to}${diff.topologyChanged.to === 'sidecar' ? ' (the proxy moves to a container of its own; the agent may be root)' : ' (the lock moves into the agent\'s container; the agent may not be root)'}`);
	}
	for (const e of diff.added) {
		lines.push(`  + ${hostLabel(e)}  [${entryPorts(e)}]  from ${e.sources.join(', ')}${e.risks.length ? `  (${e.risks.length} risk note${e.risks.length > 1 ? 's' : ''})` : ''}`);
		for (const r of e.risks) {
			lines.push(`      ! ${r.message}`);
		}
	}
	for (const e of diff.removed) {
		lines.push(`  - ${hostLabel(e)}  [${entryPorts(e)}]`);
	}
	for (const c of diff.changed) {
		lines.push(`  ~ ${hostLabel(c.after)}: ${c.what.join('; ')}`);
	}
	lines.push(...acceptanceDiffLines(diff));
	return lines.join('\n');
}
