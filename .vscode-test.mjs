// @vscode/test-cli configuration for the integration suite (test/integration/), which runs
// inside a desktop VS Code that test-electron downloads (or `VSCODE_EXECUTABLE` names).
// Each run gets a fresh copy of the fixture folder and its own XDG_CONFIG_HOME, so approvals
// never touch the developer's own.
import { defineConfig } from '@vscode/test-cli';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'airlock-integration-'));
const workspace = join(scratch, 'fixture');
cpSync('test/integration/fixture', workspace, { recursive: true });

export default defineConfig({
	label: 'integration',
	files: 'out/test/integration/**/*.test.js',
	workspaceFolder: workspace,
	mocha: { ui: 'bdd', timeout: 60_000 },
	// Offline-friendly: no Marketplace downloads for extension dependencies (there are none).
	skipExtensionDependencies: true,
	launchArgs: ['--disable-extensions'],
	env: { XDG_CONFIG_HOME: join(scratch, 'config'), AIRLOCK_APPROVER: 'integration-test', AIRLOCK_TEST_WORKSPACE: workspace },
	...(process.env.VSCODE_EXECUTABLE ? { useInstallation: { fromPath: process.env.VSCODE_EXECUTABLE } } : {}),
});
