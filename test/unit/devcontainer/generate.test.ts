import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDevcontainer, featureContentHash, inspectCopy, planDevcontainer, writeDevcontainer, locateDevcontainer } from '../../../extension/core/devcontainer';
import { InvalidInputError } from '../../../extension/core/errors';
import { APPROVED, caseNames, prepareCase, tempDir } from './fixtureCases';

function read(file: string): string {
	return fs.readFileSync(file, 'utf8');
}

/** Every file under `dir` (relative path → bytes as base64 and mode), to prove nothing was touched. */
function treeState(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
		const abs = path.join(dir, rel);
		const st = fs.statSync(abs);
		out[rel] = st.isDirectory() ? 'dir' : `${st.mode.toString(8)}:${fs.readFileSync(abs).toString('base64')}`;
	}
	return out;
}

const cleanups: string[] = [];
afterEach(() => {
	for (const dir of cleanups.splice(0)) {
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
function track<T extends { workspace: string }>(c: T): T {
	cleanups.push(path.dirname(c.workspace));
	return c;
}

describe('devcontainer generation: golden fixtures', () => {
	it('has a fixture for every shape the issue names', () => {
		const required = [
			'no-config', 'image-comments', 'tabs', 'four-spaces', 'crlf', 'dockerfile-runargs', 'compose', 'root-config',
			'stale-entry', 'two-stale-keys', 'remoteenv-existing', 'mount-present', 'local-feature',
		];
		assert.deepEqual(required.filter((n) => !caseNames().includes(n)), []);
	});

	for (const name of caseNames()) {
		describe(name, () => {
			it('plans and writes exactly expected.jsonc', () => {
				const { workspace, options, caseDir } = track(prepareCase(name));
				const expected = read(path.join(caseDir, 'expected.jsonc'));
				const plan = planDevcontainer(options);
				assert.equal(plan.changed, true);
				assert.equal(plan.after, expected);
				writeDevcontainer(plan, options);
				assert.equal(read(plan.file), expected);

				const composeExpected = path.join(caseDir, 'expected-compose.yml');
				if (fs.existsSync(composeExpected)) {
					assert.ok(plan.composeOverride, 'a Compose config gets an override file');
					assert.equal(read(plan.composeOverride.file), read(composeExpected));
				} else {
					assert.equal(plan.composeOverride, undefined);
				}
				const source = plan.feature.source;
				if (source.kind === 'local') {
					const copy = path.join(workspace, '.devcontainer', 'airlock');
					assert.equal(plan.localFeatureTarget, copy);
					assert.equal(featureContentHash(copy), featureContentHash(source.featureDir));
					assert.equal(inspectCopy(copy, source.featureDir).kind, 'in-step');
					assert.equal(source.origin, options.feature === undefined ? 'shipped' : 'feature-path');
					assert.ok((fs.statSync(path.join(copy, 'install.sh')).mode & 0o111) !== 0, 'install.sh stays executable');
				} else {
					assert.equal(fs.existsSync(path.join(workspace, '.devcontainer', 'airlock')), false);
				}
				// No temp files left beside what was written.
				assert.deepEqual(fs.readdirSync(path.dirname(plan.file)).filter((f) => f.includes('.tmp') || f.includes('.new') || f.includes('.old')), []);
			});

			it('changes nothing when run a second time', () => {
				const { workspace, options } = track(prepareCase(name));
				writeDevcontainer(planDevcontainer(options), options);
				const stateAfterFirst = treeState(workspace);
				const second = planDevcontainer(options);
				assert.equal(second.changed, false);
				assert.equal(second.after, second.before);
				writeDevcontainer(second, options);
				assert.deepEqual(treeState(workspace), stateAfterFirst);
			});

			it('fails the check before generating and passes it after', () => {
				const { workspace, options } = track(prepareCase(name));
				const before = checkDevcontainer(workspace, options.policy, options);
				assert.equal(before.ok, false);
				assert.ok(before.problems.length > 0);
				for (const p of before.problems) {
					assert.match(p, /airlock generate/, `every problem says what to run: ${p}`);
				}
				writeDevcontainer(planDevcontainer(options), options);
				assert.deepEqual(checkDevcontainer(workspace, options.policy, options), { ok: true, file: locateDevcontainer(workspace).file, problems: [] });
			});
		});
	}
});

describe('devcontainer generation: what it refuses', () => {
	function workspaceWith(files: Record<string, string>): string {
		const ws = path.join(tempDir('refuse'), 'project');
		cleanups.push(path.dirname(ws));
		for (const [rel, text] of Object.entries(files)) {
			fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
			fs.writeFileSync(path.join(ws, rel), text);
		}
		return ws;
	}
	function invalidInput(fn: () => unknown): InvalidInputError {
		try {
			fn();
		} catch (e) {
			assert.ok(e instanceof InvalidInputError, `expected InvalidInputError, got ${String(e)}`);
			return e;
		}
		assert.fail('expected an error');
	}

	it('reports invalid JSONC as file:line:col and leaves the file untouched', () => {
		const text = '{\n  "image": "x",\n  "features": {\n    "a": {} \n    "b": {}\n  }\n}\n';
		const ws = workspaceWith({ '.devcontainer/devcontainer.json': text });
		const before = treeState(ws);
		const file = path.join(ws, '.devcontainer', 'devcontainer.json');
		const err = invalidInput(() => planDevcontainer({ workspace: ws, policy: APPROVED }));
		assert.equal(err.problems[0].file, file);
		assert.equal(err.problems[0].line, 5);
		assert.equal(err.problems[0].column, 5);
		assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:5: error: not valid JSONC \\(CommaExpected\\)`));
		assert.match(err.message, /the file was not changed/);
		assert.deepEqual(treeState(ws), before);
		const check = checkDevcontainer(ws, APPROVED);
		assert.equal(check.ok, false);
		assert.match(check.problems[0], /:5:5: error: not valid JSONC/);
	});

	it('refuses to write a plan whose text would not parse, keeping the good file', () => {
		const ws = workspaceWith({ '.devcontainer/devcontainer.json': '{ "image": "x" }\n' });
		const options = { workspace: ws, policy: APPROVED };
		const plan = planDevcontainer(options);
		const broken = { ...plan, after: plan.after.replace('"features"', '"features" "oops"') };
		const before = treeState(ws);
		invalidInput(() => writeDevcontainer(broken, options));
		assert.deepEqual(treeState(ws), before);
	});

	it('makes tools wait for the lock (waitFor: postStartCommand), keeping a waitFor the user chose', () => {
		const fresh = workspaceWith({ '.devcontainer/devcontainer.json': '{ "image": "x" }\n' });
		assert.equal((JSON.parse(planDevcontainer({ workspace: fresh, policy: APPROVED }).after) as { waitFor?: string }).waitFor, 'postStartCommand');
		const chosen = workspaceWith({ '.devcontainer/devcontainer.json': '{ "image": "x", "waitFor": "onCreateCommand" }\n' });
		assert.equal((JSON.parse(planDevcontainer({ workspace: chosen, policy: APPROVED }).after) as { waitFor?: string }).waitFor, 'onCreateCommand');
	});

	it('refuses to overwrite edits made after the plan', () => {
		const ws = workspaceWith({ '.devcontainer/devcontainer.json': '{ "image": "x" }\n' });
		const options = { workspace: ws, policy: APPROVED };
		const plan = planDevcontainer(options);
		fs.writeFileSync(plan.file, '{ "image": "y" }\n');
		assert.throws(() => writeDevcontainer(plan, options), /changed since the plan was made; run `airlock generate` again/);
		assert.equal(read(plan.file), '{ "image": "y" }\n');
	});

	it('errors with the list when only named configs exist, and creates nothing', () => {
		const ws = workspaceWith({
			'.devcontainer/python/devcontainer.json': '{ "image": "python" }',
			'.devcontainer/node/devcontainer.json': '{ "image": "node" }',
		});
		const before = treeState(ws);
		const err = invalidInput(() => planDevcontainer({ workspace: ws, policy: APPROVED }));
		assert.equal(err.problems.length, 2);
		assert.match(err.message, /\.devcontainer\/node\/devcontainer\.json, \.devcontainer\/python\/devcontainer\.json/);
		assert.match(err.message, /move the one you use to \.devcontainer\/devcontainer\.json/);
		assert.deepEqual(treeState(ws), before);
	});

	it('edits .devcontainer/devcontainer.json, which wins over a root .devcontainer.json', () => {
		const ws = workspaceWith({ '.devcontainer/devcontainer.json': '{ "image": "a" }\n', '.devcontainer.json': '{ "image": "b" }\n' });
		const location = locateDevcontainer(ws);
		assert.equal(location.file, path.join(ws, '.devcontainer', 'devcontainer.json'));
		assert.equal(location.shadowed, path.join(ws, '.devcontainer.json'));
		const options = { workspace: ws, policy: APPROVED };
		writeDevcontainer(planDevcontainer(options), options);
		assert.equal(read(path.join(ws, '.devcontainer.json')), '{ "image": "b" }\n');
		assert.match(read(location.file), /"\.\/airlock": \{/);
	});

	it('names the entry and position when "features" is not an object', () => {
		const ws = workspaceWith({ '.devcontainer/devcontainer.json': '{\n  "image": "x",\n  "features": ["node"]\n}\n' });
		const err = invalidInput(() => planDevcontainer({ workspace: ws, policy: APPROVED }));
		assert.equal(err.problems[0].line, 3);
		assert.equal(err.problems[0].column, 3);
		assert.equal(err.problems[0].entry, 'features');
		assert.match(err.message, /"features" is an array, expected an object/);
	});

	it('asks for workspaceFolder on a Compose config without one', () => {
		const ws = workspaceWith({ '.devcontainer/devcontainer.json': '{\n  "dockerComposeFile": "compose.yml",\n  "service": "app"\n}\n' });
		const err = invalidInput(() => planDevcontainer({ workspace: ws, policy: APPROVED }));
		assert.equal(err.problems[0].entry, 'workspaceFolder');
		assert.match(err.message, /"workspaceFolder" is missing/);
	});

	it('rejects a local Feature folder whose id is not airlock', () => {
		const ws = workspaceWith({ 'feat/devcontainer-feature.json': '{\n  "id": "other",\n  "version": "1.0.0"\n}\n' });
		const err = invalidInput(() => planDevcontainer({ workspace: ws, policy: APPROVED, feature: { kind: 'local', featureDir: path.join(ws, 'feat'), origin: 'feature-path' } }));
		assert.equal(err.problems[0].line, 2);
		assert.match(err.message, /Feature id is "other", expected "airlock"/);
		assert.equal(fs.existsSync(path.join(ws, '.devcontainer')), false);
	});

	it('writes only the approved policy it is given', () => {
		const ws = workspaceWith({ '.devcontainer/airlock.yaml': 'version: 1\nallow: [unapproved.example.net]\n' });
		const plan = planDevcontainer({ workspace: ws, policy: { mode: 'audit', rules: [{ host: 'api.example.com' }] } });
		assert.match(plan.after, /"allow": "api\.example\.com"/);
		assert.doesNotMatch(plan.after, /unapproved/);
		assert.doesNotMatch(plan.after, /"build"|remoteEnv/);
	});
});
