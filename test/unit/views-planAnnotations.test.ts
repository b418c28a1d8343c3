import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildPlan, diffPlans } from '../../extension/core/plan';
import { parsePolicyText } from '../../extension/core/policyFile';
import { DAY_MS, UsageBook } from '../../extension/core/usage';
import { annotatePlanView, changesPlanAnnotations, DEFAULT_UNUSED_AFTER_DAYS, unusedAfterDaysFrom } from '../../extension/core/views/planAnnotations';
import { buildPlanView } from '../../extension/core/views/planView';

const presetsDir = path.resolve(__dirname, '..', '..', '..', 'presets');
const POLICY = 'version: 1\nbaseline: false\nallow:\n  - used.example.com\n  - idle.example.com\n';

describe('views: airlock.unusedAfterDays in the plan', () => {
	const plan = buildPlan({ project: parsePolicyText(POLICY, 'airlock.yaml'), presetsDir });
	const now = 40 * DAY_MS;
	const usage = new UsageBook(undefined, 0);
	usage.ingest({ time: (now - 1000) / 1000, client: '127.0.0.1', method: 'CONNECT', host: 'used.example.com', port: 443, verdict: 'allow', enforced: true, rule: 'allowlisted', status: 200, bytes: 0 });
	const unusedHosts = (setting: unknown): string[] =>
		annotatePlanView(buildPlanView(plan, diffPlans(undefined, plan)), plan, { usage, unusedAfterDays: unusedAfterDaysFrom(setting), now })
			.groups.flatMap((g) => g.rows)
			.filter((r) => r.usage?.unused)
			.map((r) => r.host);

	it('marks by the setting: tracked 40 days, idle entry unused at 30, not yet at 60; the entry used a second ago never', () => {
		assert.deepEqual(unusedHosts(30), ['idle.example.com']);
		assert.deepEqual(unusedHosts(60), []);
	});

	it('a setting below the schema minimum (settings.json is not checked) does not mark an entry used a second ago', () => {
		assert.deepEqual(unusedHosts(0), ['idle.example.com']);
		assert.deepEqual(unusedHosts(-5), ['idle.example.com']);
		assert.equal(unusedAfterDaysFrom(0), 1);
		assert.equal(unusedAfterDaysFrom(0.5), 1);
		assert.equal(unusedAfterDaysFrom(7), 7);
	});

	it('a setting that is not a number falls back to the default', () => {
		for (const bad of ['thirty', null, undefined, Number.NaN, Infinity, {}]) {
			assert.equal(unusedAfterDaysFrom(bad), DEFAULT_UNUSED_AFTER_DAYS, String(bad));
		}
		assert.deepEqual(unusedHosts('thirty'), ['idle.example.com']);
	});

	it('a change to airlock.unusedAfterDays redraws an open plan; other settings do not', () => {
		assert.equal(changesPlanAnnotations((s) => s === 'airlock.unusedAfterDays'), true);
		// What a change to the whole airlock section reports.
		assert.equal(changesPlanAnnotations((s) => s.startsWith('airlock')), true);
		assert.equal(changesPlanAnnotations((s) => s === 'airlock.notifyOnNewBlockedHost'), false);
		assert.equal(changesPlanAnnotations(() => false), false);
	});
});
