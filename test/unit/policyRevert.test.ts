import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { recordApproval, readApproval } from '../../extension/core/approvals';
import { resolvePlan } from '../../extension/core/plan';
import { setMode, addAllowEntry } from '../../extension/core/policyEdit';
import { revertProjectPolicy } from '../../extension/core/policyRevert';
import { makeTempWorkspace, type TempWorkspace } from './helpers/tempWorkspace';

const POLICY = '# ours\nversion: 1\nmode: enforce # strict\npresets: [npm]\nallow:\n  - a.example.com # first\n  - { host: git.example.com, ports: [22], reason: "ssh" }\n';

describe('reject: putting the policy file back to the approved plan', () => {
	let ws: TempWorkspace;
	beforeEach(() => {
		ws = makeTempWorkspace({ '.devcontainer/airlock.yaml': POLICY });
		recordApproval(ws.dir, resolvePlan(ws.dir, ws.env), {}, ws.env);
	});
	afterEach(() => ws.cleanup());

	function revert(): string {
		const approval = readApproval(ws.dir, ws.env);
		assert.ok(approval);
		const result = revertProjectPolicy(ws.dir, { planHash: approval.planHash, mode: approval.mode, entries: approval.plan.entries }, ws.env);
		assert.ok(result.ok, result.ok ? '' : result.why);
		return result.text;
	}

	it('takes out added hosts and presets and restores the mode, keeping comments and order', () => {
		addAllowEntry(ws.dir, { host: 'new.example.org' });
		setMode(ws.dir, 'audit');
		ws.write('.devcontainer/airlock.yaml', ws.read('.devcontainer/airlock.yaml').replace('presets: [npm]', 'presets: [npm, github]'));
		assert.equal(revert(), POLICY);
	});

	it('puts back an approved host the file lost, with its ports and reason', () => {
		ws.write('.devcontainer/airlock.yaml', POLICY.replace('  - { host: git.example.com, ports: [22], reason: "ssh" }\n', ''));
		const text = revert();
		assert.match(text, /^ {2}- \{ host: git\.example\.com, ports: \[22\], reason: "ssh" \}$/m);
		assert.match(text, /^# ours$/m);
	});

	it('leaves an unchanged file as it is', () => {
		assert.equal(revert(), POLICY);
	});

	it('says so instead of guessing when the difference comes from the user\'s own policy file', () => {
		const approval = readApproval(ws.dir, ws.env);
		assert.ok(approval);
		const userFile = `${ws.env.XDG_CONFIG_HOME}/airlock/airlock.yaml`;
		fs.mkdirSync(path.dirname(userFile), { recursive: true });
		fs.writeFileSync(userFile, 'version: 1\nallow: [mine.example.net]\n');
		const result = revertProjectPolicy(ws.dir, { planHash: approval.planHash, mode: approval.mode, entries: approval.plan.entries }, ws.env);
		assert.equal(result.ok, false);
		assert.match(result.ok ? '' : result.why, /user policy file/);
	});
});
