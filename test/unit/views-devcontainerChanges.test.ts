import { strict as assert } from 'node:assert';
import { parseCanonicalText } from '../../extension/core/enforcedPolicy';
import { planDevcontainer, writeDevcontainer } from '../../extension/core/devcontainer';
import { devcontainerPreview, explainConfigChanges } from '../../extension/core/views/devcontainerChanges';
import { makeTempWorkspace, type TempWorkspace } from './helpers/tempWorkspace';

const POLICY = parseCanonicalText('airlock-policy 1\nmode enforce\nallow api.example.com\nallow github.com:22\n');

describe('views: what Approve writes to devcontainer.json, each change with why', () => {
	let ws: TempWorkspace;
	beforeEach(() => {
		ws = makeTempWorkspace();
	});
	afterEach(() => ws.cleanup());

	it('explains every change the generator makes to an existing configuration, at its line', () => {
		ws.write('.devcontainer/devcontainer.json', '// mine\n{\n\t"name": "app",\n\t"build": { "dockerfile": "Dockerfile" },\n\t"remoteUser": "dev"\n}\n');
		const plan = planDevcontainer({ workspace: ws.dir, policy: POLICY });
		const changes = explainConfigChanges(plan.before, plan.after);
		const paths = changes.map((c) => c.path);
		for (const expected of ['waitFor', 'containerEnv.HTTP_PROXY', 'containerEnv.NO_PROXY']) {
			assert.ok(paths.includes(expected), `${expected} missing from ${paths.join(', ')}`);
		}
		assert.ok(paths.some((p) => p.startsWith('features[')), paths.join(', '));
		assert.ok(paths.some((p) => p.startsWith('mounts[')), paths.join(', '));
		// No change goes unexplained, and none is explained with the catch-all.
		for (const c of changes) {
			assert.ok(c.why.length > 20, JSON.stringify(c));
			assert.doesNotMatch(c.why, /see docs\/architecture/, `${c.path} has only the general why`);
			assert.equal(c.side, 'new');
			assert.ok(c.line !== undefined && plan.after.split('\n')[c.line - 1].length > 0, JSON.stringify(c));
		}
		assert.match(changes.find((c) => c.path === 'containerEnv.HTTPS_PROXY')?.why ?? '', /proxy, the only way out/);
		assert.match(changes.find((c) => c.path.startsWith('mounts['))?.why ?? '', /read-only/);
		assert.match(changes.find((c) => c.path.startsWith('features['))?.what ?? '', /2 allowed hosts, mode enforce/);
	});

	it('explains the sidecar topology\'s changes (Compose file, service, runServices, what moved) each with a reason of its own', () => {
		ws.write('.devcontainer/devcontainer.json', '// mine\n{\n\t"name": "app",\n\t"build": { "dockerfile": "Dockerfile" },\n\t"remoteUser": "dev"\n}\n');
		ws.write('.devcontainer/Dockerfile', 'FROM debian:bookworm-slim\n');
		const plan = planDevcontainer({ workspace: ws.dir, policy: POLICY, topology: 'sidecar' });
		const changes = explainConfigChanges(plan.before, plan.after);
		const paths = changes.map((c) => c.path);
		for (const expected of ['dockerComposeFile', 'service', 'runServices']) {
			assert.ok(paths.includes(expected), `${expected} missing from ${paths.join(', ')}`);
		}
		for (const c of changes) {
			assert.ok(c.why.length > 20, JSON.stringify(c));
			assert.doesNotMatch(c.why, /see docs\/architecture/, `${c.path} has only the general why`);
		}
		assert.match(changes.find((c) => c.path === 'dockerComposeFile')?.why ?? '', /container of its own/);
		assert.match(changes.find((c) => c.path === 'build')?.why ?? '', /Moved into Airlock's Compose file/);
	});

	it('names the hosts a new approval adds and removes in the Feature\'s allow option', () => {
		const before = '{ "features": { "./airlock": { "allow": "a.example.com,b.example.com", "mode": "enforce" } } }';
		const after = '{ "features": { "./airlock": { "allow": "a.example.com,c.example.com", "mode": "audit" } } }';
		const changes = explainConfigChanges(before, after);
		assert.deepEqual(changes.map((c) => [c.path, c.what]), [
			['features["./airlock"].allow', '+ c.example.com, − b.example.com'],
			['features["./airlock"].mode', '"audit"'],
		]);
	});

	it('keys it does not know still show, with a general why', () => {
		const [change] = explainConfigChanges('{}', '{ "somethingNew": 1 }');
		assert.equal(change.path, 'somethingNew');
		assert.match(change.why, /Set by Airlock/);
	});

	it('previews a new file as created, with its diff, and says when nothing would change', () => {
		const plan = planDevcontainer({ workspace: ws.dir, policy: POLICY });
		const preview = devcontainerPreview(ws.dir, plan);
		assert.equal(preview.files[0].file, '.devcontainer/devcontainer.json');
		assert.equal(preview.files[0].action, 'create');
		assert.ok(preview.files[0].hunks[0].lines.every((l) => l.kind === 'added'));
		assert.match(preview.summary, /^Approve writes \.devcontainer\/devcontainer\.json and \.devcontainer\/airlock\/: \d+ changes, each shown below with why\.$/);
		// The Feature's copy is a file change of its own, with why.
		assert.deepEqual(preview.files.map((f) => [f.file, f.action]), [['.devcontainer/devcontainer.json', 'create'], ['.devcontainer/airlock/', 'copy']]);
		const withLock = devcontainerPreview(ws.dir, plan, [{ file: `${ws.dir}/.devcontainer/airlock.lock`, exists: false, why: 'the approval, committed' }]);
		assert.match(withLock.summary, /^Approve writes \.devcontainer\/devcontainer\.json, \.devcontainer\/airlock\/ and \.devcontainer\/airlock\.lock: /);
		assert.deepEqual(withLock.files[2], { file: '.devcontainer/airlock.lock', action: 'create', why: 'the approval, committed', hunks: [], changes: [] });
		writeDevcontainer(plan, { workspace: ws.dir, policy: POLICY });
		const again = devcontainerPreview(ws.dir, planDevcontainer({ workspace: ws.dir, policy: POLICY }));
		assert.deepEqual(again.files, []);
		assert.match(again.summary, /already carries this plan/);
	});
});
