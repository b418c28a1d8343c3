import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually, freshWorkspace, readApprovals } from './fixture';
import { useCodeServer } from './session';

/**
 * The extension in a real VS Code (code-server) in a real browser (Chromium): commands from
 * the palette, the plan webview, approval, and "Allow…". No container runs for this folder.
 */
describe('Airlock in code-server: plan review and approval', function () {
	const ui = useCodeServer('plan-failure', () => freshWorkspace('locked-repo'));

	it('activates on a repository with a policy and says in the status bar that it is not approved', async function () {
		await ui.wb.waitForStatus('Airlock: not approved');
	});

	it('"Airlock: Show Plan" shows the plan grouped by source, with risks and the IDN decoded', async function () {
		await ui.wb.runCommand('Airlock: Show Plan');
		const view = await ui.wb.webview('#headline');
		await view.locator('li[data-host="github.com"]').waitFor();
		assert.match(await view.locator('#headline').innerText(), /Nothing is approved for this repository yet/);
		const headings = await view.locator('section.groups details.group .group-title').allInnerTexts();
		assert.deepEqual(
			headings.map((h) => h?.replace(/ \(\d+\)$/, '')),
			['Baseline', 'Preset: github', 'This repository'],
		);
		const idn = view.locator('li[data-host="xn--bcher-kva.example.com"] .host');
		assert.equal(await idn.innerText(), 'bücher.example.com (xn--bcher-kva.example.com)');
		const ssh = view.locator('li[data-host="git.example.org"]');
		assert.equal(await ssh.locator('.ports').innerText(), '22');
		assert.match(await ssh.locator('.reason').innerText(), /git over ssh to the mirror/);
		assert.match(await ssh.locator('.risk').first().innerText(), /SSH/);
		assert.match(await view.locator('li[data-host="github.com"] .ports').innerText(), /80, 443 and 22/);
		await ui.wb.screenshot('plan-unapproved');
	});

	it('approving in the webview records the approval, writes devcontainer.json and says no container is running', async function () {
		const view = await ui.wb.webview('#approve');
		const shownHash = await view.locator('#hash').innerText();
		// By keyboard: the review must work without a mouse.
		await view.locator('#approve').focus();
		await ui.wb.page.keyboard.press('Enter');
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const approvals = readApprovals(ui.server.configHome);
		assert.equal(approvals.length, 1);
		assert.equal(approvals[0].planHash, shownHash);
		assert.equal(approvals[0].approvedBy, 'ui-test@code-server');
		assert.match(approvals[0].canonicalPolicy, /^allow git\.example\.org:22$/m);
		const devcontainer = fs.readFileSync(path.join(ui.workspace, '.devcontainer', 'devcontainer.json'), 'utf8');
		assert.match(devcontainer, /git\.example\.org:22/);
		await eventually('the review to show the plan as approved', async () => /matches what you approved/.test(await view.locator('#headline').innerText()));
		await ui.wb.screenshot('plan-approved');
	});

	it('"Allow Host…" proposes the exact host or its wildcard, and rejecting takes the proposal back out', async function () {
		const policyFile = path.join(ui.workspace, '.devcontainer', 'airlock.yaml');
		const before = fs.readFileSync(policyFile, 'utf8');
		await ui.wb.runCommand('Airlock: Allow Host…');
		await ui.wb.waitForQuickInputTitle('Airlock: Allow Host');
		await ui.wb.typeInQuickInput('uploads.example.net');
		await ui.wb.pressEnter();
		const items = await ui.wb.quickInputItems('uploads.example.net');
		assert.ok(items.some((i) => i.startsWith('uploads.example.net')), items.join('\n'));
		assert.ok(items.some((i) => i.startsWith('*.example.net') && /every name under example\.net/.test(i)), items.join('\n'));
		await ui.wb.screenshot('allow-host-proposals');
		await ui.wb.pickQuickItem('*.example.net');
		await ui.wb.waitForQuickInputTitle(/why allow/);
		await ui.wb.typeInQuickInput('uploads for the test');
		await ui.wb.pressEnter();
		const view = await ui.wb.webview('li[data-host="*.example.net"]');
		const row = view.locator('li[data-host="*.example.net"]');
		assert.equal(await row.locator('.change').innerText(), 'new');
		assert.match(await row.locator('.risk').innerText(), /every name under example\.net/);
		assert.match(await view.locator('#headline').innerText(), /1 added/);
		assert.match(fs.readFileSync(policyFile, 'utf8'), /\*\.example\.net/);
		await ui.wb.screenshot('allow-host-review');
		await view.locator('#reject').click();
		await ui.wb.notification(/rejected/).waitFor();
		assert.equal(fs.readFileSync(policyFile, 'utf8'), before);
		assert.equal(readApprovals(ui.server.configHome)[0].plan.entries.some((e) => e.host === '*.example.net'), false);
	});

	it('"Allow Host…" then Approve enforces the exact host in the approved plan', async function () {
		await ui.wb.runCommand('Airlock: Allow Host…');
		await ui.wb.waitForQuickInputTitle('Airlock: Allow Host');
		await ui.wb.typeInQuickInput('uploads.example.net');
		await ui.wb.pressEnter();
		await ui.wb.pickQuickItem('uploads.example.net');
		await ui.wb.waitForQuickInputTitle(/why allow/);
		await ui.wb.pressEnter();
		const view = await ui.wb.webview('li[data-host="uploads.example.net"]');
		await view.locator('#approve').click();
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const approved = readApprovals(ui.server.configHome)[0];
		assert.ok(approved.plan.entries.some((e) => e.host === 'uploads.example.net'));
		assert.match(approved.canonicalPolicy, /^allow uploads\.example\.net$/m);
	});

	it('warns about drift when the policy file changes behind its back, and enforces nothing unapproved', async function () {
		await ui.wb.dismissNotifications();
		const approvedBefore = readApprovals(ui.server.configHome)[0].planHash;
		fs.appendFileSync(path.join(ui.workspace, '.devcontainer', 'airlock.yaml'), '  - drift.example.com\n');
		await ui.wb.waitForStatus('Airlock: changes not approved');
		const warning = await ui.wb.findNotification(/the policy differs from what you approved \(1 change\)/);
		await warning.locator('.monaco-button', { hasText: 'Review Changes' }).first().click();
		const view = await ui.wb.webview('li[data-host="drift.example.com"]');
		assert.equal(await view.locator('li[data-host="drift.example.com"] .change').innerText(), 'new');
		assert.equal(readApprovals(ui.server.configHome)[0].planHash, approvedBefore);
		await ui.wb.screenshot('drift-review');
	});

	it('says plainly in the output channel and the tree that no locked container is running', async function () {
		await ui.wb.runCommand('Airlock: Show Blocked Requests');
		await ui.wb.waitForOutput('No locked container is running for');
		await ui.wb.page.locator('.pane-body', { hasText: 'No locked container is running for this folder' }).first().waitFor();
		await ui.wb.screenshot('blocked-no-container');
	});

	it('Reject puts the edited policy file back as approved (only that line), without speaking of a container that is not there', async function () {
		const policyFile = path.join(ui.workspace, '.devcontainer', 'airlock.yaml');
		const edited = fs.readFileSync(policyFile, 'utf8');
		await ui.wb.runCommand('Airlock: Review & Approve Changes');
		const view = await ui.wb.webview('li[data-host="drift.example.com"]');
		await ui.wb.dismissNotifications();
		await view.locator('#reject').click();
		const toast = ui.wb.notification(/rejected; nothing new is enforced/);
		await toast.waitFor({ timeout: 60_000 });
		assert.doesNotMatch(await toast.innerText(), /container/);
		await ui.wb.clickNotificationButton(/rejected; nothing new is enforced/, 'Put Back Approved Policy');
		await eventually('the file to be put back', () => !fs.readFileSync(policyFile, 'utf8').includes('drift.example.com'));
		assert.equal(fs.readFileSync(policyFile, 'utf8'), edited.replace('  - drift.example.com\n', ''));
		await ui.wb.waitForStatus('Airlock: approved · no container');
		// The drift warning does not come back: there is no drift left.
		assert.equal(await ui.wb.page.locator('.notification-toast', { hasText: 'the policy differs from what you approved' }).count(), 0);
	});

	it('Allow Host… on a policy file that does not parse says where, before asking anything, and edits nothing', async function () {
		const policyFile = path.join(ui.workspace, '.devcontainer', 'airlock.yaml');
		const good = fs.readFileSync(policyFile, 'utf8');
		fs.writeFileSync(policyFile, good + 'bogus: true\n');
		try {
			await ui.wb.waitForStatus('Airlock: policy has errors');
			await ui.wb.runCommand('Airlock: Allow Host…');
			const toast = ui.wb.notification(/the policy file has errors; fix them before you add a host/);
			await toast.waitFor({ timeout: 60_000 });
			assert.match(await toast.innerText(), /airlock\.yaml:\d+:1/);
			assert.equal(await ui.wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Airlock: Allow Host' }).count(), 0);
			assert.equal(fs.readFileSync(policyFile, 'utf8'), good + 'bogus: true\n');
		} finally {
			fs.writeFileSync(policyFile, good);
		}
		await ui.wb.waitForStatus('Airlock: approved · no container');
		await ui.wb.dismissNotifications();
	});
});

describe('Airlock in code-server: locking a repository that has no policy yet', function () {
	// The single topology's output (the Feature entry in devcontainer.json); test/ui/sidecar.test.ts locks the sidecar way.
	const ui = useCodeServer('lock-failure', () => ({ ...freshWorkspace('bare-repo'), settings: { 'airlock.topology': 'single' } }));

	it('"Lock This Repository…" suggests the presets the repository needs, writes the policy and opens the review', async function () {
		await ui.wb.runCommand('Airlock: Lock This Repository…');
		const items = await ui.wb.quickInputItems('npm');
		const npm = items.find((i) => i.startsWith('npm'));
		assert.ok(npm && /suggested: package-lock\.json/.test(npm), items.join('\n'));
		await ui.wb.screenshot('lock-presets');
		// The suggested preset is already ticked; accept the selection.
		await ui.wb.page.locator('.quick-input-widget .quick-input-action .monaco-button, .quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
		const view = await ui.wb.webview('details[data-source="preset:npm"]');
		assert.match(await view.locator('#headline').innerText(), /Nothing is approved for this repository yet/);
		const policy = fs.readFileSync(path.join(ui.workspace, '.devcontainer', 'airlock.yaml'), 'utf8');
		assert.match(policy, /^presets: \[npm\]$/m);
		await view.locator('#approve').click();
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const devcontainer = fs.readFileSync(path.join(ui.workspace, '.devcontainer', 'devcontainer.json'), 'utf8');
		// The Feature that ships with the extension, copied into the repository: no registry.
		assert.match(devcontainer, /"\.\/airlock"/);
		assert.ok(fs.existsSync(path.join(ui.workspace, '.devcontainer', 'airlock', 'devcontainer-feature.json')));
		assert.match(devcontainer, /registry\.npmjs\.org/);
		assert.equal(readApprovals(ui.server.configHome).length, 1);
		await ui.wb.screenshot('lock-approved');
	});
});

describe('Airlock in code-server: the Docker engine does not answer', function () {
	const ui = useCodeServer('no-engine-failure', () => {
		const fresh = freshWorkspace('locked-repo');
		// An engine address where nothing listens: what a stopped Docker Desktop looks like.
		return { ...fresh, env: { DOCKER_HOST: `unix://${path.join(fresh.scratch, 'no-engine.sock')}` } };
	});

	it('says so in the status bar, the tree and the log, and keeps retrying', async function () {
		await ui.wb.runCommand('Airlock: Show Blocked Requests');
		await ui.wb.waitForOutput('The Docker engine does not answer');
		await ui.wb.page.locator('.part.sidebar', { hasText: 'The Docker engine does not answer' }).first().waitFor();
		// Nothing approved comes first; once approved, the engine is what stands in the way.
		await ui.wb.waitForStatus('Airlock: not approved');
		await ui.wb.runCommand('Airlock: Review & Approve Changes');
		const view = await ui.wb.webview('#approve');
		await view.locator('#approve').click();
		// Approving with no engine says so, not that the container refused the policy.
		const toast = ui.wb.notification(/approved, but the Docker engine does not answer/);
		await toast.waitFor({ timeout: 60_000 });
		assert.doesNotMatch(await toast.innerText(), /Fix the entry/);
		await ui.wb.waitForStatus('Airlock: Docker engine unreachable');
		// The status bar item turns to the warning colours.
		await eventually('the status bar to warn', async () => /warning-kind/.test((await ui.wb.statusBarItem().getAttribute('class')) ?? ''));
		await ui.wb.screenshot('status-engine-unreachable');
	});
});
