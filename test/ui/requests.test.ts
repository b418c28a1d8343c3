import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { airlockCli, containersFor, FEATURE_SOURCE, requestThroughProxy, run } from './docker';
import { eventually, stableWorkspace } from './fixture';
import { useCodeServer } from './session';

const ALLOWED = 'allowed.airlock-ui.example';
const REQUESTED = 'docs.airlock-ui.example';
const REJECTED = 'tracker.airlock-ui.example';
const MARKUP = 'markup.airlock-ui.example';
/** A 40-digit hex label under the allowed wildcard: refused before any lookup, so no network is needed. */
const SUSPECT = 'da39a3ee5e6b4b0d3255bfef95601890afd80709.cdn.airlock-ui.example';
/** The fixture's wildcard: nothing goes through under it in this suite (the suspect is refused). */
const WILDCARD = '*.cdn.airlock-ui.example';

/**
 * The agent's side of the loop in a real VS Code (code-server) with a real locked container:
 * an access request from inside arrives as a notification with its reason, Review opens the plan
 * with the entry marked as requested by the agent, Approve applies it live; Reject keeps it
 * blocked; untrusted text never becomes a link; a request the exfiltration scorer flags shows in
 * a group of its own with a warning, not among routine blocks; the plan marks the entries nothing
 * used for `airlock.unusedAfterDays`, and follows that setting.
 */
