import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually, freshWorkspace, readApprovals } from './fixture';
import { useCodeServer } from './session';

/**
 * Container findings in the editor (code-server in Chromium, no container): the review shows
 * them in their own group, above the hosts while a blocker is not accepted; Approve refuses with
 * the finding's place and both ways out; "Accept …" writes the acceptance with a reason, the
 * review shows it as a change, and Approve then records it with the plan.
 */
describe('Airlock in code-server: a door beside the lock is shown and refused', function () {
	const ui = useCodeServer('findings-failure', () => freshWorkspace('door-repo'));

	it('"Show Plan" lists the host-network blocker in its own group, above the hosts', async function () {
		await ui.wb.runCommand('Airlock: Show Plan');
		const view = await ui.wb.webview('#findings');
		const row = view.locator('li[data-finding="host-network"]');
		await row.waitFor();
		assert.equal(await row.locator('.finding-state').innerText(), 'blocker');
		assert.equal(await row.locator('.location').innerText(), '.devcontainer/devcontainer.json:5:14');
		assert.match(await row.locator('.finding-detail').innerText(), /puts the container in the host's network/);
		assert.match(await view.locator('#findings-headline').innerText(), /Approve is refused until each is removed, or accepted in airlock\.yaml with a reason/);
		const order = await view.locator('#findings, .groups').evaluateAll((els) => els.map((e) => e.id || e.className));
		assert.deepEqual(order, ['findings', 'groups'], 'the findings come before the hosts');
		assert.ok(await view.locator('li[data-finding="browser-forwarding"]').count() === 1, "VS Code's own channels are listed as warnings");
		await ui.wb.screenshot('findings-blocker');
	});

	it('Approve refuses, names where the setting is, and records nothing', async function () {
		const view = await ui.wb.webview('#approve');
		await view.locator('#approve').click();
		const toast = ui.wb.notification(/not approved\. host-network at \.devcontainer\/devcontainer\.json:5:14 defeats the egress lock/);
		await toast.waitFor({ timeout: 60_000 });
		assert.equal(await toast.locator('.monaco-button', { hasText: 'Open Setting' }).count(), 1);
		assert.deepEqual(readApprovals(ui.server.configHome), []);
		assert.equal(fs.existsSync(path.join(ui.workspace, '.devcontainer', 'airlock.lock')), false);
		await ui.wb.screenshot('findings-refused');
	});

	it('"Accept host-network…" asks why, writes it to airlock.yaml, and the review shows it to approve', async function () {
		await ui.wb.clickNotificationButton(/not approved\. host-network/, 'Accept host-network…');
		await ui.wb.waitForQuickInputTitle('Airlock: accept host-network');
		await ui.wb.typeInQuickInput('benchmarks the host network stack');
		await ui.wb.pressEnter();
		const policy = path.join(ui.workspace, '.devcontainer', 'airlock.yaml');
		await eventually('the acceptance in airlock.yaml', () => /accept:\n {2}- \{ finding: host-network, reason: benchmarks the host network stack \}/.test(fs.readFileSync(policy, 'utf8')) || undefined);
		const view = await ui.wb.webview('#findings');
		await eventually('the review to show the acceptance', async () => (await view.locator('li[data-finding="host-network"] .finding-state').innerText()) === 'accepted' || undefined);
		const row = view.locator('li[data-finding="host-network"]');
		assert.match(await row.locator('.reason').innerText(), /benchmarks the host network stack/);
		assert.equal(await row.locator('.change-added').innerText(), 'new');
		const order = await view.locator('#findings, .groups').evaluateAll((els) => els.map((e) => e.id || e.className));
		assert.deepEqual(order, ['groups', 'findings'], 'accepted, the findings move below the hosts');
		await ui.wb.screenshot('findings-accepted');

		await ui.wb.dismissNotifications();
		await view.locator('#approve').click();
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const approvals = readApprovals(ui.server.configHome) as unknown as { terms?: string[] }[];
		assert.equal(approvals.length, 1);
		assert.deepEqual(approvals[0].terms, ['accept host-network']);
	});

	it('"Keep Them Read-Only" on host-code-writable writes the read-only bind, says what it costs, and the finding goes away', async function () {
		await ui.wb.dismissNotifications();
		const view = await ui.wb.webview('li[data-finding="host-code-writable"]');
		// Approved and with no blocker, the group is closed: open it, as a person would, by its heading.
		const group = view.locator('#findings details');
		if ((await group.getAttribute('open')) === null) {
			await group.locator('summary').click();
		}
		const row = view.locator('li[data-finding="host-code-writable"]');
		assert.match(await row.locator('.offer-cost').innerText(), /editing \.vscode\/ then fail/);
		await row.locator('.offer-button').click();
		await ui.wb.notification(/\.vscode are now mounted read-only in the container/).waitFor({ timeout: 60_000 });
		const config = fs.readFileSync(path.join(ui.workspace, '.devcontainer', 'devcontainer.json'), 'utf8');
		assert.match(config, /"source=\$\{localWorkspaceFolder\}\/\.vscode,target=\$\{containerWorkspaceFolder\}\/\.vscode,type=bind,readonly"/);
		assert.match(config, /\/\/ A "fast network" agent box/, 'comments kept');
		await eventually('the finding to leave the review', async () => (await view.locator('li[data-finding="host-code-writable"]').count()) === 0 || undefined);
	});
});
