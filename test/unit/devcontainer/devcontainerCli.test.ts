import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planDevcontainer, writeDevcontainer } from '../../../extension/core/devcontainer';
import { featureAllowOption } from '../../../extension/core/enforcedPolicy';
import { prepareCase, REPO_ROOT } from './fixtureCases';

const CLI = path.join(REPO_ROOT, 'node_modules', '@devcontainers', 'cli', 'devcontainer.js');

interface ReadConfiguration {
	configuration: { features?: Record<string, unknown>; mounts?: unknown[]; remoteEnv?: Record<string, string>; containerEnv?: unknown };
	workspace: { workspaceFolder: string };
	featuresConfiguration?: { featureSets: { sourceInformation: { type: string; resolvedFilePath?: string }; features: { id: string; value: unknown }[] }[] };
}

/** Runs the real devcontainer CLI (no container needed) and returns its JSON; a non-zero exit throws. */
function readConfiguration(workspace: string, includeFeatures: boolean): ReadConfiguration {
	const args = [CLI, 'read-configuration', '--workspace-folder', workspace, ...(includeFeatures ? ['--include-features-configuration'] : [])];
	const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
	return JSON.parse(out) as ReadConfiguration;
}

describe('generated devcontainer.json and the real devcontainer CLI', function () {
	this.timeout(120_000);
	const cleanups: string[] = [];
	afterEach(() => {
		for (const dir of cleanups.splice(0)) {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	function generated(name: string) {
		const c = prepareCase(name);
		cleanups.push(path.dirname(c.workspace));
		writeDevcontainer(planDevcontainer(c.options), c.options);
		return c;
	}

	const expectedOptions = (c: ReturnType<typeof prepareCase>) => ({
		allow: featureAllowOption(c.options.policy),
		mode: c.options.policy.mode,
		proxyPort: String(c.options.proxyPort ?? 3128),
		allowSudo: c.options.allowSudo ?? false,
	});

	for (const name of ['image-comments', 'no-config', 'dockerfile-runargs']) {
		it(`${name}: read-configuration accepts it and reports the Feature, the read-only mount and the proxy variables`, () => {
			const c = generated(name);
			const result = readConfiguration(c.workspace, false);
			assert.deepEqual(result.configuration.features?.['./airlock'], expectedOptions(c));
			const inContainer = result.workspace.workspaceFolder;
			assert.ok(
				result.configuration.mounts?.includes(`source=${c.workspace}/.devcontainer,target=${inContainer}/.devcontainer,type=bind,readonly`),
				`mounts: ${JSON.stringify(result.configuration.mounts)}`,
			);
			const containerEnv = result.configuration.containerEnv as Record<string, string> | undefined;
			assert.equal(containerEnv?.HTTPS_PROXY, 'http://127.0.0.1:3128');
			assert.equal(containerEnv?.no_proxy, 'localhost,127.0.0.1,::1');
			assert.equal(result.configuration.remoteEnv?.HTTPS_PROXY, undefined);
		});
	}

	for (const name of ['local-feature', 'root-local-feature', 'no-config']) {
		it(`${name}: the CLI resolves the local Feature copy inside .devcontainer`, () => {
			const c = generated(name);
			const result = readConfiguration(c.workspace, true);
			const sets = result.featuresConfiguration?.featureSets ?? [];
			assert.equal(sets.length, 1);
			assert.deepEqual(sets[0].sourceInformation.type, 'file-path');
			assert.equal(sets[0].sourceInformation.resolvedFilePath, path.join(c.workspace, '.devcontainer', 'airlock'));
			assert.equal(sets[0].features[0].id, 'airlock');
			assert.deepEqual(sets[0].features[0].value, expectedOptions(c));
		});
	}

	it('root-config: the root .devcontainer.json is itself mounted read-only', () => {
		const c = generated('root-config');
		const result = readConfiguration(c.workspace, false);
		const inContainer = result.workspace.workspaceFolder;
		assert.ok(result.configuration.mounts?.includes(`source=${c.workspace}/.devcontainer.json,target=${inContainer}/.devcontainer.json,type=bind,readonly`));
	});
});
