import * as vscode from 'vscode';
import { readApprovedPolicy } from '../core/approvals';
import { formatAllowedLine, formatBlockedLine, isExfilSignal, type ProxyLogEntry } from '../core/proxyLog';
import { policyAllows, readRequestBook, requestTarget, writeRequestBook, type AccessRequest, type RequestBook } from '../core/requests';
import { readUsageBook, writeUsageBook } from '../core/usage';
import { NotificationThrottle } from '../core/views/blockedHosts';
import { SuspectTally, suspectExplanation } from '../core/views/suspectRequests';
import { describeSignal } from '../core/exfil/score';
import type { AirlockSession } from './session';

/** A burst of requests gives one notification, then a summary of the rest. */
const REQUEST_NOTIFY_INTERVAL_MS = 3_000;
const SUSPECT_NOTIFY_INTERVAL_MS = 10_000;
/** Usage is written to disk at most this often (a busy proxy logs many lines a second). */
const USAGE_FLUSH_MS = 5_000;

export const REVIEW_REQUEST_COMMAND = 'airlock.reviewRequest';
export const REJECT_REQUEST_COMMAND = 'airlock.rejectRequest';
export const SHOW_SUSPECTS_COMMAND = 'airlock.showSuspects';

const registry: { channel?: AgentChannel } = {};

/** The window's channel (one per window, like the session); undefined inside the container. */
export function currentAgentChannel(): AgentChannel | undefined {
	return registry.channel;
}

/**
 * The agent's side of the proxy log, in the editor: access requests (notified within a second,
 * with Review and Reject), requests the exfiltration scorer flagged (a group of their own and a
 * warning), and the usage of each entry. Fed by the BlockedLogWatcher's follower, so it works
 * wherever the log comes from. The request and usage books live on the host
 * (core/requests.ts, core/usage.ts); every change is read-modify-write, so the CLI can decide
 * requests while the editor runs.
 */
export class AgentChannel implements vscode.Disposable {
	readonly suspects = new SuspectTally();
	private readonly changed = new vscode.EventEmitter<void>();
	readonly onDidChange = this.changed.event;
	private readonly requestThrottle = new NotificationThrottle(REQUEST_NOTIFY_INTERVAL_MS);
	private readonly suspectThrottle = new NotificationThrottle(SUSPECT_NOTIFY_INTERVAL_MS);
	private summaryTimer: NodeJS.Timeout | undefined;
	private usageTimer: NodeJS.Timeout | undefined;
	private pendingUsage: ProxyLogEntry[] = [];
	private readonly disposables: vscode.Disposable[] = [];

	constructor(private readonly session: AirlockSession) {
		this.disposables.push(this.changed, session.onDidFinishApproval(() => this.reconcile()));
		registry.channel = this;
	}

	private get workspace(): string | undefined {
		return this.session.hostPath;
	}

	/** The pending requests, newest first (from disk: the CLI may have decided some). */
	pending(): AccessRequest[] {
		return this.workspace ? readRequestBook(this.workspace).list('pending') : [];
	}

	/**
	 * One proxy log entry. Returns true when it is the agent's (a request, or a flagged one), so
	 * the routine blocked view leaves it out.
	 */
	onEntry(entry: ProxyLogEntry): boolean {
		this.pendingUsage.push(entry);
		this.scheduleUsageFlush();
		if (entry.rule === 'access-request') {
			this.onRequestEntry(entry);
			return true;
		}
		if (isExfilSignal(entry)) {
			this.onSuspect(entry);
			return true;
		}
		return false;
	}

	private allowedNow(): (host: string, port?: number) => boolean {
		let approved: ReturnType<typeof readApprovedPolicy>;
		try {
			approved = this.workspace ? readApprovedPolicy(this.workspace) : undefined;
		} catch {
			approved = undefined;
		}
		return (host, port) => (approved ? policyAllows(approved.policy, host, port) : false);
	}

	private withBook<T>(change: (book: RequestBook) => T): T | undefined {
		const workspace = this.workspace;
		if (!workspace) {
			return undefined;
		}
		const book = readRequestBook(workspace);
		const result = change(book);
		writeRequestBook(workspace, book);
		return result;
	}

	private onRequestEntry(entry: ProxyLogEntry): void {
		const allowedNow = this.allowedNow();
		const outcome = this.withBook((book) => book.ingest(entry, allowedNow));
		if (!outcome) {
			return;
		}
		const out = this.session.output;
		switch (outcome.kind) {
			case 'new':
				out.warn(`REQUEST from the agent: ${requestTarget(outcome.request)} — "${outcome.request.why}" (${outcome.request.id})`);
				this.changed.fire();
				void this.notifyRequest(outcome.request);
				break;
			case 'repeat':
				out.info(`REQUEST from the agent again: ${requestTarget(outcome.request)} (asked ${outcome.request.count} times)`);
				this.changed.fire();
				break;
			case 'quiet':
				out.info(`REQUEST from the agent for ${requestTarget(outcome.request)} not raised: ${outcome.why === 'rejected-recently' ? 'rejected recently' : 'already allowed'}.`);
				break;
			case 'ignored':
				if (outcome.why !== 'seen' && outcome.why !== 'not-a-request') {
					out.warn(`An access request was not queued (${outcome.why}${outcome.problem ? `: ${outcome.problem}` : ''}).`);
				}
				break;
		}
	}

