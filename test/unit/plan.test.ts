import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPlan, diffPlans, planToJson, readLayers, resolvePlan, userPolicyFile, type Plan } from '../../extension/core/plan';
import { canonicalText } from '../../extension/core/enforcedPolicy';
import { parsePolicyText } from '../../extension/core/policyFile';
import { InvalidInputError } from '../../extension/core/errors';
import { makeTempWorkspace, type TempWorkspace } from './helpers/tempWorkspace';

/** A small presets folder of our own, so these tests do not change when shipped presets are reviewed. */
function writePresets(ws: TempWorkspace): string {
	const dir = path.join(path.dirname(ws.dir), 'presets');
	fs.mkdirSync(dir, { recursive: true });
	const preset = (name: string, hosts: string) => fs.writeFileSync(path.join(dir, `${name}.yaml`), `name: ${name}\ndescription: test preset ${name}\nhosts:\n${hosts}`);
	preset('baseline', '  - host: update.editor.example\n    source: https://editor.example/docs\n    reason: editor updates\n');
	preset('forge', [
		'  - host: forge.example',
		'    source: https://forge.example/docs',
		'    reason: web',
		'  - host: forge.example',
		'    ports: [22]',
		'    source: https://forge.example/docs',
		'    reason: git over ssh',
		'  - host: "*.cdn.forge.example"',
		'    source: https://forge.example/docs',
		'    reason: downloads',
		'',
	].join('\n'));
	preset('pkgs', '  - host: registry.pkgs.example\n    source: https://pkgs.example/docs\n    reason: registry\n');
	return dir;
}

function planFor(ws: TempWorkspace, project: string, user?: string): Plan {
	const presetsDir = writePresets(ws);
	const projectFile = path.join(ws.dir, '.devcontainer/airlock.yaml');
	return buildPlan({
		project: parsePolicyText(project, projectFile),
		...(user !== undefined ? { user: parsePolicyText(user, userPolicyFile(ws.env)) } : {}),
		presetsDir,
	});
}

