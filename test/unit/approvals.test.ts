import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { approvalFile, readApproval, readApprovedPolicy, recordApproval, workspaceKey, ApprovalRecordError } from '../../extension/core/approvals';
import { resolvePlan } from '../../extension/core/plan';
import { canonicalText, planHashOf, policyHash } from '../../extension/core/enforcedPolicy';
import { makeTempWorkspace, type TempWorkspace } from './helpers/tempWorkspace';

describe('approvals', () => {
	let ws: TempWorkspace;
	beforeEach(() => {
		ws = makeTempWorkspace({ '.devcontainer/airlock.yaml': 'version: 1\nbaseline: false\nallow:\n  - { host: a.example.com, reason: "the app API" }\n' });
	});
	afterEach(() => ws.cleanup());

	it('lives under $XDG_CONFIG_HOME/airlock/approvals, keyed by the workspace path', () => {
		const file = approvalFile(ws.dir, ws.env);
		assert.equal(path.dirname(file), path.join(ws.env.XDG_CONFIG_HOME as string, 'airlock', 'approvals'));
		assert.match(path.basename(file), /^workspace-[0-9a-f]{12}\.json$/);
		assert.equal(workspaceKey(ws.dir), workspaceKey(ws.dir + '/'));
	});

	it('records who, when, the hash and per-entry reasons, readable only by the owner', () => {
		assert.equal(readApproval(ws.dir, ws.env), undefined);
		const plan = resolvePlan(ws.dir, ws.env);
		recordApproval(ws.dir, plan, { now: new Date('2026-01-02T03:04:05Z') }, ws.env);
		const record = readApproval(ws.dir, ws.env);
		assert.ok(record);
		assert.equal(record.planHash, plan.hash);
		assert.equal(record.approvedBy, 'tester@test');
		assert.equal(record.approvedAt, '2026-01-02T03:04:05.000Z');
		assert.equal(record.canonicalPolicy, canonicalText(plan.policy));
		assert.deepEqual(record.plan.entries.map((e) => [e.host, e.approvedBy, e.why]), [['a.example.com', 'tester@test', 'the app API']]);
		assert.equal(fs.statSync(approvalFile(ws.dir, ws.env)).mode & 0o777, 0o600);
		// Atomic write: no temporary files are left next to the record.
		assert.deepEqual(fs.readdirSync(path.dirname(approvalFile(ws.dir, ws.env))), [path.basename(approvalFile(ws.dir, ws.env))]);
		assert.equal(readApprovedPolicy(ws.dir, ws.env)?.policy.rules[0].host, 'a.example.com');
	});

	it('keeps the original approver of entries that did not change', () => {
		recordApproval(ws.dir, resolvePlan(ws.dir, ws.env), { approvedBy: 'alice', now: new Date('2026-01-01T00:00:00Z') }, ws.env);
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nbaseline: false\nallow: [a.example.com, b.example.com]\n');
		recordApproval(ws.dir, resolvePlan(ws.dir, ws.env), { approvedBy: 'bob', note: 'needed for the build', now: new Date('2026-02-01T00:00:00Z') }, ws.env);
		const record = readApproval(ws.dir, ws.env);
		assert.deepEqual(record?.plan.entries.map((e) => [e.host, e.approvedBy, e.approvedAt.slice(0, 7), e.why]), [
			['a.example.com', 'alice', '2026-01', 'the app API'],
			['b.example.com', 'bob', '2026-02', 'needed for the build'],
		]);
		assert.equal(record?.approvedBy, 'bob');
	});

	it('gives the approval as one object: the text the proxy gets and both hashes', () => {
		const plan = resolvePlan(ws.dir, ws.env);
		recordApproval(ws.dir, plan, {}, ws.env);
		const approved = readApprovedPolicy(ws.dir, ws.env);
		assert.ok(approved);
		assert.equal(approved.text, canonicalText(plan.policy));
		assert.equal(approved.policyHash, policyHash(plan.policy));
		// With no terms the plan hash is the policy hash (records from before terms stay valid).
		assert.equal(approved.planHash, approved.policyHash);
		assert.deepEqual(approved.terms, []);
	});

	it('plan terms change the plan hash, in any order, but never the policy hash', () => {
		const policy = { mode: 'enforce' as const, rules: [{ host: 'a.example.com' }] };
		assert.equal(planHashOf(policy, []), policyHash(policy));
		const withTerms = planHashOf(policy, ['topology sidecar', 'accept engine-socket']);
		assert.notEqual(withTerms, policyHash(policy));
		assert.equal(planHashOf(policy, ['accept engine-socket', 'topology sidecar', 'accept engine-socket']), withTerms);
		assert.match(withTerms, /^sha256:[0-9a-f]{64}$/);
	});

	it('refuses a record whose terms were edited (the plan hash covers them)', () => {
		const plan = resolvePlan(ws.dir, ws.env);
		const record = recordApproval(ws.dir, plan, {}, ws.env);
		const file = approvalFile(ws.dir, ws.env);
		fs.writeFileSync(file, JSON.stringify({ ...record, terms: ['accept engine-socket'] }));
		assert.throws(() => readApproval(ws.dir, ws.env), (err: unknown) => err instanceof ApprovalRecordError && /does not match its hash/.test(err.message));
	});

	it('refuses a record whose policy does not match its hash', () => {
		recordApproval(ws.dir, resolvePlan(ws.dir, ws.env), {}, ws.env);
		const file = approvalFile(ws.dir, ws.env);
		const record = JSON.parse(fs.readFileSync(file, 'utf8'));
		record.canonicalPolicy = record.canonicalPolicy.replace('a.example.com', 'evil.example.com');
		fs.writeFileSync(file, JSON.stringify(record));
		assert.throws(() => readApproval(ws.dir, ws.env), (err: unknown) => err instanceof ApprovalRecordError && /does not match its hash/.test(err.message));
		fs.writeFileSync(file, '{not json');
		assert.throws(() => readApprovedPolicy(ws.dir, ws.env), ApprovalRecordError);
	});
});
