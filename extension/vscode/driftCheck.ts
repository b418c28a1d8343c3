import * as fs from 'node:fs';
import { COMMAND } from '../core/views/commandIds';
import * as vscode from 'vscode';
import { approvedPolicyOf, readApproval } from '../core/approvals';
import { parseCanonicalText, policyHash } from '../core/enforcedPolicy';
import { diffPlans, isEmptyDiff, resolvePlan } from '../core/plan';
import { diffLines } from '../core/views/planView';
import { readLockPolicy } from '../docker/lock';
import { applyApprovedWithProgress } from './applyApproved';
import { devcontainerProblems, regenerateDevcontainer } from './devcontainerSync';
import { describeError, openAt, showWarningWithSteps, type NextStep } from './nextStep';
import { policyFileOf } from './planReview';
import type { AirlockSession } from './session';

export interface DriftReport {
	readonly approved: boolean;
	/** The policy files resolve to a plan other than the approved one. */
	readonly policyDiff: string[];
	readonly devcontainer: string[];
	/** The container enforces a hash other than the approved one (undefined: no container). */
	readonly liveHash?: string;
	readonly liveDiffers: boolean;
	readonly problems: string[];
}

/**
 * Compares the project policy, devcontainer.json and the container's live policy with the
 * approved plan. It warns and offers the review; it never enforces anything unapproved (the
 * only thing it can apply is the approved policy itself).
 */
export class DriftCheck {
	private lastWarned = '';

	constructor(private readonly session: AirlockSession) {}

	async run(options: { notify: boolean }): Promise<DriftReport | undefined> {
		const workspace = this.session.hostPath;
		// Mid-approval the files and the container change one after the other; look afterwards.
		if (!workspace || this.session.approving) {
			return undefined;
		}
		const generation = this.session.approvalGeneration;
		const problems: string[] = [];
		let approval;
		try {
			approval = readApproval(workspace);
		} catch (err) {
			problems.push(describeError(err).message);
		}
		let policyDiff: string[] = [];
		let mode = approval?.mode;
		let policyValid = true;
		try {
			const plan = resolvePlan(workspace);
			mode ??= plan.mode;
			const diff = diffPlans(approval?.plan, plan);
			policyDiff = approval && !isEmptyDiff(diff) ? diffLines(diff) : [];
		} catch (err) {
			policyValid = false;
			problems.push(describeError(err).message);
		}
		const policy = !fs.existsSync(policyFileOf(workspace)) && policyValid ? 'none' : policyValid ? 'valid' : 'invalid';
		let devcontainer: string[] = [];
		let liveHash: string | undefined;
		if (approval) {
			try {
				devcontainer = devcontainerProblems(workspace, approvedPolicyOf(approval)).problems;
			} catch (err) {
				devcontainer = [describeError(err).message];
			}
			try {
				const located = await this.session.findLock();
				if (located) {
					liveHash = policyHash(parseCanonicalText(await readLockPolicy(located.lock)));
				}
			} catch (err) {
				// No engine or no Airlock in the container: the follower reports that state.
				this.session.output.debug(`Drift check: live policy not read: ${describeError(err).message}`);
			}
		}
		if (this.session.approving || generation !== this.session.approvalGeneration) {
			// An approval started meanwhile: this answer is stale, and a fresh check follows it.
			return undefined;
		}
		const liveDiffers = liveHash !== undefined && approval !== undefined && liveHash !== policyHash(parseCanonicalText(approval.canonicalPolicy));
		const report: DriftReport = { approved: approval !== undefined, policyDiff, devcontainer, ...(liveHash ? { liveHash } : {}), liveDiffers, problems };
		const drift = policyDiff.length > 0 || devcontainer.length > 0 || liveDiffers;
		this.session.update({ approved: approval !== undefined, drift, policy, policyChanged: policyDiff.length > 0, configDrift: devcontainer.length > 0, liveDiffers, ...(mode ? { mode } : {}) });
		this.log(report);
		if (options.notify) {
			await this.warn(report);
		}
		return report;
	}

	private log(report: DriftReport): void {
		const out = this.session.output;
		if (!report.approved) {
			out.info('Nothing is approved for this folder yet.');
		}
		if (report.policyDiff.length > 0) {
			out.warn(`The policy files differ from the approved plan (not enforced until approved):\n  ${report.policyDiff.join('\n  ')}`);
		}
		for (const p of report.devcontainer) {
			out.warn(`devcontainer.json: ${p}`);
		}
		if (report.liveDiffers) {
			out.warn(`The container enforces ${report.liveHash}, not the approved plan.`);
		}
		for (const p of report.problems) {
			out.error(p);
		}
	}

	private async warn(report: DriftReport): Promise<void> {
		const signature = JSON.stringify(report);
		if (signature === this.lastWarned) {
			return;
		}
		this.lastWarned = signature;
		const review: NextStep = { label: 'Review Changes', run: () => vscode.commands.executeCommand(COMMAND.reviewChanges) };
		// After a failed apply its own error already says this and offers "Retry Apply"; a second
		// warning would outlive the retry and tell the person something no longer true.
		if (report.liveDiffers && !this.session.applyFailurePending) {
			await showWarningWithSteps(
				`Airlock: the container enforces a policy you did not approve (${report.liveHash?.slice(0, 19)}…).`,
				[{ label: 'Apply Approved Policy', run: () => applyApprovedWithProgress(this.session) }, { label: 'Show Log', run: () => this.session.output.show(true) }],
			);
		}
		if (report.policyDiff.length > 0 && JSON.stringify(report.policyDiff) !== this.session.dismissedPolicyDiff) {
			await showWarningWithSteps(
				`Airlock: the policy differs from what you approved (${report.policyDiff.length} change${report.policyDiff.length === 1 ? '' : 's'}). Nothing new is enforced until you approve.`,
				[review, { label: 'Show Diff', run: () => this.session.output.show(true) }],
			);
		} else if (report.policyDiff.length === 0 && report.devcontainer.length > 0) {
			const workspace = this.session.hostPath ?? '';
			// The core's problem text ends with the CLI's fix; here the fix is the button.
			const problem = report.devcontainer[0].replace(/;\s*run `airlock generate`[^;]*$/, '');
			await showWarningWithSteps(`Airlock: devcontainer.json differs from the approved plan: ${problem}`, [
				{ label: 'Regenerate devcontainer.json', run: () => this.regenerate(workspace) },
				{ label: 'Show Log', run: () => this.session.output.show(true) },
			]);
		} else if (!report.approved && report.problems.length === 0 && fs.existsSync(policyFileOf(this.session.hostPath ?? ''))) {
			await showWarningWithSteps('Airlock: nothing is approved for this repository yet, so its container would deny all egress.', [{ label: 'Review & Approve', run: () => vscode.commands.executeCommand(COMMAND.reviewChanges) }]);
		}
	}

	/** Writes devcontainer.json for the approved policy (never the proposal). */
	private async regenerate(workspace: string): Promise<void> {
		const approval = readApproval(workspace);
		if (!approval) {
			return;
		}
		try {
			const written = regenerateDevcontainer(workspace, approvedPolicyOf(approval));
			this.session.output.info(`Wrote ${written.file} for the approved plan.`);
			await openAt(written.file);
		} catch (err) {
			this.session.output.error(describeError(err).message);
		}
		await this.run({ notify: false });
	}
}
