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

/**
 * The agent's side of the loop in a real VS Code (code-server) with a real locked container:
 * an access request from inside arrives as a notification with its reason, Review opens the plan
 * with the entry marked as requested by the agent, Approve applies it live; Reject keeps it
 * blocked; untrusted text never becomes a link; a request the exfiltration scorer flags shows in
 * a group of its own with a warning, not among routine blocks.
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
		await ui.wb.notification(/approved\. No locked container is running/).waitFor({ timeout: 60_000 });
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
		await ui.wb.notification(/is now enforced in/).waitFor({ timeout: 120_000 });
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
		await ui.wb.notification(`${REJECTED} stays blocked`).waitFor({ timeout: 60_000 });
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
});
