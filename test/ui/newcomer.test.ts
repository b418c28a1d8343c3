import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAxe, seriousViolations, webviewFrame } from './accessibility';
import { ARTIFACTS } from './codeServer';
import { containersFor, lockContainers, removeWorkspaceContainers, requestAsAgent, run, type LockContainers } from './docker';
import { eventually, freshWorkspace, readApprovals, stableWorkspace } from './fixture';
import { useCodeServer } from './session';

// Sorts before every other exact host, so once allowed it is what Verify tries as its control:
// a reserved name that never resolves, so the control fails without traffic leaving.
const DENIED = '0-newcomer-denied.airlock-ui.example';
const LONG_WAIT_MS = 900_000;

/**
 * A newcomer's first hour, in code-server with the packaged .vsix and nothing else (no Dev
 * Containers extension, no CLI on the PATH): a repository with its own Dockerfile-based dev
 * container is locked, reviewed (with what Approve writes to devcontainer.json), approved and
 * started from the editor; a block shows up, is allowed, and leaves the blocked list. The status
 * bar's words are checked, and screenshotted, in every state on the way. "Lock This Repository…"
 * picks the topology (the sidecar where the engine and Compose can run it, else one container);
 * the walk is the same, and the few checks that reach into the containers find the lock's.
 */
