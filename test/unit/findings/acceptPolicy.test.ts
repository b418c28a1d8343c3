import { strict as assert } from 'node:assert';
import { InvalidInputError } from '../../../extension/core/errors';
import { parsePolicyText } from '../../../extension/core/policyFile';
import { buildPlan, diffPlans, isEmptyDiff, readLayers } from '../../../extension/core/plan';
import { planHashOf } from '../../../extension/core/enforcedPolicy';
import { recordApproval, readApproval } from '../../../extension/core/approvals';
import { makeTempWorkspace } from '../helpers/tempWorkspace';

function problemsOf(text: string): string[] {
	try {
		parsePolicyText(text, 'airlock.yaml');
	} catch (err) {
		assert.ok(err instanceof InvalidInputError);
		return err.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
	}
	assert.fail('expected the policy to be rejected');
}

describe('policy: accept (container findings accepted on purpose)', () => {
	it('reads { finding, reason } entries with their positions', () => {
		const file = parsePolicyText('version: 1\naccept:\n  - { finding: engine-socket, reason: "builds images with the host\'s Docker" }\n  - finding: added-capability\n    reason: gdb\n', 'airlock.yaml');
		assert.deepEqual(file.accept, [
			{ finding: 'engine-socket', reason: "builds images with the host's Docker", line: 3, column: 5 },
			{ finding: 'added-capability', reason: 'gdb', line: 4, column: 5 },
		]);
		assert.equal(parsePolicyText('version: 1\n', 'airlock.yaml').accept, undefined);
	});

	it('rejects an unknown id, a missing reason, a bare id and unknown keys, each at its position', () => {
		assert.deepEqual(problemsOf('version: 1\naccept:\n  - { finding: engine-sockets, reason: x }\n'), ['3:16 unknown finding "engine-sockets"']);
		assert.deepEqual(problemsOf('version: 1\naccept:\n  - { finding: privileged }\n'), ['3:5 accepting privileged needs a reason']);
		assert.deepEqual(problemsOf('version: 1\naccept:\n  - { finding: privileged, reason: "  " }\n'), ['3:36 reason must be text saying why the container needs this']);
		assert.deepEqual(problemsOf('version: 1\naccept:\n  - engine-socket\n'), ['3:5 an acceptance names the finding and the reason, got "engine-socket"']);
		assert.deepEqual(problemsOf('version: 1\naccept:\n  - { finding: device, reason: tun, host: x }\n'), ['3:37 unknown key "host" in an acceptance']);
		assert.deepEqual(problemsOf('version: 1\naccept: engine-socket\n'), ['2:9 accept must be a list of { finding, reason } entries']);
	});

	it('an acceptance is a plan term: in the hash, not in the policy hash; the user file may not accept', () => {
		const ws = makeTempWorkspace({ '.devcontainer/airlock.yaml': 'version: 1\nbaseline: false\nallow: [api.example.com]\n' });
		try {
			const before = buildPlan(readLayers(ws.dir, ws.env));
			ws.write('.devcontainer/airlock.yaml', 'version: 1\nbaseline: false\nallow: [api.example.com]\naccept:\n  - { finding: engine-socket, reason: "CI builds images" }\n  - { finding: engine-socket, reason: "twice is once" }\n');
			const after = buildPlan(readLayers(ws.dir, ws.env));
			assert.deepEqual(after.terms, ['accept engine-socket']);
			assert.equal(after.policyHash, before.policyHash);
			assert.notEqual(after.hash, before.hash);
			assert.equal(after.hash, planHashOf(after.policy, ['accept engine-socket']));
			assert.deepEqual(after.acceptances?.map((a) => [a.finding, a.reason, a.line]), [['engine-socket', 'CI builds images', 5], ['engine-socket', 'twice is once', 6]]);

			// The diff shows the acceptance, and an approval records it so the next diff is empty.
			const diff = diffPlans(before, after);
			assert.deepEqual(diff.acceptancesAdded, ['engine-socket']);
			assert.equal(isEmptyDiff(diff), false);
			recordApproval(ws.dir, after, { approvedBy: 'me' }, ws.env);
			const approval = readApproval(ws.dir, ws.env);
			assert.deepEqual(approval?.terms, ['accept engine-socket']);
			assert.ok(isEmptyDiff(diffPlans(approval?.plan, after)));
			assert.deepEqual(diffPlans(approval?.plan, before).acceptancesRemoved, ['engine-socket']);

			ws.write('../config/airlock/airlock.yaml', 'version: 1\naccept:\n  - { finding: privileged, reason: everywhere }\n');
			assert.throws(() => buildPlan(readLayers(ws.dir, ws.env)), (err: unknown) => err instanceof InvalidInputError && /would accept it for every repository/.test(err.message) && err.problems[0].line === 3);
		} finally {
			ws.cleanup();
		}
	});
});
