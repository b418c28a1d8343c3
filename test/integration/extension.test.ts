import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { recordApproval } from '../../extension/core/approvals';
import { resolvePlan } from '../../extension/core/plan';
import { addAllowEntry } from '../../extension/core/policyEdit';
import type { AirlockApi } from '../../extension/vscode/extension';

/**
 * Runs inside a desktop VS Code (test-electron) with the extension under development. The
 * workspace is a temp copy of test/integration/fixture; approvals go to a temp config folder.
 */
const EXTENSION_ID = 'airlock-dev.airlock';
const COMMANDS = ['airlock.lockRepository', 'airlock.showPlan', 'airlock.reviewChanges', 'airlock.allowHost', 'airlock.showBlocked', 'airlock.verify', 'airlock.switchMode', 'airlock.reopenLocked'];

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = check();
		if (value !== undefined && value !== false) {
			return value;
		}
		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${what}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
}

describe('Airlock extension (VS Code desktop)', () => {
	let api: AirlockApi;
	const workspace = process.env.AIRLOCK_TEST_WORKSPACE ?? '';

	before(async () => {
		assert.ok(workspace && fs.existsSync(workspace), 'AIRLOCK_TEST_WORKSPACE must name the opened fixture copy');
		const extension = vscode.extensions.getExtension<AirlockApi>(EXTENSION_ID);
		assert.ok(extension, `${EXTENSION_ID} is not installed in the test instance`);
		api = await extension.activate();
	});

	it('activates on the host side for the opened folder, not read-only', () => {
		const state = api.state();
		assert.equal(fs.realpathSync(state.hostPath ?? ''), fs.realpathSync(workspace));
		assert.equal(state.readOnly, false);
	});

	it('registers every command it contributes', async () => {
		const all = await vscode.commands.getCommands(true);
		assert.deepEqual(COMMANDS.filter((c) => !all.includes(c)), []);
	});

	it('"Show Plan" opens the plan webview', async () => {
		await vscode.commands.executeCommand('airlock.showPlan');
		const tab = await until('the plan tab', () =>
			vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('airlock.plan')),
		);
		assert.equal(tab.label, 'Airlock: Plan');
	});

	it('says whether a locked container runs (none does for this temp folder)', async () => {
		const state = await until('a container state', () => {
			const s = api.state();
			return s.containerState !== 'checking' && s.containerState !== 'starting' ? s : undefined;
		});
		assert.ok(['no-container', 'engine-unreachable'].includes(state.containerState), state.containerState);
		assert.deepEqual(state.blocked, []);
		// The status bar says it in words.
		assert.ok(['Airlock: approved · no container', 'Airlock: not approved', 'Airlock: Docker engine unreachable'].includes(state.status), state.status);
	});

	it('finds no drift right after approval, and drift once the policy file proposes more', async () => {
		recordApproval(workspace, resolvePlan(workspace));
		const clean = (await api.checkDrift()) as { approved: boolean; policyDiff: string[] };
		assert.equal(clean.approved, true);
		assert.deepEqual(clean.policyDiff, []);
		addAllowEntry(workspace, { host: 'new.example.org' });
		const drifted = (await api.checkDrift()) as { policyDiff: string[] };
		assert.deepEqual(drifted.policyDiff, ['+ new.example.org [80, 443] (project)']);
		assert.equal(api.state().drift, true);
		assert.match(fs.readFileSync(path.join(workspace, '.devcontainer', 'airlock.yaml'), 'utf8'), /new\.example\.org/);
	});
});
