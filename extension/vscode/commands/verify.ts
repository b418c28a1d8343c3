import * as vscode from 'vscode';
import { runVerify } from '../../docker/control';
import { describeError, showErrorWithSteps } from '../nextStep';
import type { AirlockSession } from '../session';

/**
 * Airlock: Verify Lockdown — runs the container's probes (positive control first) and shows
 * each line in the log; passes only when the control worked and every probe was blocked.
 */
export async function verify(session: AirlockSession): Promise<void> {
	const out = session.output;
	if (!session.hostPath) {
		await vscode.window.showInformationMessage('Airlock: verification runs on the host, against the container. Inside the container, `airlock-ctl status` (as root) shows the state.');
		return;
	}
	let container;
	try {
		container = await session.findContainer();
	} catch (err) {
		await showErrorWithSteps(`Airlock: cannot verify: ${describeError(err).message}`, [{ label: 'Retry', run: () => verify(session) }], out);
		return;
	}
	if (!container) {
		await showErrorWithSteps(`Airlock: no locked container is running for ${session.hostPath}, so there is nothing to verify.`, [{ label: 'Reopen in Locked Container', run: () => vscode.commands.executeCommand('airlock.reopenLocked') }], out);
		return;
	}
	const found = container;
	const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Airlock: verifying ${found.name}…` }, async () => {
		try {
			return await runVerify(session.docker, found.id);
		} catch (err) {
			return err;
		}
	});
	if (!('exitCode' in (result as object))) {
		await showErrorWithSteps(`Airlock: verification could not run: ${describeError(result).message}`, [{ label: 'Show Log', run: () => out.show(true) }], out);
		return;
	}
	const { exitCode, output } = result as { exitCode: number; output: string };
	out.info(`Verify ${found.name}:`);
	for (const line of output.split('\n').filter((l) => l.trim() !== '')) {
		out.info(`  ${line}`);
	}
	if (exitCode === 0) {
		const chosen = await vscode.window.showInformationMessage(`Airlock: ${found.name} is locked: the control reached the proxy and every probe was blocked.`, 'Show Details');
		if (chosen) {
			out.show(true);
		}
	} else {
		await showErrorWithSteps(`Airlock: verification of ${found.name} FAILED (exit ${exitCode}); see the log for the probe that got through or the control that failed.`, [{ label: 'Show Log', run: () => out.show(true) }], out);
	}
}
