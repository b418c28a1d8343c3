import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './codeServer';
import { containersFor, removeWorkspaceContainers, run } from './docker';
import { stableWorkspace } from './fixture';
import { useCodeServer } from './session';

const DENIED = 'sidecar-denied.airlock-ui.example';
const LONG_WAIT_MS = 900_000;
/** The devcontainer CLI from the project's dependencies: what VS Code's Dev Containers runs. */
const DEVCONTAINER_CLI = path.join(ROOT, 'node_modules', '.bin', 'devcontainer');

/**
 * The sidecar topology from the editor: "Lock This Repository…" proposes it on this machine (it
 * has Docker Compose) and says why; Approve writes the Compose project; then the devcontainer CLI
 * itself brings the written configuration up, as the Dev Containers extension would, with no
 * Airlock involved; the editor finds the lock beside the container, says locked, shows a block
 * the root agent ran into, and verifies the lock from the agent's namespace.
 */
describe('Airlock in code-server: the sidecar topology, brought up by the devcontainer CLI', function () {
	this.timeout(LONG_WAIT_MS);
	let agent = '';

	const ui = useCodeServer('sidecar-failure', async () => {
		const fresh = stableWorkspace('sidecar-repo');
		await removeWorkspaceContainers(fresh.workspace);
		return fresh;
	});

	after(async function () {
		if (ui.workspace) {
			await removeWorkspaceContainers(ui.workspace);
		}
	});

	it('"Lock This Repository…" proposes the sidecar and says why; Approve writes the Compose project', async function () {
		await ui.wb.runCommand('Airlock: Lock This Repository…');
		await ui.wb.quickInputItems('npm');
		await ui.wb.page.locator('.quick-input-widget .quick-input-action .monaco-button, .quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
		const view = await ui.wb.webview('#approve');
		const policy = fs.readFileSync(path.join(ui.workspace, '.devcontainer', 'airlock.yaml'), 'utf8');
		assert.match(policy, /^# the sidecar topology: the proxy in a container of its own, so the agent may be root/m);
		assert.match(policy, /^topology: sidecar$/m);
		assert.match(await view.locator('#topology').innerText(), /sidecar/);
		await ui.wb.screenshot('sidecar-review');
		await view.locator('#approve').click();
		await ui.wb.notificationText(/approved\. No locked container is running/);
		const config = fs.readFileSync(path.join(ui.workspace, '.devcontainer', 'devcontainer.json'), 'utf8');
		assert.match(config, /"dockerComposeFile"/);
		assert.doesNotMatch(config, /"\.\/airlock"/, 'no Airlock Feature in the agent\'s container');
		assert.ok(fs.existsSync(path.join(ui.workspace, '.devcontainer', 'docker-compose.airlock.yml')));
	});

	it('the devcontainer CLI alone brings the written configuration up; the editor finds the lock beside it and says locked', async function () {
		await ui.wb.dismissNotifications();
		const up = await run(DEVCONTAINER_CLI, ['up', '--workspace-folder', ui.workspace], { timeoutMs: LONG_WAIT_MS });
		assert.equal(up.code, 0, `devcontainer up failed:\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-3000)}`);
		[agent] = await containersFor(ui.workspace);
		assert.ok(agent, 'no running container is labelled for the workspace');
		assert.match((await run('docker', ['inspect', '-f', '{{.HostConfig.NetworkMode}}', agent])).stdout, /^container:/);
		await ui.wb.waitForStatus('Airlock: locked · 0 hosts blocked', LONG_WAIT_MS);
		await ui.wb.screenshot('sidecar-locked');
	});

	it('shows the block a root agent ran into, from the proxy beside the container', async function () {
		// As root, with the proxy the container's environment names (airlock-proxy:3128).
		const blocked = await run('docker', ['exec', '-u', 'root', agent, 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_connect}', '--max-time', '20', `https://${DENIED}/`], { timeoutMs: 60_000 });
		assert.equal(blocked.stdout.trim(), '403', blocked.stderr);
		await ui.wb.runCommand('Airlock: Show Blocked Requests');
		await ui.wb.page.locator(`.part.sidebar .monaco-list-row[aria-label^="${DENIED}"]`).waitFor({ timeout: 60_000 });
		await ui.wb.waitForStatus('Airlock: locked · 1 host blocked');
		await ui.wb.screenshot('sidecar-blocked');
	});

	it('"Verify Lockdown" probes from the agent\'s namespace as root and finds every way around the proxy blocked', async function () {
		await ui.wb.dismissNotifications();
		await ui.wb.runCommand('Airlock: Verify Lockdown');
		const toast = ui.wb.notification(/sidecar-app is locked|is locked: the allowed path through the proxy works and all \d+ ways around it were blocked|Verify could not complete, but nothing leaked/);
		await toast.waitFor({ timeout: 180_000 });
		assert.doesNotMatch(await toast.innerText(), /LEAK|got through/);
		await ui.wb.screenshot('sidecar-verify');
	});
});