describe('plan', () => {
	let ws: TempWorkspace;
	beforeEach(() => {
		ws = makeTempWorkspace();
	});
	afterEach(() => ws.cleanup());

	it('unions baseline, presets, the user file and the project file, with sources', () => {
		const plan = planFor(ws, 'version: 1\npresets: [forge]\nallow:\n  - app.example.com\n  - { host: forge.example, reason: mirror }\n', 'version: 1\npresets: [pkgs]\nallow: [me.example.net]\n');
		const bySource = Object.fromEntries(plan.entries.map((e) => [e.host, e.sources.join(' ')]));
		assert.deepEqual(bySource, {
			'*.cdn.forge.example': 'preset:forge',
			'app.example.com': 'project',
			'forge.example': 'preset:forge project',
			'me.example.net': 'user',
			'registry.pkgs.example': 'preset:pkgs',
			'update.editor.example': 'baseline',
		});
		const forge = plan.entries.find((e) => e.host === 'forge.example');
		assert.ok(forge);
		assert.equal(forge.web, true);
		assert.deepEqual(forge.ports, [22]);
		assert.deepEqual(forge.reasons, ['web', 'git over ssh', 'mirror']);
	});

	it('turns the baseline off when a file says so, and notes it', () => {
		const plan = planFor(ws, 'version: 1\nbaseline: false\nallow: [app.example.com]\n');
		assert.deepEqual(plan.entries.map((e) => e.host), ['app.example.com']);
		assert.match(plan.notes.join('\n'), /baseline/);
	});

	it('an empty allowlist with the baseline off allows nothing', () => {
		const plan = planFor(ws, 'version: 1\nbaseline: false\nallow: []\n');
		assert.deepEqual(plan.entries, []);
		assert.equal(canonicalText(plan.policy), 'airlock-policy 1\nmode enforce\n');
	});

	it('names the file, line and column of an unknown preset and lists the known ones', () => {
		assert.throws(
			() => planFor(ws, 'version: 1\npresets: [forge, nmp]\n'),
			(err: unknown) => {
				assert.ok(err instanceof InvalidInputError);
				const [p] = err.problems;
				assert.equal(p.line, 2);
				assert.equal(p.column, 18);
				assert.match(p.message, /unknown preset "nmp"/);
				assert.match(p.hint ?? '', /forge, pkgs/);
				return true;
			},
		);
	});

	it('folds an exact host under an allowed wildcard and says so, but not the apex or extra ports', () => {
		const plan = planFor(ws, [
			'version: 1',
			'baseline: false',
			'allow:',
			'  - "*.example.com"',
			'  - api.example.com',
			'  - "*.eu.example.com"',
			'  - example.com',
			'  - { host: git.example.com, ports: [22] }',
			'',
		].join('\n'));
		assert.deepEqual(plan.entries.map((e) => e.host), ['*.example.com', 'example.com', 'git.example.com']);
		assert.deepEqual(plan.entries[0].folded, ['api.example.com', '*.eu.example.com']);
		const foldNotes = plan.notes.filter((n) => n.includes('folded'));
		assert.equal(foldNotes.length, 2);
		assert.match(foldNotes[0], /api\.example\.com .* covered by \*\.example\.com/);
	});

	it('takes the strictest mode of the layers', () => {
		assert.equal(planFor(ws, 'version: 1\nmode: audit\n').mode, 'audit');
		assert.equal(planFor(ws, 'version: 1\nmode: audit\n', 'version: 1\nmode: enforce\n').mode, 'enforce');
		assert.equal(planFor(ws, 'version: 1\n').mode, 'enforce');
	});

	it('has a hash that does not depend on entry order, and is sha256 of the canonical text', () => {
		const a = planFor(ws, 'version: 1\nallow: [b.example.com, a.example.com, { host: c.example.com, ports: [2222, 22] }]\n');
		const b = planFor(ws, 'version: 1\nallow: [{ host: c.example.com, ports: [22, 2222] }, a.example.com, B.example.com.]\n');
		assert.equal(a.hash, b.hash);
		// An independent implementation of the hash: coreutils, as the container computes it.
		const viaCoreutils = execFileSync('sha256sum', { input: canonicalText(a.policy) }).toString().split(' ')[0];
		assert.equal(a.hash, `sha256:${viaCoreutils}`);
		const c = planFor(ws, 'version: 1\nallow: [a.example.com]\n');
		assert.notEqual(a.hash, c.hash);
	});

	it('prints the JSON shape the CLI promises', () => {
		const json = planToJson(planFor(ws, 'version: 1\nbaseline: false\nallow: [a.example.com, { host: g.example.com, ports: [22] }]\n'));
		assert.deepEqual(Object.keys(json), ['hash', 'mode', 'entries']);
		assert.deepEqual(json.entries.map((e) => [e.host, e.ports]), [['a.example.com', undefined], ['g.example.com', [22]]]);
	});

	it('diffs against the approved plan: added, removed, changed and mode', () => {
		const approved = planFor(ws, 'version: 1\nbaseline: false\nallow: [a.example.com, b.example.com, g.example.com]\n');
		const current = planFor(ws, 'version: 1\nmode: audit\nbaseline: false\nallow: [a.example.com, c.example.com, { host: g.example.com, ports: [22] }, g.example.com]\n');
		const diff = diffPlans(approved, current);
		assert.deepEqual(diff.added.map((e) => e.host), ['c.example.com']);
		assert.deepEqual(diff.removed.map((e) => e.host), ['b.example.com']);
		assert.deepEqual(diff.changed.map((c) => [c.after.host, c.what]), [['g.example.com', ['port 22 added']]]);
		assert.deepEqual(diff.modeChanged, { from: 'enforce', to: 'audit' });
		assert.deepEqual(diffPlans(undefined, approved).added.length, 3);
	});

	it('reads the layers from the workspace and the user config dir', () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nallow: [app.example.com]\n');
		fs.mkdirSync(path.dirname(userPolicyFile(ws.env)), { recursive: true });
		fs.writeFileSync(userPolicyFile(ws.env), 'version: 1\nallow: [me.example.net]\n');
		const layers = readLayers(ws.dir, ws.env);
		assert.equal(layers.project?.allow[0].host, 'app.example.com');
		assert.equal(layers.user?.allow[0].host, 'me.example.net');
		// The shipped presets resolve too, and every host in them passes the grammar.
		const plan = resolvePlan(ws.dir, ws.env);
		assert.ok(plan.entries.some((e) => e.sources.includes('baseline')));
	});
});
