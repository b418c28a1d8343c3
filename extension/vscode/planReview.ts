import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { approvalLockFile } from '../core/approvalLock';
import { readApproval } from '../core/approvals';
import { planDevcontainer } from '../core/devcontainer';
import { parseCanonicalText, planHashOf, type EnforcedPolicy } from '../core/enforcedPolicy';
import { diffPlans, projectPolicyFile, resolvePlan, type Plan, type PlanEntry } from '../core/plan';
import { devcontainerPreview, type DevcontainerPreview } from '../core/views/devcontainerChanges';
import { buildPlanView, type ApprovalSummary, type PlanView } from '../core/views/planView';
import { findingsViewFor } from '../core/views/findingsView';
import { generateOptionsFor, type PolicyAndTerms } from './devcontainerSync';
import { describeError } from './nextStep';

/** The live policy inside a container, readable by anyone there (docs/architecture.md §3). */
const LIVE_POLICY_FILE = '/etc/airlock/policy';

export interface PlanReview {
	readonly plan: Plan;
	readonly view: PlanView;
	/** False before "Lock This Repository…" created the policy file: nothing to approve yet. */
	readonly hasPolicyFile: boolean;
	/** What Approve will write to the dev container configuration (host only). */
	readonly devcontainer?: DevcontainerReview;
}

/** The preview of the files Approve writes, or why it cannot be computed. */
export type DevcontainerReview =
	| { readonly ok: true; readonly preview: DevcontainerPreview; readonly digest: string }
	| { readonly ok: false; readonly message: string; readonly problem?: { file: string; line: number; column: number } };

/**
 * What Approve will write for `policy`: the same planDevcontainer call Approve makes. The digest
 * lets Approve refuse when the files it would write are no longer the ones shown.
 */
export function reviewDevcontainer(workspace: string, source: PolicyAndTerms, approving = true): DevcontainerReview {
	try {
		const plan = planDevcontainer(generateOptionsFor(workspace, source));
		const digest = createHash('sha256')
			.update(JSON.stringify([plan.file, plan.before, plan.after, plan.localFeatureStale ?? null, plan.composeOverride?.after ?? null]))
			.digest('hex');
		const lock = approvalLockFile(workspace);
		// An approval is also written into the repository (core/approvals.ts: recordApproval); a
		// plan that is approved already has nothing left to approve.
		const alsoWrites = approving ? [{ file: lock, exists: fs.existsSync(lock), why: 'The approved plan as a committed record, for review and for `airlock check` in CI; it enforces nothing by itself.' }] : [];
		return { ok: true, preview: devcontainerPreview(workspace, plan, alsoWrites), digest };
	} catch (err) {
		const described = describeError(err);
		return { ok: false, message: described.message, ...(described.openFile ? { problem: described.openFile } : {}) };
	}
}

/** The current plan against the approval recorded on the host. */
export function reviewOnHost(hostPath: string): PlanReview {
	const plan = resolvePlan(hostPath);
	const approval = readApproval(hostPath);
	const diff = diffPlans(approval?.plan, plan);
	const summary: ApprovalSummary | undefined = approval ? { planHash: approval.planHash, approvedBy: approval.approvedBy, approvedAt: approval.approvedAt } : undefined;
	const hasPolicyFile = fs.existsSync(policyFileOf(hostPath));
	const view = buildPlanView(plan, diff, summary, findingsViewFor(hostPath, plan));
	return { plan, view, hasPolicyFile, ...(hasPolicyFile ? { devcontainer: reviewDevcontainer(hostPath, plan, view.state !== 'approved') } : {}) };
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
	return { plan, view: buildPlanView(plan, diff, summary, findingsViewFor(localPath, plan)), hasPolicyFile: fs.existsSync(policyFileOf(localPath)) };
}

/** The project policy file (one name for the path: core's `projectPolicyFile`). */
export function policyFileOf(workspace: string): string {
	return projectPolicyFile(workspace);
}
