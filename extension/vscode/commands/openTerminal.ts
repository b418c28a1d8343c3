import * as vscode from 'vscode';
import { COMMAND } from '../../core/views/commandIds';
import { devcontainerCliPath, nodeEnv } from '../../docker/devcontainerCli';
import { requireHostFolder } from '../hostOnly';
import { describeError, showErrorWithSteps, showInfoWithSteps } from '../nextStep';
import type { AirlockSession } from '../session';

/** bash when the image has it, else sh; a login shell, as a terminal in the editor would be. */
const SHELL = 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi';

/**
 * Runs `devcontainer exec` (argv after the script) and, when the shell inside ends abnormally
 * (the container stopped or restarted), says so in the terminal and waits for a key, instead of
 * leaving the editor to raise an error about a process exit code.
 */
const SHELL_WRAPPER = [
	"const { spawn } = require('node:child_process');",
	'const child = spawn(process.execPath, process.argv.slice(1), { stdio: "inherit" });',
	"child.on('exit', (code, signal) => {",
	'  if (code === 0) { process.exit(0); }',
	'  process.stdout.write("\\r\\n[Airlock] The shell in the container ended (" + (signal || "exit " + code) + "): the container may have stopped or restarted. Press a key to close this terminal; \\"Airlock: Open Terminal in Locked Container\\" opens a new one.\\r\\n");',
	'  if (process.stdin.isTTY) { process.stdin.setRawMode(true); }',
	"  process.stdin.once('data', () => process.exit(0));",
	'});',
].join('\n');

/**
 * A terminal inside the locked container, through `devcontainer exec` (the CLI that ships in
 * the extension): the remote user, the workspace folder and the environment devcontainer.json
 * sets, as the agent gets them. Called after "Start Locked Container" and from the palette.
 */
export async function openContainerTerminal(session: AirlockSession, containerId?: string): Promise<vscode.Terminal | undefined> {
	const workspace = await requireHostFolder(session);
	if (!workspace) {
		return undefined;
	}
	let id = containerId;
	if (!id) {
		try {
			id = (await session.findContainer())?.id;
		} catch (err) {
			await showErrorWithSteps(`Airlock: cannot open a terminal: ${describeError(err).message}`, [{ label: 'Show Log', run: () => session.output.show(true) }], session.output);
			return undefined;
		}
	}
	if (!id) {
		await showInfoWithSteps(`Airlock: no locked container is running for ${workspace}.`, [{ label: 'Start Locked Container', run: () => vscode.commands.executeCommand(COMMAND.startLocked) }]);
		return undefined;
	}
	const terminal = vscode.window.createTerminal({
		name: `Airlock: ${session.state.container?.id === id ? session.containerLabel : 'locked container'}`,
		iconPath: new vscode.ThemeIcon('lock'),
		shellPath: process.execPath,
		shellArgs: ['-e', SHELL_WRAPPER, devcontainerCliPath(), 'exec', '--workspace-folder', workspace, '--container-id', id, 'sh', '-c', SHELL],
		env: nodeEnv({}),
		cwd: workspace,
	});
	terminal.show();
	session.output.info(`Opened a terminal in container ${id.slice(0, 12)} (devcontainer exec).`);
	return terminal;
}