describe('Airlock in code-server: access requests from the agent and exfiltration suspects', function () {
	this.timeout(900_000);
	let env: NodeJS.ProcessEnv;
	let container: string;

	const ui = useCodeServer('requests-failure', async () => {
		const fresh = stableWorkspace('loop-repo');
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

	async function livePolicy(): Promise<string> {
		return (await run('docker', ['exec', '-u', 'root', container, 'cat', '/etc/airlock/policy'])).stdout;
	}

	function requestBook(): { requests: { host: string; state: string; why: string }[] } {
		const dir = path.join(ui.server.configHome, 'airlock', 'requests');
		const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
		return files.length === 1 ? JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')) : { requests: [] };
	}

	/** Requests a few seconds apart get a notification each; a burst gets one and a summary. */
	async function pastTheNotificationThrottle(): Promise<void> {
		await new Promise((r) => setTimeout(r, 3_500));
	}

	async function ask(host: string, why: string): Promise<void> {
		const r = await run('docker', ['exec', '-u', 'dev', container, 'airlock-request', host, '--why', why], { timeoutMs: 60_000 });
		assert.equal(r.code, 0, r.stdout + r.stderr);
	}

	it('approves the plan and starts the locked container the extension follows', async function () {
		await ui.wb.runCommand('Airlock: Review & Approve Changes');
		const view = await ui.wb.webview('#approve');
		await view.locator(`li[data-host="${ALLOWED}"]`).waitFor();
		await view.locator('#approve').click();
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const up = await airlockCli(['up', '--workspace', ui.workspace, '--feature-path', FEATURE_SOURCE], env);
		assert.equal(up.code, 0, `airlock up failed:\n${up.stdout}\n${up.stderr}`);
		[container] = await containersFor(ui.workspace);
		assert.ok(container, 'no container is labelled for the workspace');
		await ui.wb.runCommand('Airlock: Show Blocked Requests');
		await ui.wb.waitForOutput('Following the proxy log of container');
	});

	it('a request from inside arrives as a notification with its reason; Review marks it in the plan; Approve applies it live', async function () {
		await ui.wb.dismissNotifications();
		assert.doesNotMatch(await livePolicy(), new RegExp(`allow ${REQUESTED.replace(/\./g, '\\.')}`));
		await ask(REQUESTED, 'read the API docs');
		const toast = ui.wb.notification(`the agent asks for ${REQUESTED}: "read the API docs"`);
		await toast.waitFor({ timeout: 60_000 });
		await ui.wb.waitForOutput(`REQUEST from the agent: ${REQUESTED}`);
		await ui.wb.screenshot('request-notification');
		await ui.wb.clickNotificationButton(`the agent asks for ${REQUESTED}`, 'Review');
		const view = await ui.wb.webview(`li[data-host="${REQUESTED}"]`);
		const row = view.locator(`li[data-host="${REQUESTED}"]`);
		assert.equal(await row.locator('.tag.requested').innerText(), 'requested by the agent');
		assert.match(await row.locator('.detail.requested').innerText(), /The agent asked for it: “read the API docs”/);
		assert.equal(await row.locator('.change').innerText(), 'new');
		assert.match((await row.getAttribute('aria-label')) ?? '', /requested by the agent/);
		await ui.wb.screenshot('request-review');
		await view.locator('#approve').click();
		await ui.wb.notificationText(/is now enforced in/);
		assert.match(await livePolicy(), new RegExp(`^allow ${REQUESTED.replace(/\./g, '\\.')}$`, 'm'));
		await eventually('the request to be marked approved', () => requestBook().requests.find((r) => r.host === REQUESTED)?.state === 'approved');
		// (That the host then answers through the same container is shown in test/e2e/loop.test.ts,
		// where a test host plays the internet.)
	});

	it('Reject keeps the host blocked and the policy as it was', async function () {
		await ui.wb.dismissNotifications();
		const before = await livePolicy();
		await pastTheNotificationThrottle();
		await ask(REJECTED, 'send usage statistics');
		await ui.wb.clickNotificationButton(`the agent asks for ${REJECTED}`, 'Reject');
		// The toast or, after the click closed the request's toast, the notification centre.
		await ui.wb.notificationText(`${REJECTED} stays blocked`);
		assert.equal(await livePolicy(), before);
		assert.equal(requestBook().requests.find((r) => r.host === REJECTED)?.state, 'rejected');
		const blocked = await requestThroughProxy(container, `https://${REJECTED}/`);
		assert.match(blocked.stderr + blocked.stdout, /403/);
	});

	it('the agent\'s text is shown as text: no link, no escape sequence', async function () {
		await ui.wb.dismissNotifications();
		await pastTheNotificationThrottle();
		// Bypassing the command, as an agent could: raw header with link syntax and an escape sequence.
		const header = `X-Airlock-Request: v=1;host=${MARKUP};port=;why=%1B%5B31m%5Bclick%20here%5D(command%3Aairlock.approve)`;
		const raw = await run('docker', ['exec', '-u', 'dev', container, 'curl', '-sS', '-o', '/dev/null', '--proxy', 'http://127.0.0.1:3128', '-H', header, 'http://request.airlock.invalid/'], { timeoutMs: 60_000 });
		assert.equal(raw.code, 0, raw.stderr);
		const toast = ui.wb.notification(`the agent asks for ${MARKUP}`);
		await toast.waitFor({ timeout: 60_000 });
		assert.match(await toast.innerText(), /\[click here\] \(command:airlock\.approve\)/);
		// VS Code renders links in a notification's message as <a> elements; the buttons are apart.
		await toast.locator('.notification-list-item-message').waitFor();
		assert.equal(await toast.locator('.notification-list-item-message a').count(), 0, 'no link in the notification');
		await ui.wb.screenshot('request-untrusted-text');
		await ui.wb.clickNotificationButton(`the agent asks for ${MARKUP}`, 'Reject');
	});

	it('a suspect request shows in its own group with a warning, apart from routine blocks', async function () {
		await ui.wb.dismissNotifications();
		const refused = await requestThroughProxy(container, `https://${SUSPECT}/`);
		assert.match(refused.stderr + refused.stdout, /403/, 'refused by the proxy');
		await ui.wb.notification(/possible data exfiltration refused/).waitFor({ timeout: 60_000 });
		assert.match(await ui.wb.notification(/possible data exfiltration refused/).innerText(), /hex-encoded label/);
		await ui.wb.waitForOutput(`SUSPECT BLOCKED CONNECT ${SUSPECT}:443`);
		await ui.wb.runCommand('Airlock: Show Suspect Requests');
		const row = ui.wb.page.locator(`.part.sidebar .monaco-list-row[aria-label^="${SUSPECT}"]`);
		await row.waitFor({ timeout: 60_000 });
		assert.match((await row.getAttribute('aria-label')) ?? '', /suspected exfiltration, refused 1× · .*hex-label/);
		assert.equal(await ui.wb.treeItem('Blocked Hosts', SUSPECT).count(), 0, 'not among the routine blocks');
		await ui.wb.screenshot('suspect-group');
	});

	it('"Propose Policy from Observed Traffic" proposes what the proxy refused, never the suspect, and Reject puts the file back', async function () {
		await ui.wb.dismissNotifications();
		const policyFile = path.join(ui.workspace, '.devcontainer', 'airlock.yaml');
		const before = fs.readFileSync(policyFile, 'utf8');
		await ui.wb.runCommand('Airlock: Propose Policy from Observed Traffic…');
		const view = await ui.wb.webview(`li[data-host="${REJECTED}"]`);
		assert.equal(await view.locator(`li[data-host="${REJECTED}"] .change`).innerText(), 'new');
		assert.equal(await view.locator(`li[data-host="${SUSPECT}"]`).count(), 0, 'a suspect name is never proposed');
		const proposed = fs.readFileSync(policyFile, 'utf8');
		assert.ok(proposed.startsWith(before), 'the file keeps every byte it had; the proposal is added at the end');
		assert.match(proposed.slice(before.length), /host: tracker\.airlock-ui\.example, reason: "airlock propose: seen/);
		await ui.wb.screenshot('propose-review');
		await view.locator('#reject').click();
		await eventually('the proposal to be taken back out', () => fs.readFileSync(policyFile, 'utf8') === before);
	});

	it('the plan marks entries unused by the usage the proxy recorded, and follows airlock.unusedAfterDays', async function () {
		await ui.wb.dismissNotifications();
		const usageDir = path.join(ui.server.configHome, 'airlock', 'usage');
		const usageBook = (): { since: number; targets: Record<string, { count: number; last: number }> } | undefined => {
			const files = fs.existsSync(usageDir) ? fs.readdirSync(usageDir).filter((f) => f.endsWith('.json')) : [];
			return files.length === 1 ? JSON.parse(fs.readFileSync(path.join(usageDir, files[0]), 'utf8')) : undefined;
		};
		const userSettings = path.join(ui.server.configHome, '..', 'user-data', 'User', 'settings.json');
		// The way a person changes it: the Settings editor (a dialog over the plan, which stays open
		// behind it). Written to settings.json by hand, code-server does not pick the change up.
		const setUnusedAfterDays = async (days: number): Promise<void> => {
			await ui.wb.runCommand('Preferences: Open User Settings');
			const editor = ui.wb.page.locator('.settings-editor');
			await editor.waitFor();
			await ui.wb.page.keyboard.press('ControlOrMeta+A');
			await ui.wb.page.keyboard.type('airlock.unusedAfterDays');
			const input = editor.locator('.setting-item-number', { hasText: 'Unused After Days' }).locator('input').first();
			await input.waitFor();
			await input.fill(String(days));
			await eventually(`the setting to be saved as ${days}`, () => ((JSON.parse(fs.readFileSync(userSettings, 'utf8')) as Record<string, unknown>)['airlock.unusedAfterDays'] ?? 30) === days);
			await ui.wb.page.keyboard.press('Escape');
			if (await editor.isVisible()) {
				await ui.wb.page.keyboard.press('Escape');
			}
			await editor.waitFor({ state: 'hidden' });
		};
		// A use the product records itself: the agent's request goes through the proxy for the
		// allowlisted name (the name does not resolve; the proxy's verdict is what counts), and the
		// extension, following the log, writes it to the usage book on the host.
		const used = await requestThroughProxy(container, `https://${ALLOWED}/`);
		assert.doesNotMatch(used.stdout + used.stderr, /\b403\b/, 'the allowlisted name is not refused');
		const recorded = await eventually('the extension to record the use', () => ((usageBook()?.targets[`${ALLOWED}:443`]?.count ?? 0) > 0 ? usageBook() : undefined));
		// The negative: nothing went through under the wildcard (the suspect name was refused).
		assert.deepEqual(Object.keys(recorded.targets).filter((target) => target.startsWith(SUSPECT) || target.includes(WILDCARD.slice(1))), []);
		// By hand, because a test cannot wait weeks: only when tracking started moves 40 days back
		// (a fresh book marks nothing unused yet). The use above stays as the extension wrote it;
		// the file is replaced the way the product writes it (temporary file, then rename).
		const file = path.join(usageDir, fs.readdirSync(usageDir).filter((f) => f.endsWith('.json'))[0]);
		const temp = `${file}.ui-test`;
		fs.writeFileSync(temp, JSON.stringify({ ...recorded, since: Date.now() - 40 * 24 * 60 * 60 * 1000 }) + '\n', { mode: 0o600 });
		fs.renameSync(temp, file);

		// airlock.unusedAfterDays is at its default, 30.
		await ui.wb.runCommand('Airlock: Show Plan');
		const view = await ui.wb.webview(`li[data-host="${WILDCARD}"] .detail.usage`);
		const wildcard = view.locator(`li[data-host="${WILDCARD}"]`);
		const allowed = view.locator(`li[data-host="${ALLOWED}"]`);
		await eventually('the wildcard to be marked unused at 30 days', async () => (await wildcard.locator('.tag.unused').count()) === 1);
		assert.match(await wildcard.locator('.detail.usage').innerText(), /not used in the 40 days tracked/);
		assert.match((await wildcard.getAttribute('aria-label')) ?? '', /, unused/);
		const usageSection = await view.locator('#usage').innerText();
		assert.match(usageSection, /Not used for 30 days, from this repository's policy: .*\*\.cdn\.airlock-ui\.example/);
		assert.ok(!usageSection.includes(ALLOWED), usageSection);
		// The positive control: the entry the agent just used is not marked.
		assert.equal(await allowed.locator('.tag.unused').count(), 0);
		assert.match(await allowed.locator('.detail.usage').innerText(), /used \d+ times?, last (just now|\d+ minutes? ago)/);
		assert.doesNotMatch((await allowed.getAttribute('aria-label')) ?? '', /unused/);
		await ui.wb.screenshot('plan-unused-30-days');

		// 60 days is longer than tracking has run: nothing is unused yet, and the open plan says so.
		await setUnusedAfterDays(60);
		await eventually('the open plan to drop the mark at 60 days', async () => (await wildcard.locator('.tag.unused').count()) === 0);
		assert.match(await wildcard.locator('.detail.usage').innerText(), /no use recorded yet \(tracking for 40 days\)/);
		assert.equal(await view.locator('#usage').count(), 0);
		assert.equal(await allowed.locator('.tag.unused').count(), 0);
		await ui.wb.screenshot('plan-unused-60-days');

		await setUnusedAfterDays(30);
		await eventually('the mark to come back at 30 days', async () => (await wildcard.locator('.tag.unused').count()) === 1);
	});
});
