import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { COMMAND } from '../core/views/commandIds';
import type { PlanView } from '../core/views/planView';
import { approvePlan } from './applyApproved';
import { describeError, openAt, reportError } from './nextStep';
import { policyFileOf, reviewInsideContainer, reviewOnHost, type DevcontainerReview, type PlanReview } from './planReview';
import { annotatedPlanView } from './planExtras';
import { rejectReview } from './rejectReview';
import type { AirlockSession } from './session';
import { protectHostCodeFromReview } from './findingsRefusal';

/** Messages the webview sends (media/plan.js). */
type FromWebview =
	| { type: 'ready' }
	| { type: 'approve'; hash: string; configDigest?: string }
	| { type: 'reject' }
	| { type: 'openPolicy' }
	| { type: 'proposeRemoveUnused' }
	| { type: 'lock' }
	| { type: 'openProblem'; file: string; line: number; column: number }
	| { type: 'protectHostCode' };

/** Messages the webview receives. */
export type ToWebview =
	| {
			type: 'plan';
			view: PlanView;
			readOnly: boolean;
			focusHost?: string;
			busy: boolean;
			/** `no-policy`: nothing to approve until "Lock This Repository…" writes airlock.yaml. */
			setup: 'ready' | 'no-policy';
			/** What Approve writes to the dev container configuration (host only). */
			devcontainer?: DevcontainerReview;
		}
	| { type: 'error'; message: string; problem?: { file: string; line: number; column: number } };

export interface PlanPanelOptions {
	/** A host to scroll to and highlight (the one "Allow…" proposed). */
	readonly focusHost?: string;
	/** Runs when the person rejects the proposal (e.g. undo the policy edit "Allow…" made). */
	readonly onReject?: () => void | Promise<void>;
}

function nonce(): string {
	return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** The plan review: one panel per window, reused and refreshed. */
export class PlanPanel implements vscode.Disposable {
	static readonly viewType = 'airlock.plan';
	private static current: PlanPanel | undefined;

	private readonly disposables: vscode.Disposable[] = [];
	private options: PlanPanelOptions = {};
	private review: PlanReview | undefined;
	private busy = false;

	static show(session: AirlockSession, options: PlanPanelOptions = {}): PlanPanel {
		if (PlanPanel.current) {
			PlanPanel.current.options = options;
			PlanPanel.current.panel.reveal(vscode.ViewColumn.Active);
			PlanPanel.current.refresh();
			return PlanPanel.current;
		}
		const media = vscode.Uri.joinPath(session.context.extensionUri, 'dist', 'media');
		const panel = vscode.window.createWebviewPanel(PlanPanel.viewType, 'Airlock: Plan', vscode.ViewColumn.Active, {
			enableScripts: true,
			// Only our own bundled script, styles and icon font; nothing from the workspace.
			localResourceRoots: [media],
		});
		PlanPanel.current = new PlanPanel(panel, session, media);
		PlanPanel.current.options = options;
		return PlanPanel.current;
	}

	/** Redraws the panel if it is open (policy file changed, approval recorded). */
	static refreshIfOpen(): void {
		PlanPanel.current?.refresh();
	}

	private constructor(
		private readonly panel: vscode.WebviewPanel,
		private readonly session: AirlockSession,
		private readonly media: vscode.Uri,
	) {
		panel.iconPath = vscode.Uri.joinPath(session.context.extensionUri, 'media', 'icon.png');
		panel.webview.html = this.html();
		panel.onDidDispose(() => this.dispose(), null, this.disposables);
		panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m), null, this.disposables);
	}

	private html(): string {
		const webview = this.panel.webview;
		const n = nonce();
		const script = webview.asWebviewUri(vscode.Uri.joinPath(this.media, 'plan.js'));
		const style = webview.asWebviewUri(vscode.Uri.joinPath(this.media, 'plan.css'));
		const codicons = webview.asWebviewUri(vscode.Uri.joinPath(this.media, 'codicon.css'));
		const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `img-src ${webview.cspSource}`, `script-src 'nonce-${n}'`].join('; ');
		return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${codicons}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${style}">
<title>Airlock: Plan</title>
</head>
<body>
<main id="app"><p class="loading">Loading the plan…</p></main>
<div id="announce" class="sr-only" role="status" aria-live="polite" aria-atomic="true"></div>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
	}

	private post(message: ToWebview): void {
		void this.panel.webview.postMessage(message);
	}

	refresh(): void {
		const location = this.session.location;
		try {
			if (location?.kind === 'inside-container') {
				this.review = reviewInsideContainer(location.localPath);
			} else if (location?.kind === 'host') {
				this.review = reviewOnHost(location.hostPath);
			} else {
				throw new Error(location ? location.why : 'open a folder first');
			}
			this.post({
				type: 'plan',
				view: annotatedPlanView(this.review, this.session),
				readOnly: this.session.readOnly,
				busy: this.busy,
				setup: this.review.hasPolicyFile ? 'ready' : 'no-policy',
				...(this.review.devcontainer ? { devcontainer: this.review.devcontainer } : {}),
				...(this.options.focusHost ? { focusHost: this.options.focusHost } : {}),
			});
		} catch (err) {
			this.review = undefined;
			const described = describeError(err);
			this.post({ type: 'error', message: described.message, ...(described.openFile ? { problem: described.openFile } : {}) });
			// The panel says it, and a broken policy file shows in Problems; a toast on every save would only pile up.
			this.session.output.warn(`The plan cannot be shown: ${described.message}`);
		}
	}

	private async onMessage(message: FromWebview): Promise<void> {
		switch (message.type) {
			case 'ready':
				this.refresh();
				break;
			case 'approve':
				await this.approve(message.hash, message.configDigest);
				break;
			case 'lock':
				await vscode.commands.executeCommand(COMMAND.lockRepository);
				break;
			case 'reject':
				await this.reject();
				break;
			case 'openPolicy': {
				const workspace = this.session.hostPath ?? (this.session.location?.kind === 'inside-container' ? this.session.location.localPath : undefined);
				if (workspace && fs.existsSync(policyFileOf(workspace))) {
					await openAt(policyFileOf(workspace));
				} else if (workspace) {
					// No file to open yet: creating it is "Lock This Repository…".
					await vscode.commands.executeCommand(COMMAND.lockRepository);
				}
				break;
			}
			case 'openProblem':
				await openAt(message.file, message.line, message.column);
				break;
			case 'protectHostCode':
				if (!this.session.readOnly && this.session.hostPath) {
					await protectHostCodeFromReview(this.session, this.session.hostPath);
				}
				break;
			case 'proposeRemoveUnused':
				await vscode.commands.executeCommand('airlock.proposeRemoveUnused');
				break;
		}
	}

	private async approve(hash: string, configDigest?: string): Promise<void> {
		if (this.session.readOnly || this.busy) {
			return;
		}
		this.busy = true;
		this.refresh();
		try {
			const outcome = await approvePlan(this.session, hash, configDigest);
			this.session.output.info(`Review: approve → ${outcome}`);
		} catch (err) {
			await reportError('approval failed', err, this.session.output);
		} finally {
			this.busy = false;
			this.refresh();
		}
	}

	private async reject(): Promise<void> {
		const onReject = this.options.onReject;
		this.options = {};
		this.panel.dispose();
		await rejectReview(this.session, onReject);
	}

	dispose(): void {
		PlanPanel.current = undefined;
		this.panel.dispose();
		while (this.disposables.length) {
			this.disposables.pop()?.dispose();
		}
	}
}