	private async notifyRequest(request: AccessRequest): Promise<void> {
		if (!vscode.workspace.getConfiguration('airlock').get<boolean>('notifyOnAgentRequest', true)) {
			return;
		}
		if (!this.requestThrottle.tryShow(Date.now())) {
			this.scheduleSummary();
			return;
		}
		// The reason is the agent's text, cleaned to one plain line (core/untrustedText.ts).
		const choice = await vscode.window.showInformationMessage(`Airlock: the agent asks for ${requestTarget(request)}: "${request.why}"`, 'Review', 'Reject');
		if (choice === 'Review') {
			await vscode.commands.executeCommand(REVIEW_REQUEST_COMMAND, request.id);
		} else if (choice === 'Reject') {
			await vscode.commands.executeCommand(REJECT_REQUEST_COMMAND, request.id);
		}
	}

	/** Requests held back by the throttle get one summary once it allows another notification. */
	private scheduleSummary(): void {
		if (this.summaryTimer) {
			return;
		}
		this.summaryTimer = setTimeout(() => {
			this.summaryTimer = undefined;
			const held = this.requestThrottle.takeSuppressed();
			if (held > 0 && this.requestThrottle.tryShow(Date.now())) {
				void vscode.window.showInformationMessage(`Airlock: the agent sent ${held} more access request${held === 1 ? '' : 's'}.`, 'Show Requests').then((choice) => {
					if (choice === 'Show Requests') {
						void vscode.commands.executeCommand('airlock.agentRequests.focus');
					}
				});
			}
		}, REQUEST_NOTIFY_INTERVAL_MS);
	}

	private onSuspect(entry: ProxyLogEntry): void {
		const line = entry.verdict === 'allow' ? formatAllowedLine(entry) : formatBlockedLine(entry);
		this.session.output.warn(`SUSPECT ${line}`);
		const { newHost } = this.suspects.record(entry);
		void vscode.commands.executeCommand('setContext', 'airlock.hasSuspects', true);
		this.changed.fire();
		if (newHost && this.suspectThrottle.tryShow(Date.now())) {
			const summary = this.suspects.list().find((s) => s.host === entry.host.toLowerCase());
			const what = entry.verdict === 'allow' ? 'let through (exfil: warn)' : 'refused';
			const why = summary ? suspectExplanation(summary) : (entry.exfil ?? []).map(describeSignal).join('; ');
			void vscode.window.showWarningMessage(`Airlock: possible data exfiltration ${what}: ${entry.host}:${entry.port} — ${why}.`, 'Show Suspect Requests').then((choice) => {
				if (choice) {
					void vscode.commands.executeCommand(SHOW_SUSPECTS_COMMAND);
				}
			});
		}
	}

	/** After an approval: the pending requests it now allows are approved (a person just approved them). */
	reconcile(): void {
		const workspace = this.workspace;
		if (!workspace) {
			return;
		}
		let approved;
		try {
			approved = readApprovedPolicy(workspace);
		} catch {
			return;
		}
		if (!approved) {
			return;
		}
		const policy = approved.policy;
		const done = this.withBook((book) => book.reconcile(policy, approved.approvedBy)) ?? [];
		for (const r of done) {
			this.session.output.info(`Access request ${r.id} for ${requestTarget(r)} is approved and enforced.`);
		}
		if (done.length > 0) {
			this.changed.fire();
		}
	}

	reject(id: string): AccessRequest | undefined {
		const decided = this.withBook((book) => book.decide(id, 'rejected', 'you, in the editor'));
		this.changed.fire();
		return decided;
	}

	private scheduleUsageFlush(): void {
		if (!this.usageTimer) {
			this.usageTimer = setTimeout(() => this.flushUsage(), USAGE_FLUSH_MS);
		}
	}

	private flushUsage(): void {
		this.usageTimer = undefined;
		const workspace = this.workspace;
		const entries = this.pendingUsage;
		this.pendingUsage = [];
		if (!workspace || entries.length === 0) {
			return;
		}
		try {
			const book = readUsageBook(workspace);
			entries.forEach((e) => book.ingest(e));
			writeUsageBook(workspace, book);
		} catch (err) {
			this.session.output.warn(`Could not record usage: ${err instanceof Error ? err.message : String(err)}`);
		}
	}

	dispose(): void {
		if (registry.channel === this) {
			registry.channel = undefined;
		}
		clearTimeout(this.summaryTimer);
		clearTimeout(this.usageTimer);
		this.flushUsage();
		while (this.disposables.length) {
			this.disposables.pop()?.dispose();
		}
	}
}
