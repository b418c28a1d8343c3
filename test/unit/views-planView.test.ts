import { strict as assert } from 'node:assert';
import { diffPlans, type Plan, type PlanEntry } from '../../extension/core/plan';
import { buildPlanView, diffLines, displayHost, portsLabel, primarySource } from '../../extension/core/views/planView';

function entry(host: string, sources: string[], extra: Partial<PlanEntry> = {}): PlanEntry {
	return { host, wildcard: host.startsWith('*.'), web: true, ports: [], sources, reasons: [], risks: [], folded: [], ...extra };
}

function plan(entries: PlanEntry[], mode: 'enforce' | 'audit' = 'enforce', hash = `sha256:${entries.map((e) => e.host).join('|')}|${mode}`): Plan {
	return { mode, hash, policyHash: hash, terms: [], topology: 'single', entries, policy: { mode, rules: [] }, notes: [] };
}

describe('views: plan view model', () => {
	const baseline = entry('update.editor.example', ['baseline']);
	const forge = entry('forge.example', ['preset:forge', 'project'], { ports: [22], reasons: ['git over ssh'] });
	const pkgs = entry('registry.pkgs.example', ['preset:pkgs']);
	const api = entry('api.example.com', ['project']);
	const idn = entry('xn--bcher-kva.example.com', ['user'], { unicode: 'bücher.example.com' });

	it('groups entries under their first source in layer order: baseline, presets by name, user, project', () => {
		const current = plan([api, forge, idn, pkgs, baseline]);
		const view = buildPlanView(current, diffPlans(undefined, current));
		assert.deepEqual(view.groups.map((g) => g.source), ['baseline', 'preset:forge', 'preset:pkgs', 'user', 'project']);
		assert.deepEqual(view.groups.map((g) => g.rows.map((r) => r.host)), [['update.editor.example'], ['forge.example'], ['registry.pkgs.example'], ['xn--bcher-kva.example.com'], ['api.example.com']]);
		const forgeRow = view.groups[1].rows[0];
		assert.deepEqual(forgeRow.alsoFrom, ['project']);
		assert.equal(forgeRow.ports, '80, 443 and 22');
		assert.deepEqual(forgeRow.reasons, ['git over ssh']);
	});

	it('shows an IDN decoded with its A-label beside it', () => {
		assert.equal(displayHost(idn), 'bücher.example.com (xn--bcher-kva.example.com)');
		assert.equal(displayHost(api), 'api.example.com');
	});

	it('says nothing is approved yet and marks nothing as added when there is no approval', () => {
		const current = plan([api, baseline]);
		const view = buildPlanView(current, diffPlans(undefined, current));
		assert.equal(view.state, 'never-approved');
		assert.match(view.headline, /Nothing is approved for this repository yet: 2 hosts to review/);
		assert.equal(view.counts.added, 0);
		assert.equal(view.approvedHash, undefined);
		assert.deepEqual(view.groups.flatMap((g) => g.rows.map((r) => r.change)), ['unchanged', 'unchanged']);
	});

	it('marks added, changed and removed rows against the approved plan and summarises them', () => {
		const approved = plan([api, entry('forge.example', ['preset:forge']), entry('old.example', ['project'])]);
		const current = plan([api, forge, pkgs], 'audit');
		const view = buildPlanView(current, diffPlans(approved, current), { planHash: approved.hash, approvedBy: 'me@host', approvedAt: '2026-01-01T00:00:00.000Z' });
		assert.equal(view.state, 'changed');
		const rows = new Map(view.groups.flatMap((g) => g.rows.map((r) => [r.host, r] as const)));
		assert.equal(rows.get('api.example.com')?.change, 'unchanged');
		assert.equal(rows.get('registry.pkgs.example')?.change, 'added');
		assert.equal(rows.get('forge.example')?.change, 'changed');
		assert.deepEqual(rows.get('forge.example')?.changeDetails, ['port 22 added', 'now also from project']);
		assert.equal(view.groups.at(-1)?.source, 'removed');
		assert.deepEqual(view.groups.at(-1)?.rows.map((r) => [r.host, r.change]), [['old.example', 'removed']]);
		assert.deepEqual(view.modeChange, { from: 'enforce', to: 'audit' });
		assert.equal(view.headline, 'The plan differs from what you approved: 1 added, 1 changed, 1 removed, mode enforce → audit. Nothing new is enforced until you approve.');
		assert.equal(view.approvedBy, 'me@host');
	});

	it('says the plan matches when the hashes are equal', () => {
		const current = plan([api]);
		const view = buildPlanView(current, diffPlans(current, current), { planHash: current.hash, approvedBy: 'me', approvedAt: 'now' });
		assert.equal(view.state, 'approved');
		assert.equal(view.headline, 'The plan matches what you approved.');
	});

	it('counts the hosts that carry risk notes', () => {
		const risky = entry('raw.githubusercontent.com', ['preset:forge'], { risks: [{ kind: 'user-content', message: 'anyone can put files there' }] });
		const current = plan([api, risky]);
		assert.equal(buildPlanView(current, diffPlans(undefined, current)).counts.risky, 1);
	});

	it('labels ports: web only, tunnel only, both', () => {
		assert.equal(portsLabel({ web: true, ports: [] }), '80, 443');
		assert.equal(portsLabel({ web: false, ports: [22] }), '22');
		assert.equal(portsLabel({ web: true, ports: [22, 2222] }), '80, 443 and 22, 2222');
	});

	it('puts unknown sources last and project after user', () => {
		assert.equal(primarySource(['project', 'user']), 'user');
		assert.equal(primarySource(['project', 'preset:zz', 'preset:aa']), 'preset:aa');
		assert.equal(primarySource(['something-else', 'project']), 'project');
	});

	it('writes the diff as short lines for the log', () => {
		const approved = plan([entry('forge.example', ['preset:forge']), entry('old.example', ['project'])]);
		const current = plan([forge, idn], 'audit');
		assert.deepEqual(diffLines(diffPlans(approved, current)), [
			'~ mode enforce → audit',
			'+ bücher.example.com (xn--bcher-kva.example.com) [80, 443] (user)',
			'~ forge.example: port 22 added; now also from project',
			'- old.example [80, 443]',
		]);
	});
});
