import * as vscode from 'vscode';
import { requestTarget, type AccessRequest } from '../core/requests';
import { riskNotesFor } from '../core/risks';
import { suspectDescription, suspectExplanation, type SuspectSummary } from '../core/views/suspectRequests';
import type { AgentChannel } from './agentChannel';

export const AGENT_REQUESTS_VIEW_ID = 'airlock.agentRequests';
export const SUSPECTS_VIEW_ID = 'airlock.suspectRequests';

function time(ms: number): string {
	return new Date(ms).toLocaleTimeString();
}

/**
 * The agent's access requests waiting for a person, each with Review and Reject. Tooltips are
 * plain strings: the agent's reason is never rendered as Markdown.
 */
class AgentRequestsProvider implements vscode.TreeDataProvider<AccessRequest> {
	private readonly changed = new vscode.EventEmitter<void>();
	readonly onDidChangeTreeData = this.changed.event;

	constructor(private readonly channel: AgentChannel) {}

	refresh(): void {
		this.changed.fire();
	}

	getChildren(element?: AccessRequest): AccessRequest[] {
		return element ? [] : this.channel.pending();
	}

	getTreeItem(r: AccessRequest): vscode.TreeItem {
		const item = new vscode.TreeItem(requestTarget(r), vscode.TreeItemCollapsibleState.None);
		item.id = r.id;
		item.description = `"${r.why}"`;
		item.contextValue = 'agentRequest';
		item.iconPath = new vscode.ThemeIcon('question', new vscode.ThemeColor('editorInfo.foreground'));
		const risks = riskNotesFor(r.host, r.port === undefined ? [] : [r.port]).map((n) => `⚠ ${n.message}`);
		item.tooltip = [`The agent asks for ${requestTarget(r)} (${r.port === undefined ? 'web ports 80, 443' : `tunnel to port ${r.port}`})`, `Why (the agent's words): "${r.why}"`, `Asked ${r.count === 1 ? 'once' : `${r.count} times`}, last at ${time(r.lastSeen)}`, ...risks].join('\n');
		item.accessibilityInformation = { label: `${requestTarget(r)}, asked by the agent: ${r.why}` };
		item.command = { command: 'airlock.reviewRequest', title: 'Review', arguments: [r.id] };
		return item;
	}
}

/** Requests the exfiltration scorer flagged: refused suspects, and those let through under exfil: warn. */
class SuspectsProvider implements vscode.TreeDataProvider<SuspectSummary> {
	private readonly changed = new vscode.EventEmitter<void>();
	readonly onDidChangeTreeData = this.changed.event;

	constructor(private readonly channel: AgentChannel) {}

	refresh(): void {
		this.changed.fire();
	}

	getChildren(element?: SuspectSummary): SuspectSummary[] {
		return element ? [] : this.channel.suspects.list();
	}

	getTreeItem(s: SuspectSummary): vscode.TreeItem {
		const item = new vscode.TreeItem(s.host, vscode.TreeItemCollapsibleState.None);
		item.id = `suspect:${s.host}`;
		item.description = suspectDescription(s);
		item.contextValue = 'suspectRequest';
		item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor(s.refused ? 'editorWarning.foreground' : 'errorForeground'));
		item.tooltip = [`${s.host} ${s.refused ? 'was refused' : 'went through under exfil: warn'} ${s.count === 1 ? 'once' : `${s.count} times`}, last at ${time(s.lastSeen)}`, `Why it looks like exfiltration: ${suspectExplanation(s)}`, 'The name was never looked up in DNS when refused.'].join('\n');
		item.accessibilityInformation = { label: `${s.host}, suspected exfiltration, ${item.description}` };
		return item;
	}
}

export function createAgentViews(channel: AgentChannel): vscode.Disposable {
	const requests = new AgentRequestsProvider(channel);
	const suspects = new SuspectsProvider(channel);
	const requestsView = vscode.window.createTreeView(AGENT_REQUESTS_VIEW_ID, { treeDataProvider: requests });
	const suspectsView = vscode.window.createTreeView(SUSPECTS_VIEW_ID, { treeDataProvider: suspects });
	const render = (): void => {
		requests.refresh();
		suspects.refresh();
		const pending = channel.pending().length;
		requestsView.badge = pending > 0 ? { value: pending, tooltip: `${pending} access request${pending === 1 ? '' : 's'} from the agent` } : undefined;
		suspectsView.badge = channel.suspects.hostCount > 0 ? { value: channel.suspects.hostCount, tooltip: 'hosts flagged as possible exfiltration' } : undefined;
		suspectsView.message = channel.suspects.hostCount > 0 ? 'These requests looked like data leaving in a host name or URL. Refused ones were never looked up.' : undefined;
		void vscode.commands.executeCommand('setContext', 'airlock.hasAgentRequests', pending > 0);
	};
	render();
	const sub = channel.onDidChange(render);
	return vscode.Disposable.from(requestsView, suspectsView, sub);
}
