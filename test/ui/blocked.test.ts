import * as assert from 'node:assert/strict';
import { airlockCli, containersFor, requestThroughProxy, run } from './docker';
import { eventually, readApprovals, stableWorkspace } from './fixture';
import { useCodeServer } from './session';

const DENIED = 'evil.airlock-ui.example';
const DENIED_AFTER_RESTART = 'second.airlock-ui.example';
const AUDITED = 'audited.airlock-ui.example';
const RETRIED = 'retried.airlock-ui.example';

/**
 * A real locked container (the Feature from source, built by the devcontainer CLI through
 * `airlock up`) for the folder code-server has open: blocked requests show up live in the
 * output channel, the tree and the status bar, "Allow…" applies to the running container after
 * approval, and following survives a container restart. Requests go only to the container's
 * own loopback proxy, which denies them before resolving any name.
 */
describe('Airlock in code-server: blocked requests from a real locked container', function () {
	this.timeout(900_000);
	let env: NodeJS.ProcessEnv;
	let container: string;

	const ui = useCodeServer('blocked-failure', async () => {
		const fresh = stableWorkspace('blocked-repo');
		for (const stale of await containersFor(fresh.workspace)) {
			await run('docker', ['rm', '-f', stale]);
		}
		return fresh;
	});

	before(function () {
		env = { ...process.env, XDG_CONFIG_HOME: ui.server.configHome, AIRLOCK_APPROVER: 'ui-test@code-server' };
	});

	after(async function () {
		for (const id of ui.workspace ? await containersFor(ui.workspace) : []) {
			await run('docker', ['rm', '-f', id]);
		}
	});

	it('approves the plan in the review, then `airlock up` starts the locked container the extension follows', async function () {
		await ui.wb.runCommand('Airlock: Review & Approve Changes');
		const view = await ui.wb.webview('#approve');
		await view.locator('li[data-host="allowed.airlock-ui.example"]').waitFor();
		await view.locator('#approve').click();
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const up = await airlockCli(['up', '--workspace', ui.workspace], env);
		assert.equal(up.code, 0, `airlock up failed:\n${up.stdout}\n${up.stderr}`);
		[container] = await containersFor(ui.workspace);
		assert.ok(container, 'no container is labelled for the workspace');
		await ui.wb.runCommand('Airlock: Show Blocked Requests');
		await ui.wb.waitForOutput('Following the proxy log of container');
		await ui.wb.page.locator('.part.sidebar', { hasText: 'nothing blocked yet' }).waitFor({ timeout: 60_000 });
	});

	it('shows a blocked request live: output line, tree item with count, status bar count, notification', async function () {
		const blocked = await requestThroughProxy(container, `https://${DENIED}/`);
		// A block, not a network failure: the proxy answered the CONNECT with 403.
		assert.match(blocked.stderr + blocked.stdout, /403/);
		await ui.wb.waitForOutput(`BLOCKED CONNECT ${DENIED}:443 — not in allowlist`);
		const row = ui.wb.page.locator(`.part.sidebar .monaco-list-row[aria-label^="${DENIED}"]`);
		await row.waitFor({ timeout: 60_000 });
		assert.match((await row.getAttribute('aria-label')) ?? '', /1 blocked/);
		await ui.wb.waitForStatus('Airlock: locked · 1 host blocked');
		// The notification speaks plainly; the log keeps the proxy's terms.
		await ui.wb.notification(`${DENIED} was blocked (HTTPS): it is not in the approved allowlist`).waitFor({ timeout: 60_000 });
		await ui.wb.screenshot('blocked-live');

		await requestThroughProxy(container, `https://${DENIED}/again`);
		await eventually('the tree to count the second block', async () => /2 blocked/.test((await row.getAttribute('aria-label')) ?? ''));
	});

	it('"Allow…" on the tree item proposes the host; approving applies it to the running container', async function () {
		await ui.wb.dismissNotifications();
		const row = ui.wb.page.locator(`.part.sidebar .monaco-list-row[aria-label^="${DENIED}"]`);
		await row.hover();
		await row.locator('.action-label[aria-label*="Allow Host"]').click();
		await ui.wb.pickQuickItem(DENIED);
		await ui.wb.waitForQuickInputTitle(/why allow/);
		await ui.wb.typeInQuickInput('needed by the UI test');
		await ui.wb.pressEnter();
		const view = await ui.wb.webview(`li[data-host="${DENIED}"]`);
		assert.equal(await view.locator(`li[data-host="${DENIED}"] .change`).innerText(), 'new');
		await ui.wb.screenshot('blocked-allow-review');
		await view.locator('#approve').click();
		// Clicking a toast's button closes it; the workbench may then put the next message straight
		// into the notification centre, so look there too.
		assert.match(await ui.wb.notificationText(/is now enforced in/), /approved plan \(\d+ hosts\)/);
		const live = await run('docker', ['exec', '-u', 'root', container, 'cat', '/etc/airlock/policy']);
		assert.match(live.stdout, new RegExp(`^allow ${DENIED.replace(/\./g, '\\.')}$`, 'm'));
		const status = JSON.parse((await run('docker', ['exec', '-u', 'root', container, 'airlock-ctl', 'status', '--json'])).stdout) as { policyHash: string };
		assert.equal(status.policyHash, readApprovals(ui.server.configHome)[0].planHash);
		await ui.wb.screenshot('blocked-allow-applied');
	});

	it('when the container cannot take the policy, says why, keeps the old one, and "Retry Apply" applies it', async function () {
		const before = (await run('docker', ['exec', '-u', 'root', container, 'cat', '/etc/airlock/policy'])).stdout;
		// Take the control command away (as root could): the apply has to fail.
		const hide = await run('docker', ['exec', '-u', 'root', container, 'mv', '/usr/local/sbin/airlock-ctl', '/usr/local/sbin/airlock-ctl.off']);
		assert.equal(hide.code, 0, hide.stderr);
		try {
			await ui.wb.runCommand('Airlock: Allow Host…');
			await ui.wb.waitForQuickInputTitle('Airlock: Allow Host');
			await ui.wb.typeInQuickInput(RETRIED);
			await ui.wb.pressEnter();
			await ui.wb.pickQuickItem(RETRIED);
			await ui.wb.waitForQuickInputTitle(/why allow/);
			await ui.wb.pressEnter();
			const view = await ui.wb.webview(`li[data-host="${RETRIED}"]`);
			await view.locator('#approve').click();
			await ui.wb.notification(/did not take the new policy/).waitFor({ timeout: 120_000 });
			assert.match(await ui.wb.notification(/did not take the new policy/).innerText(), /keeps enforcing its previous policy/);
			await ui.wb.screenshot('blocked-apply-failed');
			assert.equal((await run('docker', ['exec', '-u', 'root', container, 'cat', '/etc/airlock/policy'])).stdout, before);
		} finally {
			const restore = await run('docker', ['exec', '-u', 'root', container, 'mv', '/usr/local/sbin/airlock-ctl.off', '/usr/local/sbin/airlock-ctl']);
			assert.equal(restore.code, 0, restore.stderr);
		}
		await ui.wb.clickNotificationButton(/did not take the new policy/, 'Retry Apply');
		await ui.wb.notificationText(/is now enforced in/);
		const live = await run('docker', ['exec', '-u', 'root', container, 'cat', '/etc/airlock/policy']);
		assert.match(live.stdout, new RegExp(`^allow ${RETRIED.replace(/\./g, '\\.')}$`, 'm'));
	});

	it('keeps following across a container restart', async function () {
		const restarted = await run('docker', ['restart', container], { timeoutMs: 120_000 });
		assert.equal(restarted.code, 0, restarted.stderr);
		await eventually('the container to lock again', async () => {
			const s = await run('docker', ['exec', '-u', 'root', container, 'airlock-ctl', 'status', '--json']);
			return s.code === 0 && (JSON.parse(s.stdout) as { state: string }).state === 'locked';
		}, 120_000);
		const blocked = await eventually('a blocked request after the restart', async () => {
			const r = await requestThroughProxy(container, `https://${DENIED_AFTER_RESTART}/`);
			return /403/.test(r.stderr + r.stdout) ? r : undefined;
		}, 120_000);
		assert.ok(blocked);
		await ui.wb.runCommand('Airlock: Show Blocked Requests');
		await ui.wb.waitForOutput(`BLOCKED CONNECT ${DENIED_AFTER_RESTART}:443 — not in allowlist`);
		await ui.wb.page.locator(`.part.sidebar .monaco-list-row[aria-label^="${DENIED_AFTER_RESTART}"]`).waitFor({ timeout: 60_000 });
		await ui.wb.screenshot('blocked-after-restart');
	});

	it('"Switch Mode" to audit applies after approval: the container logs what enforce would block', async function () {
		await ui.wb.runCommand('Airlock: Switch Mode (Enforce / Audit)…');
		// Filter the pick list down to the audit item, then take it.
		await ui.wb.page.locator('.quick-input-widget input[placeholder="The new mode is enforced once you approve it"]').waitFor();
		await ui.wb.typeInQuickInput('audit');
		await ui.wb.pressEnter();
		const view = await ui.wb.webview('#mode');
		await eventually('the review to show the mode change', async () => (await view.locator('#mode').innerText()) === 'enforce → audit');
		await view.locator('#approve').click();
		await ui.wb.notificationText(/is now enforced in/);
		const status = JSON.parse((await run('docker', ['exec', '-u', 'root', container, 'airlock-ctl', 'status', '--json'])).stdout) as { mode: string };
		assert.equal(status.mode, 'audit');
		await requestThroughProxy(container, `https://${AUDITED}/`);
		await ui.wb.runCommand('Airlock: Show Blocked Requests');
		await ui.wb.waitForOutput(`AUDIT (would block) CONNECT ${AUDITED}:443 — not in allowlist`);
		const row = ui.wb.page.locator(`.part.sidebar .monaco-list-row[aria-label^="${AUDITED}"]`);
		await row.waitFor({ timeout: 60_000 });
		assert.match((await row.getAttribute('aria-label')) ?? '', /1 would block/);
		await ui.wb.screenshot('blocked-audit');
	});
});
