import * as vscode from 'vscode';
import { statusView } from '../core/views/statusText';
import type { AirlockSession } from './session';

/** Mode and blocked count in the status bar; a click opens the blocked hosts. */
export function createStatusBar(session: AirlockSession): vscode.Disposable {
	const item = vscode.window.createStatusBarItem('airlock.status', vscode.StatusBarAlignment.Left, 50);
	item.name = 'Airlock';
	item.command = 'airlock.showBlocked';
	const render = (): void => {
		const view = statusView({
			containerState: session.state.containerState,
			...(session.state.mode ? { mode: session.state.mode } : {}),
			blocked: session.blocked.totalBlocked,
			drift: session.state.drift,
			approved: session.state.approved,
		});
		item.text = view.text;
		item.tooltip = session.state.detail ? `${view.tooltip}\n${session.state.detail}` : view.tooltip;
		item.backgroundColor = view.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
		item.accessibilityInformation = { label: view.text.replace(/\$\([a-z-]+\)\s*/g, ''), role: 'button' };
	};
	render();
	item.show();
	const sub = session.onDidChange(render);
	return vscode.Disposable.from(item, sub);
}
