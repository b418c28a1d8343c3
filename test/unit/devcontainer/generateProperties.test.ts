import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { checkDevcontainer, planDevcontainer, writeDevcontainer } from '../../../extension/core/devcontainer';
import { featureAllowOption, type EnforcedPolicy, type EnforcedRule } from '../../../extension/core/enforcedPolicy';
import { caseNames, prepareCase } from './fixtureCases';

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/);
const host = fc.tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'org', 'dev')).map(([wild, labels, tld]) => `${wild ? '*.' : ''}${labels.join('.')}.${tld}`);
const rule: fc.Arbitrary<EnforcedRule> = fc.tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([h, port]) => (port === undefined ? { host: h } : { host: h, port }));
const policy: fc.Arbitrary<EnforcedPolicy> = fc.record({ mode: fc.constantFrom('enforce' as const, 'audit' as const), rules: fc.array(rule, { maxLength: 8 }) });

describe('devcontainer generation: properties over random approved policies', function () {
	this.timeout(60_000);

	it('generate then generate again is a no-op, and check agrees with the plan', () => {
		fc.assert(
			fc.property(fc.constantFrom(...caseNames()), policy, policy, fc.integer({ min: 1024, max: 65535 }), fc.boolean(), (name, first, second, proxyPort, allowSudo) => {
				const c = prepareCase(name);
				try {
					const opts = { ...c.options, policy: first, proxyPort, allowSudo };
					writeDevcontainer(planDevcontainer(opts), opts);
					const again = planDevcontainer(opts);
					assert.equal(again.changed, false);
					assert.equal(checkDevcontainer(c.workspace, first, opts).ok, true);

					// Moving to another approved policy: check names exactly the hosts that differ.
					const next = { ...opts, policy: second };
					const result = checkDevcontainer(c.workspace, second, next);
					const oldItems = new Set(featureAllowOption(first).split(',').filter(Boolean));
					const newItems = new Set(featureAllowOption(second).split(',').filter(Boolean));
					const extra = [...oldItems].filter((h) => !newItems.has(h));
					const missing = [...newItems].filter((h) => !oldItems.has(h));
					const text = result.problems.join('\n');
					assert.equal(result.ok, planDevcontainer(next).changed === false);
					if (extra.length > 0) {
						assert.ok(text.includes(`allow has ${extra.length} host${extra.length === 1 ? '' : 's'} the approved plan does not: ${extra.join(', ')};`), text);
					}
					if (missing.length > 0) {
						assert.ok(text.includes(`allow lacks ${missing.length} host${missing.length === 1 ? '' : 's'} the approved plan has: ${missing.join(', ')};`), text);
					}
					writeDevcontainer(planDevcontainer(next), next);
					assert.equal(checkDevcontainer(c.workspace, second, next).ok, true);
				} finally {
					fs.rmSync(path.dirname(c.workspace), { recursive: true, force: true });
				}
			}),
			{ numRuns: 60 },
		);
	});
});