describe('Airlock in code-server: a newcomer\'s first hour, from the .vsix alone', function () {
	this.timeout(LONG_WAIT_MS);
	let container = '';
	let lock: LockContainers;

	const ui = useCodeServer('newcomer-failure', async () => {
		// A stable path: the image the devcontainer CLI builds for it is reused run to run.
		const fresh = stableWorkspace('newcomer-repo');
		await removeWorkspaceContainers(fresh.workspace);
		// The setting as a newcomer has it (airlock.topology: auto): the topology is whatever this
		// machine gets proposed, the sidecar where Compose is installed (CI), else one container.
		return fresh;
	});

	after(async function () {
		if (ui.workspace) {
			await removeWorkspaceContainers(ui.workspace);
		}
	});

	const policyFile = (): string => path.join(ui.workspace, '.devcontainer', 'airlock.yaml');
	const configFile = (): string => path.join(ui.workspace, '.devcontainer', 'devcontainer.json');

	it('says "not set up" in a repository nobody locked yet, with only Airlock installed', async function () {
		const installed = fs.readdirSync(path.join(ui.server.configHome, '..', 'extensions')).filter((e) => !e.startsWith('.') && e !== 'extensions.json');
		assert.deepEqual(installed.map((e) => e.replace(/-\d.*$/, '')), ['airlock-dev.airlock']);
		await ui.wb.waitForStatus('Airlock: not set up');
		await ui.wb.screenshot('status-not-set-up');
	});

	it('"Show Plan" before locking offers "Lock This Repository…", never Approve', async function () {
		await ui.wb.runCommand('Airlock: Show Plan');
		const view = await ui.wb.webview('#lock');
		assert.match(await view.locator('#headline').innerText(), /no Airlock policy yet/);
		assert.equal(await view.locator('#approve').count(), 0);
		await ui.wb.screenshot('plan-before-locking');
	});

	it('"Lock This Repository…" writes the policy; the review shows what Approve writes to devcontainer.json, each change with why', async function () {
		const view = await ui.wb.webview('#lock');
		await view.locator('#lock').click();
		const items = await ui.wb.quickInputItems('npm');
		assert.ok(items.some((i) => i.startsWith('npm') && /suggested: package-lock\.json/.test(i)), items.join('\n'));
		await ui.wb.page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
		const review = await ui.wb.webview('#devcontainer-summary');
		assert.match(await review.locator('#headline').innerText(), /Nothing is approved for this repository yet/);
		const summary = await review.locator('#devcontainer-summary').innerText();
		assert.match(summary, /^Approve writes \.devcontainer\/devcontainer\.json, .+ and \.devcontainer\/airlock\.lock: \d+ changes, each shown below with why\.$/);
		assert.match(summary, / \.devcontainer\/airlock\/ /);
		const sidecar = /^topology: sidecar$/m.test(fs.readFileSync(policyFile(), 'utf8'));
		const why = await review.locator('.line-why').allInnerTexts();
		const explained = why.join('\n');
		const parts = sidecar ? ['dockerComposeFile', 'runServices', 'containerEnv.HTTPS_PROXY'] : ['features["./airlock"]', 'mounts[', 'containerEnv.HTTPS_PROXY', 'waitFor'];
		for (const part of parts) {
			assert.ok(explained.includes(part), `no why for ${part} in:\n${explained}`);
		}
		assert.match(explained, /the only way out/);
		// Every change has a reason of its own, not the catch-all.
		assert.doesNotMatch(explained, /Set by Airlock for the lock/);
		assert.match(await review.locator('details[data-file=".devcontainer/airlock/"] .file-why').innerText(), /without a registry/);
		await ui.wb.waitForStatus('Airlock: not approved');
		await ui.wb.screenshot('status-not-approved');
		// The picture in the extension's README (docs/images/plan.png is a copy of it): the long
		// baseline and preset groups folded, so the decision, the repository's hosts and the start
		// of what Approve writes fit in one view.
		for (const source of ['baseline', 'preset:debian', 'preset:npm']) {
			await review.locator(`details[data-source="${source}"] > summary`).click();
		}
		await ui.wb.page.locator('.part.editor').screenshot({ path: path.join(ARTIFACTS, 'readme-plan.png') });
		for (const source of ['baseline', 'preset:debian', 'preset:npm']) {
			await review.locator(`details[data-source="${source}"] > summary`).click();
		}
	});

	it('the review meets WCAG 2.1 AA (axe-core) in dark, light and high-contrast themes, and works by keyboard', async function () {
		let frame = await webviewFrame(ui.wb.page, '#approve');
		// The decision comes first: Approve is the first tab stop of the page.
		await frame.locator('h1').click();
		let tabs = 0;
		while (tabs < 5 && (await frame.evaluate(() => document.activeElement?.id)) !== 'approve') {
			await ui.wb.page.keyboard.press('Tab');
			tabs++;
		}
		assert.equal(await frame.evaluate(() => document.activeElement?.id), 'approve', `Approve not reached in ${tabs} Tab presses`);
		assert.ok(tabs <= 1, `${tabs} Tab presses to reach Approve`);
		// Group headers are disclosures: a summary (button, expanded state) that Space toggles.
		const group = frame.locator('details.group').first();
		const wasOpen = await group.evaluate((d) => (d as HTMLDetailsElement).open);
		await group.locator('summary').focus();
		await ui.wb.page.keyboard.press('Space');
		assert.equal(await group.evaluate((d) => (d as HTMLDetailsElement).open), !wasOpen);
		await ui.wb.page.keyboard.press('Space');
		assert.equal(await group.evaluate((d) => (d as HTMLDetailsElement).open), wasOpen);
		// One polite live region, for what changes; not the whole page.
		const live = await frame.evaluate(() => [...document.querySelectorAll('[aria-live]')].map((e) => `${e.id}:${e.getAttribute('aria-live')}`));
		assert.deepEqual(live, ['announce:polite']);

		const themes: [string, string][] = [
			['Dark Modern', 'vscode-dark'],
			['Light Modern', 'vscode-light'],
			['Dark High Contrast', 'vscode-high-contrast'],
			['Light High Contrast', 'vscode-high-contrast-light'],
		];
		const failures: string[] = [];
		for (const [theme, bodyClass] of themes) {
			await ui.wb.setColorTheme(theme);
			frame = await webviewFrame(ui.wb.page, '#approve');
			await eventually(`the webview to take the ${theme} theme`, async () => (await frame.evaluate((c) => document.body.classList.contains(c), bodyClass)) || undefined);
			const violations = await runAxe(frame);
			failures.push(...seriousViolations(violations).map((v) => `${theme}: ${v}`));
			await ui.wb.screenshot(`review-a11y-${bodyClass}`);
		}
		await ui.wb.setColorTheme('Dark Modern');
		assert.deepEqual(failures, []);
	});

	it('a broken airlock.yaml shows as a squiggle and in Problems while typed, the status bar says so, and both clear when it is fixed', async function () {
		const view = await ui.wb.webview('#open-policy');
		await view.locator('#open-policy').click();
		const editor = ui.wb.page.locator('.editor-instance .monaco-editor').first();
		await editor.waitFor({ timeout: 60_000 });
		await editor.click();
		await ui.wb.page.keyboard.press('Control+End');
		await ui.wb.page.keyboard.type('bogus: true');
		// Unsaved: the squiggle comes from the text as typed.
		await ui.wb.page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
		await ui.wb.page.keyboard.press('Control+S');
		await ui.wb.waitForStatus('Airlock: policy has errors');
		await ui.wb.screenshot('status-policy-errors');
		// The status bar's next step: the file at the problem, and the Problems view.
		await ui.wb.statusBarItem().click();
		const problem = ui.wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'unknown key "bogus"' }).first();
		await problem.waitFor({ timeout: 60_000 });
		await ui.wb.screenshot('policy-problems');
		// No toast for it: the file and Problems say it where the person is looking.
		assert.equal(await ui.wb.page.locator('.notification-toast', { hasText: 'unknown key' }).count(), 0);
		// Fixed the way a person would: the line taken out again.
		await editor.click();
		await ui.wb.page.keyboard.press('Control+End');
		await ui.wb.page.keyboard.press('Shift+Home');
		await ui.wb.page.keyboard.press('Delete');
		await eventually('the squiggle to clear', async () => (await ui.wb.page.locator('.monaco-editor .squiggly-error').count()) === 0);
		await ui.wb.page.keyboard.press('Control+S');
		await ui.wb.waitForStatus('Airlock: not approved');
		await eventually('Problems to clear', async () => (await ui.wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'unknown key' }).count()) === 0);
		assert.doesNotMatch(fs.readFileSync(policyFile(), 'utf8'), /bogus/);
	});

	it('Approve writes exactly what the review showed; the status bar says "approved · no container"', async function () {
		await ui.wb.runCommand('Airlock: Review & Approve Changes');
		const view = await ui.wb.webview('#devcontainer-summary');
		const added = (await view.locator('details[data-file=".devcontainer/devcontainer.json"] .line-added .code').allTextContents()).map((l) => l.trim()).filter(Boolean);
		assert.ok(added.length > 5, added.join('\n'));
		await view.locator('#approve').click();
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const written = fs.readFileSync(configFile(), 'utf8');
		for (const line of added) {
			assert.ok(written.includes(line), `the review showed ${JSON.stringify(line)}, devcontainer.json has:\n${written}`);
		}
		assert.equal(readApprovals(ui.server.configHome).length, 1);
		await ui.wb.waitForStatus('Airlock: approved · no container');
		await ui.wb.screenshot('status-approved-no-container');
	});

	it('"Start Locked Container" (no Dev Containers extension) starts it with progress and its log, follows it, and opens a terminal inside', async function () {
		await ui.wb.dismissNotifications();
		// The status bar's next step is the command.
		await ui.wb.statusBarItem().click();
		await ui.wb.waitForStatus('Airlock: starting…');
		await ui.wb.screenshot('status-starting');
		await ui.wb.waitForStatus('Airlock: locked · 0 hosts blocked', LONG_WAIT_MS);
		await ui.wb.screenshot('status-locked');
		[container] = await containersFor(ui.workspace);
		assert.ok(container, 'no running container is labelled for the workspace');
		lock = await lockContainers(container);
		// The terminal runs in the container as the remote user.
		const terminal = ui.wb.page.locator('.part.panel .terminal-wrapper .xterm').first();
		await terminal.waitFor({ timeout: 120_000 });
		await ui.wb.page.locator('.part.panel', { hasText: 'Airlock: newcomer-app' }).first().waitFor({ timeout: 60_000 });
		await terminal.click();
		const proof = `/tmp/airlock-terminal-${Date.now()}`;
		// The shell takes a moment to start; typed early, the line still runs once it does.
		await ui.wb.page.keyboard.type(`id -un > ${proof}\n`);
		const owner = await eventually('the terminal to run the command in the container', async () => {
			const r = await run('docker', ['exec', container, 'cat', proof]);
			return r.code === 0 ? r.stdout.trim() : undefined;
		}, 120_000);
		assert.equal(owner, 'dev');
		await ui.wb.screenshot('started-terminal');
	});

	it('shows a block; "Allow…" then Approve applies it live and the host leaves the blocked list', async function () {
		const blocked = await requestAsAgent(container, `https://${DENIED}/`);
		// A block, not a network failure: the proxy answered the CONNECT with 403.
		assert.match(blocked.stderr + blocked.stdout, /403/);
		const row = ui.wb.page.locator(`.part.sidebar .monaco-list-row[aria-label^="${DENIED}"]`);
		await ui.wb.runCommand('Airlock: Show Blocked Requests');
		await row.waitFor({ timeout: 60_000 });
		await ui.wb.waitForStatus('Airlock: locked · 1 host blocked');
		await ui.wb.screenshot('status-locked-1-blocked');
		await ui.wb.dismissNotifications();
		await row.hover();
		await row.locator('.action-label[aria-label*="Allow Host"]').click();
		await ui.wb.pickQuickItem(DENIED);
		await ui.wb.waitForQuickInputTitle(/why allow/);
		await ui.wb.typeInQuickInput('the newcomer needs it');
		await ui.wb.pressEnter();
		const view = await ui.wb.webview(`li[data-host="${DENIED}"]`);
		await view.locator('#approve').click();
		await ui.wb.notificationText(/is now enforced in newcomer-app/);
		await eventually('the allowed host to leave the blocked list', async () => (await row.count()) === 0);
		await ui.wb.waitForStatus('Airlock: locked · 0 hosts blocked');
		await ui.wb.page.locator('.part.sidebar', { hasText: 'Following newcomer-app: nothing blocked yet.' }).first().waitFor({ timeout: 60_000 });
		// The proxy no longer refuses it (the name does not resolve here: any answer but 403).
		const again = await requestAsAgent(container, `https://${DENIED}/`);
		assert.doesNotMatch(again.stdout, /^403$/);
		assert.match((await run('docker', ['exec', '-u', 'root', lock.control, 'cat', lock.policyPath])).stdout, new RegExp(`^allow ${DENIED.replace(/\./g, '\\.')}$`, 'm'));
		await ui.wb.screenshot('allowed-left-blocked-list');
	});

	it('"Verify Lockdown" with a control that cannot get out says nothing leaked, and keeps its own probe out of the blocked list', async function () {
		await ui.wb.dismissNotifications();
		// The control is the first exact approved host: the allowed reserved name, which never
		// resolves. Every way around the proxy is still blocked: not a leak, and it must not read like one.
		await ui.wb.runCommand('Airlock: Verify Lockdown');
		const toast = ui.wb.notification(/Verify could not complete, but nothing leaked/);
		await toast.waitFor({ timeout: 180_000 });
		assert.match(await toast.innerText(), new RegExp(DENIED.replace(/\./g, '\\.')));
		assert.doesNotMatch(await toast.innerText(), /LEAK|got through/);
		await ui.wb.screenshot('verify-control-failed');
		// The probe's block is logged as Airlock's own (it may come before or after the probe list).
		await eventually('the verify probe in the log', () => ui.server.airlockLog().includes("Airlock's own verify probe: blocked as it should be"));
		assert.equal(await ui.wb.page.locator('.part.sidebar .monaco-list-row[aria-label*="airlock-verify.invalid"]').count(), 0);
		await ui.wb.waitForStatus('Airlock: locked · 0 hosts blocked');
	});

	it('says NOT LOCKED with the container\'s own reason when the lock breaks, and "container stopped" when it stops; the next step starts it again', async function () {
		await ui.wb.dismissNotifications();
		// Break the lock as root on the host could. One container: spoil the enforced policy and
		// restart, so the entrypoint refuses it and keeps egress closed. Sidecar: stop the gate that
		// holds the agent's network closed. Either way the status bar must stop saying "locked".
		const single = lock.topology === 'single';
		if (single) {
			assert.equal((await run('docker', ['exec', '-u', 'root', lock.control, 'sh', '-c', `cp ${lock.policyPath} ${lock.policyPath}.keep && echo "not a policy" > ${lock.policyPath}`])).code, 0);
		}
		try {
			const broken = single ? await run('docker', ['restart', lock.control], { timeoutMs: 120_000 }) : await run('docker', ['stop', lock.gate ?? ''], { timeoutMs: 120_000 });
			assert.equal(broken.code, 0, broken.stderr);
			await ui.wb.waitForStatus('Airlock: NOT LOCKED', 120_000);
			await eventually('the status bar to turn red', async () => /error-kind/.test((await ui.wb.statusBarItem().getAttribute('class')) ?? ''));
			await ui.wb.page.locator('.part.sidebar', { hasText: 'newcomer-app is running but NOT LOCKED' }).first().waitFor({ timeout: 60_000 });
			if (!single) {
				// The container's own reason, not a guess: here the gate is down, the proxy is fine.
				await ui.wb.page.locator('.part.sidebar', { hasText: /NOT LOCKED: the gate \S+ is not running/ }).first().waitFor({ timeout: 60_000 });
			}
			// A terminal whose shell went with it says so itself; the editor raises no exit-code error.
			assert.equal(await ui.wb.page.locator('.notification-toast', { hasText: 'terminated with exit code' }).count(), 0);
			await ui.wb.screenshot('status-not-locked');
		} finally {
			const restored = single
				? await run('docker', ['exec', '-u', 'root', lock.control, 'mv', `${lock.policyPath}.keep`, lock.policyPath])
				: await run('docker', ['start', lock.gate ?? ''], { timeoutMs: 120_000 });
			assert.equal(restored.code, 0, restored.stderr);
		}
		assert.equal((await run('docker', ['stop', container], { timeoutMs: 120_000 })).code, 0);
		await ui.wb.waitForStatus('Airlock: container stopped', 120_000);
		await ui.wb.screenshot('status-container-stopped');
		await ui.wb.statusBarItem().click();
		await ui.wb.waitForStatus('Airlock: locked · 0 hosts blocked', 300_000);
	});

	it('"Start Locked Container" refuses a configuration that gained a door around the lock after approval, as `airlock up` does', async function () {
		await ui.wb.dismissNotifications();
		const before = fs.readFileSync(configFile(), 'utf8');
		fs.writeFileSync(configFile(), before.replace('"name": "newcomer-app",', '"name": "newcomer-app",\n\t"privileged": true,'));
		try {
			await ui.wb.runCommand('Airlock: Start Locked Container');
			const toast = ui.wb.notification(/the container is not started: its configuration has 1 setting that defeats the egress lock/);
			await toast.waitFor({ timeout: 60_000 });
			assert.match(await toast.innerText(), /privileged \(.*devcontainer\.json:\d+:\d+\)/);
			await ui.wb.screenshot('start-refused-privileged');
		} finally {
			fs.writeFileSync(configFile(), before);
		}
	});
});

