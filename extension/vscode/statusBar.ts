import * as vscode from 'vscode';
import { statusView, type StatusView } from '../core/views/statusText';
import { devContainersAvailable } from './devContainers';
import type { AirlockSession } from './session';

/** The session's state as the status bar sees it (also what the integration tests read). */
export function currentStatus(session: AirlockSession): StatusView {
	const s = session.state;
	return statusView({
		where: session.where,
		policy: s.policy,
		approved: s.approved,
		policyChanged: s.policyChanged,
		configDrift: s.configDrift,
		liveDiffers: s.liveDiffers,
		containerState: s.containerState,
		...(s.mode ? { mode: s.mode } : {}),
		blockedHosts: session.blocked.hostCount,
		blockedRequests: session.blocked.totalBlocked,
		startInProgress: s.startInProgress,
		devContainersAvailable: devContainersAvailable(),
	});
}

/** The true state in words; a click runs the one next step. */
export function createStatusBar(session: AirlockSession): vscode.Disposable {
	const item = vscode.window.createStatusBarItem('airlock.status', vscode.StatusBarAlignment.Left, 50);
	item.name = 'Airlock';
	const render = (): void => {
		const view = currentStatus(session);
		item.text = view.text;
		item.tooltip = session.state.detail ? `${view.tooltip}\n${session.state.detail}` : view.tooltip;
		item.command = { command: view.command.id, title: view.command.title };
		item.backgroundColor = view.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : view.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
		item.accessibilityInformation = { label: `${view.label}. ${view.command.title}`, role: 'button' };
	};
	render();
	item.show();
	const subs = [session.onDidChange(render), vscode.extensions.onDidChange(render)];
	return vscode.Disposable.from(item, ...subs);
}
