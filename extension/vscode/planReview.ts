import * as fs from 'node:fs';
import * as path from 'node:path';
import { readApproval } from '../core/approvals';
import { parseCanonicalText, planHashOf, type EnforcedPolicy } from '../core/enforcedPolicy';
import { diffPlans, resolvePlan, type Plan, type PlanEntry } from '../core/plan';
import { buildPlanView, type ApprovalSummary, type PlanView } from '../core/views/planView';
import { findingsViewFor } from '../core/views/findingsView';

/** The live policy inside a container, readable by anyone there (docs/architecture.md §3). */
const LIVE_POLICY_FILE = '/etc/airlock/policy';

export interface PlanReview {
	readonly plan: Plan;
	readonly view: PlanView;
}

/** The current plan against the approval recorded on the host. */
export function reviewOnHost(hostPath: string): PlanReview {
	const plan = resolvePlan(hostPath);
	const approval = readApproval(hostPath);
	const diff = diffPlans(approval?.plan, plan);
	const summary: ApprovalSummary | undefined = approval ? { planHash: approval.planHash, approvedBy: approval.approvedBy, approvedAt: approval.approvedAt } : undefined;
	return { plan, view: buildPlanView(plan, diff, summary, findingsViewFor(hostPath, plan)) };
}

/** Plan entries for an enforced policy, which carries no provenance. */
function entriesOf(policy: EnforcedPolicy): PlanEntry[] {
	const byHost = new Map<string, { web: boolean; ports: number[] }>();
	for (const rule of policy.rules) {
		const e = byHost.get(rule.host) ?? { web: false, ports: [] };
		if (rule.port === undefined) {
			e.web = true;
		} else {
			e.ports.push(rule.port);
		}
		byHost.set(rule.host, e);
	}
	return [...byHost.entries()].map(([host, e]) => ({ host, wildcard: host.startsWith('*.'), web: e.web, ports: e.ports.sort((a, b) => a - b), sources: ['container'], reasons: [], risks: [], folded: [] }));
}

/**
 * Inside the container the approval is out of reach (on purpose), so the plan is compared with
 * what this container enforces now.
 */
export function reviewInsideContainer(localPath: string): PlanReview {
	const plan = resolvePlan(localPath);
	let live: EnforcedPolicy | undefined;
	if (fs.existsSync(LIVE_POLICY_FILE)) {
		live = parseCanonicalText(fs.readFileSync(LIVE_POLICY_FILE, 'utf8'));
	}
	// The container enforces hosts, not terms (accepted findings): it cannot tell them, so the file's count as enforced.
	const diff = diffPlans(live ? { mode: live.mode, entries: entriesOf(live), terms: plan.terms } : undefined, plan);
	const summary: ApprovalSummary | undefined = live ? { planHash: planHashOf(live, plan.terms), approvedBy: 'enforced in this container', approvedAt: '' } : undefined;
	return { plan, view: buildPlanView(plan, diff, summary, findingsViewFor(localPath, plan)) };
}

export function policyFileOf(workspace: string): string {
	return path.join(workspace, '.devcontainer', 'airlock.yaml');
}
