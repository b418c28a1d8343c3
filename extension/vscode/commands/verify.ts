import * as vscode from 'vscode';
import { COMMAND } from '../../core/views/commandIds';
import { parseVerifyJson, verifyReport } from '../../core/views/verifyReport';
import { verifyLock } from '../../docker/lock';
import { devContainerLabel } from '../../docker/displayName';
import { describeError, showErrorWithSteps, showInfoWithSteps, showWarningWithSteps, type NextStep } from '../nextStep';
import type { AirlockSession } from '../session';

/**
 * Airlock: Verify Lockdown — runs the container's probes (positive control first) and says which
 * case happened: locked, a leak (an error), or a control that failed while every probe was
 * blocked (a warning: nothing leaked, the check could not complete). Each probe goes to the log.
 */
export async function verify(session: AirlockSession): Promise<void> {
	const out = session.output;
	if (!session.hostPath) {
		await vscode.window.showInformationMessage('Airlock: verification runs on the host, against the container. Inside the container, `airlock-ctl status` (as root) shows the state.');
		return;
	}
	let located;
	try {
		located = await session.findLock();
	} catch (err) {
		await showErrorWithSteps(`Airlock: cannot verify: ${describeError(err).message}`, [{ label: 'Retry', run: () => verify(session) }], out);
		return;
	}
	if (!located) {
		await showInfoWithSteps(`Airlock: no locked container is running for ${session.hostPath}, so there is nothing to verify.`, [{ label: 'Start Locked Container', run: () => vscode.commands.executeCommand(COMMAND.startLocked) }], out);
		return;
	}
	const found = located.container;
	const foundLock = located.lock;
	const label = devContainerLabel(found);
	const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Airlock: verifying ${label}…` }, async () => {
		try {
			return await verifyLock(foundLock, ['--json']);
		} catch (err) {
			return err;
		}
	});
	const showLog: NextStep = { label: 'Show Log', run: () => out.show(true) };
	if (!('exitCode' in (result as object))) {
		await showErrorWithSteps(`Airlock: verification could not run: ${describeError(result).message}`, [showLog], out);
		return;
	}
	const { stdout, stderr } = result as { exitCode: number; stdout: string; stderr: string };
	const json = parseVerifyJson(stdout);
	if (!json) {
		await showErrorWithSteps(`Airlock: verification of ${label} printed no result (${(stderr || stdout).trim().split('\n').pop() ?? 'no output'}).`, [showLog], out);
		return;
	}
	const report = verifyReport(json, label);
	out.info(`Verify ${label} (${found.name}):`);
	for (const line of report.lines) {
		out.info(`  ${line}`);
	}
	const retry: NextStep = { label: 'Verify Again', run: () => verify(session) };
	if (report.severity === 'info') {
		await showInfoWithSteps(`Airlock: ${report.message}`, [showLog], out);
	} else if (report.severity === 'warning') {
		await showWarningWithSteps(`Airlock: ${report.message}`, [showLog, retry], out);
	} else {
		await showErrorWithSteps(`Airlock: ${report.message}`, [showLog, retry], out);
	}
}