/**
 * The same repository in the other topology, pinned by the setting: where the walk above got the
 * sidecar (Compose installed, as on CI), this keeps the single topology's start from the editor
 * and its failure states checked; where it got the single topology, this repeats only the start.
 * Lean on purpose: lock, approve, start, then a spoiled policy and a stop (about 2 minutes).
 */
describe('Airlock in code-server: the newcomer\'s container in the single topology (airlock.topology: single)', function () {
	this.timeout(LONG_WAIT_MS);
	let container = '';

	const ui = useCodeServer('newcomer-single-failure', async () => {
		const fresh = stableWorkspace('newcomer-repo');
		await removeWorkspaceContainers(fresh.workspace);
		return { ...fresh, settings: { 'airlock.topology': 'single' } };
	});

	after(async function () {
		if (ui.workspace) {
			await removeWorkspaceContainers(ui.workspace);
		}
	});

	it('"Lock This Repository…" writes topology: single, as the setting asks; Approve puts the Feature in devcontainer.json', async function () {
		await ui.wb.runCommand('Airlock: Lock This Repository…');
		await ui.wb.quickInputItems('npm');
		await ui.wb.page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
		const view = await ui.wb.webview('#approve');
		const policy = fs.readFileSync(path.join(ui.workspace, '.devcontainer', 'airlock.yaml'), 'utf8');
		assert.match(policy, /^# the single topology, as the setting airlock\.topology asks$/m);
		assert.match(policy, /^topology: single$/m);
		await view.locator('#approve').click();
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const config = fs.readFileSync(path.join(ui.workspace, '.devcontainer', 'devcontainer.json'), 'utf8');
		assert.match(config, /"\.\/airlock"/);
		assert.doesNotMatch(config, /"dockerComposeFile"/);
		await ui.wb.waitForStatus('Airlock: approved · no container');
	});

	it('"Start Locked Container" starts it locked in one container; a spoiled policy says NOT LOCKED; a stop says "container stopped"', async function () {
		await ui.wb.dismissNotifications();
		await ui.wb.statusBarItem().click();
		await ui.wb.waitForStatus('Airlock: locked · 0 hosts blocked', LONG_WAIT_MS);
		[container] = await containersFor(ui.workspace);
		assert.ok(container, 'no running container is labelled for the workspace');
		const lock = await lockContainers(container);
		assert.equal(lock.topology, 'single');
		// A block from the agent's own proxy, as in the walk above.
		const blocked = await requestAsAgent(container, `https://${DENIED}/`);
		assert.match(blocked.stderr + blocked.stdout, /403/);
		await ui.wb.waitForStatus('Airlock: locked · 1 host blocked');
		await ui.wb.screenshot('single-status-locked-1-blocked');
		// Spoil the enforced policy (as root could) and restart: the entrypoint refuses it and keeps egress closed.
		assert.equal((await run('docker', ['exec', '-u', 'root', container, 'sh', '-c', `echo "not a policy" > ${lock.policyPath}`])).code, 0);
		assert.equal((await run('docker', ['restart', container], { timeoutMs: 120_000 })).code, 0);
		await ui.wb.waitForStatus('Airlock: NOT LOCKED', 120_000);
		await ui.wb.screenshot('single-status-not-locked');
		assert.equal((await run('docker', ['stop', container], { timeoutMs: 120_000 })).code, 0);
		await ui.wb.waitForStatus('Airlock: container stopped', 120_000);
		await ui.wb.screenshot('single-status-container-stopped');
	});
});

describe('Airlock in code-server: a window with no folder', function () {
	const ui = useCodeServer('no-folder-failure', () => {
		const { scratch } = freshWorkspace('bare-repo');
		return { workspace: '', scratch };
	});

	it('says to open a folder, in the view and the status bar, instead of waiting for the engine', async function () {
		await ui.wb.page.locator('.activitybar .action-item a[aria-label^="Airlock"]').first().click();
		await ui.wb.page.locator('.part.sidebar', { hasText: 'Open a repository folder to lock its dev container.' }).first().waitFor({ timeout: 60_000 });
		await ui.wb.waitForStatus('Airlock: open a folder');
		assert.equal(await ui.wb.page.locator('.part.sidebar', { hasText: 'Connecting to the Docker engine' }).count(), 0);
		await ui.wb.screenshot('status-no-folder');
	});
});
