import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readPolicyFile } from '../core/policyFile';
import { COMMAND } from '../core/views/commandIds';
import { reportError, showInfoWithSteps, showWarningWithSteps } from './nextStep';
import { policyFileOf } from './planReview';
import type { AirlockSession } from './session';

/**
 * Before a command edits airlock.yaml (Allow Host…, Switch Mode): the file must exist, parse,
 * and have no unsaved edits in an editor (writing under them would fork the file). Says which
 * one is wrong, with the step that fixes it, before asking the person anything.
 */
export async function policyFileReady(session: AirlockSession, workspace: string, what: string, retry: () => unknown): Promise<boolean> {
	const file = policyFileOf(workspace);
	if (!fs.existsSync(file)) {
		await showInfoWithSteps(`Airlock: this repository has no policy file yet, so there is nowhere to ${what}. Lock it first.`, [
			{ label: 'Lock This Repository…', run: () => vscode.commands.executeCommand(COMMAND.lockRepository) },
		]);
		return false;
	}
	const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
	if (open?.isDirty) {
		await showWarningWithSteps(`Airlock: ${file} has unsaved changes in the editor. Save them (or revert them) first, then ${what}.`, [
			{ label: 'Save and Retry', run: async () => (await open.save()) && retry() },
		]);
		return false;
	}
	try {
		readPolicyFile(file);
	} catch (err) {
		await reportError(`the policy file has errors; fix them before you ${what}`, err, session.output);
		return false;
	}
	return true;
}
