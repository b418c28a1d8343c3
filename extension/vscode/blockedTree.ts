import * as vscode from 'vscode';
import { blockedHostDescription, type BlockedHostSummary } from '../core/views/blockedHosts';
import { ruleReason, type ProxyRule } from '../core/proxyLog';
import type { AirlockSession } from './session';

export const BLOCKED_VIEW_ID = 'airlock.blockedHosts';

function formatTime(ms: number): string {
	return new Date(ms).toLocaleTimeString();
}

/** The blocked hosts, most recent first, each with its count, last time and an "Allow…" action. */
export class BlockedHostsProvider implements vscode.TreeDataProvider<BlockedHostSummary> {
	private readonly changed = new vscode.EventEmitter<void>();
	readonly onDidChangeTreeData = this.changed.event;

	constructor(private readonly session: AirlockSession) {}

	refresh(): void {
		this.changed.fire();
	}

	getChildren(element?: BlockedHostSummary): BlockedHostSummary[] {
		return element ? [] : this.session.blocked.list();
	}

	getTreeItem(summary: BlockedHostSummary): vscode.TreeItem {
		const item = new vscode.TreeItem(summary.host, vscode.TreeItemCollapsibleState.None);
		item.id = summary.host;
		item.description = blockedHostDescription(summary, formatTime);
		item.contextValue = 'blockedHost';
		item.iconPath = new vscode.ThemeIcon(summary.enforced ? 'circle-slash' : 'eye', new vscode.ThemeColor(summary.enforced ? 'errorForeground' : 'editorWarning.foreground'));
		const reasons = summary.rules.map((r) => ruleReason(r as ProxyRule) ?? r).join(', ');
		item.tooltip = new vscode.MarkdownString(
			`**${summary.host}** — ${summary.count} request${summary.count === 1 ? '' : 's'} ${summary.enforced ? 'blocked' : 'would be blocked (audit)'}\n\n` +
				`Ports: ${summary.ports.join(', ')}\n\nWhy: ${reasons}\n\nLast seen: ${new Date(summary.lastSeen).toLocaleString()}`,
		);
		item.accessibilityInformation = { label: `${summary.host}, ${item.description}` };
		return item;
	}
}

export function createBlockedTree(session: AirlockSession): { provider: BlockedHostsProvider; view: vscode.TreeView<BlockedHostSummary>; disposable: vscode.Disposable } {
	const provider = new BlockedHostsProvider(session);
	const view = vscode.window.createTreeView(BLOCKED_VIEW_ID, { treeDataProvider: provider, showCollapseAll: false });
	const render = (): void => {
		provider.refresh();
		const hosts = session.blocked.hostCount;
		// The badge and the status bar both count hosts.
		view.badge = hosts > 0 ? { value: hosts, tooltip: `${hosts} host${hosts === 1 ? '' : 's'} blocked (${session.blocked.totalBlocked} request${session.blocked.totalBlocked === 1 ? '' : 's'})` } : undefined;
		view.message = treeMessage(session);
	};
	render();
	const sub = session.onDidChange(render);
	return { provider, view, disposable: vscode.Disposable.from(view, sub) };
}

/** Says plainly what the tree is showing, above the items. */
function treeMessage(session: AirlockSession): string | undefined {
	const s = session.state;
	if (session.where === 'no-folder') {
		return undefined;
	}
	switch (s.containerState) {
		case 'no-container':
			return s.startInProgress ? 'Starting the locked container…' : 'No locked container is running for this folder. Blocked requests appear here when one starts.';
		case 'stopped':
			return `The locked container ${session.containerLabel} is stopped. Blocked requests appear here when it runs again.`;
		case 'engine-unreachable':
			return `The Docker engine does not answer (${session.dockerDescription}); retrying.`;
		case 'not-locked':
			// The container's own reason says which case it is (a spoiled policy, the sidecar's gate or proxy stopped).
			return `${session.containerLabel} is running but NOT LOCKED: ${s.lockReason ?? 'the proxy is not working as approved'}. Run "Airlock: Verify Lockdown".`;
		case 'read-only':
			return 'Inside the container Airlock only shows the policy; blocked requests and approvals live on the host.';
		case 'checking':
			return 'Looking for the Docker engine and this folder\'s container…';
		case 'starting':
			return `Waiting for ${session.containerLabel} to report its lock…`;
		default:
			return session.blocked.hostCount === 0 ? `Following ${session.containerLabel}: nothing blocked yet.` : undefined;
	}
}
