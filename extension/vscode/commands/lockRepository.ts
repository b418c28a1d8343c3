import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { detectPresets } from '../../core/detectPresets';
import { createPolicyFile, newPolicyText } from '../../core/policyEdit';
import { BASELINE_PRESET, listPresets, loadPreset } from '../../core/presets';
import { requireHostFolder } from '../hostOnly';
import { describeError, reportError } from '../nextStep';
import { sidecarSupport } from '../../docker/sidecarSupport';
import { PlanPanel } from '../planPanel';
import { policyFileOf } from '../planReview';
import type { AirlockSession } from '../session';

interface PresetItem extends vscode.QuickPickItem {
	readonly preset: string;
}

/**
 * Airlock: Lock This Repository… — writes .devcontainer/airlock.yaml with the presets the
 * repository suggests (the person confirms them), then opens the review. Approving generates
 * devcontainer.json and offers to reopen the folder in its locked container.
 */
export async function lockRepository(session: AirlockSession): Promise<void> {
	const workspace = await requireHostFolder(session);
	if (!workspace) {
		return;
	}
	if (fs.existsSync(policyFileOf(workspace))) {
		session.output.info(`${policyFileOf(workspace)} exists; showing its plan.`);
		PlanPanel.show(session);
		return;
	}
	try {
		const suggested = new Map<string, string[]>();
		for (const s of detectPresets(workspace)) {
			suggested.set(s.preset, [...(suggested.get(s.preset) ?? []), s.because]);
		}
		const items: PresetItem[] = listPresets()
			.filter((name) => name !== BASELINE_PRESET)
			.map((name) => {
				const because = suggested.get(name);
				return { preset: name, label: name, description: because ? `suggested: ${because.join(', ')}` : '', detail: loadPreset(name).description, picked: because !== undefined };
			})
			.sort((a, b) => Number(b.picked) - Number(a.picked) || a.label.localeCompare(b.label));
		const picked = await vscode.window.showQuickPick(items, {
			title: 'Airlock: Lock This Repository',
			placeHolder: 'Presets to start from (reviewed host lists); you approve the resulting plan next',
			canPickMany: true,
			ignoreFocusOut: true,
		});
		if (!picked) {
			return;
		}
		// The sidecar where this machine can run it, with why (the review shows it; airlock.yaml says it).
		const support = await sidecarSupport(session.docker).catch((err: unknown) => ({ supported: false, why: `the single topology: the Docker engine did not answer (${describeError(err).message})` }));
		const topology = { value: support.supported ? ('sidecar' as const) : ('single' as const), why: support.why };
		const file = createPolicyFile(workspace, newPolicyText({ presets: picked.map((p) => p.preset), topology }));
		session.output.info(`Created ${file} with presets: ${picked.map((p) => p.preset).join(', ') || 'none'}; ${topology.why}.`);
		PlanPanel.show(session);
	} catch (err) {
		await reportError('cannot lock this repository', err, session.output);
	}
}
