import { strict as assert } from 'node:assert';
import { addAcceptance } from '../../../extension/core/findings/acceptEdit';
import { protectHostCode } from '../../../extension/core/findings/safeDefaults';
import { examineWorkspace } from '../../../extension/core/findings';
import { InvalidInputError } from '../../../extension/core/errors';
import { diffPlans, resolvePlan } from '../../../extension/core/plan';
import { buildPlanView, diffLines } from '../../../extension/core/views/planView';
import { findingsViewFor } from '../../../extension/core/views/findingsView';
import { makeTempWorkspace } from '../helpers/tempWorkspace';

const DC = '.devcontainer/devcontainer.json';
const POLICY = '# the project\'s policy\nversion: 1\nbaseline: false\nallow:\n  - api.example.com   # the API\n';

describe('views: the container findings group of the plan review', () => {
	it('puts an unaccepted blocker above the hosts with a refusal headline and a relative location; accepted, below', () => {
		const ws = makeTempWorkspace({ [DC]: '{\n  "image": "alpine",\n  "runArgs": ["--network=host"]\n}\n', '.devcontainer/airlock.yaml': POLICY });
		try {
			const plan = resolvePlan(ws.dir, ws.env);
			const view = buildPlanView(plan, diffPlans(undefined, plan), undefined, findingsViewFor(ws.dir, plan));
			const findings = view.findings;
			assert.ok(findings);
			assert.equal(findings.placement, 'above-hosts');
			assert.equal(findings.openBlockers, 1);
			assert.match(findings.headline, /Approve is refused until each is removed, or accepted in airlock\.yaml with a reason/);
			const row = findings.rows.find((r) => r.id === 'host-network');
			assert.deepEqual([row?.location, row?.severity, row?.accepted, row?.title], ['.devcontainer/devcontainer.json:3:15', 'blocker', false, "The host's network (or another container's)"]);
			assert.equal(findings.warnings, 3, 'the editor channels');

			addAcceptance(ws.dir, 'host-network', 'a network benchmark that needs the host stack');
			const accepted = resolvePlan(ws.dir, ws.env);
			const after = buildPlanView(accepted, diffPlans(plan, accepted), { planHash: plan.hash, approvedBy: 'me', approvedAt: 'now' }, findingsViewFor(ws.dir, accepted));
			assert.equal(after.findings?.placement, 'below-hosts');
			assert.equal(after.findings?.openBlockers, 0);
			assert.equal(after.findings?.rows.find((r) => r.id === 'host-network')?.acceptedBecause, 'a network benchmark that needs the host stack');
			assert.deepEqual(after.acceptanceChanges, { added: ['host-network'], removed: [] });
			assert.equal(after.state, 'changed');
			assert.match(after.headline, /1 container finding acceptance changed/);
			assert.deepEqual(diffLines(diffPlans(plan, accepted)), ['+ accept host-network (container finding)']);
		} finally {
			ws.cleanup();
		}
	});

	it('a configuration that does not parse is shown with where, above the hosts', () => {
		const ws = makeTempWorkspace({ [DC]: '{ "image": ', '.devcontainer/airlock.yaml': POLICY });
		try {
			const plan = resolvePlan(ws.dir, ws.env);
			const findings = findingsViewFor(ws.dir, plan);
			assert.equal(findings.placement, 'above-hosts');
			assert.match(findings.problems[0].message, /^\.devcontainer\/devcontainer\.json:1:\d+: not valid JSONC/);
		} finally {
			ws.cleanup();
		}
	});
});

describe('policy edit: accept a finding from the editor', () => {
	it('appends { finding, reason } keeping comments, once; refuses an empty reason; the result parses', () => {
		const ws = makeTempWorkspace({ '.devcontainer/airlock.yaml': POLICY });
		try {
			assert.deepEqual(addAcceptance(ws.dir, 'engine-socket', 'builds images').changed, true);
			assert.deepEqual(addAcceptance(ws.dir, 'engine-socket', 'again').changed, false);
			addAcceptance(ws.dir, 'device', 'needs /dev/kvm');
			const text = ws.read('.devcontainer/airlock.yaml');
			assert.match(text, /# the project's policy/);
			assert.match(text, /api\.example\.com +# the API/);
			assert.match(text, /accept:\n {2}- \{ finding: engine-socket, reason: builds images \}\n {2}- \{ finding: device, reason: needs \/dev\/kvm \}\n$/);
			assert.deepEqual(resolvePlan(ws.dir, ws.env).terms, ['accept device', 'accept engine-socket']);
			assert.throws(() => addAcceptance(ws.dir, 'privileged', '  '), InvalidInputError);
		} finally {
			ws.cleanup();
		}
	});
});

describe('safe default: keep the code that runs on the host read-only', () => {
	it('adds read-only binds for the host-run paths (an empty .vscode made for its bind), once; the finding then goes away', () => {
		const ws = makeTempWorkspace({
			[DC]: '{\n\t// mine\n\t"image": "alpine",\n\t"mounts": ["source=${localWorkspaceFolder}/.git/hooks,target=${containerWorkspaceFolder}/.git/hooks,type=bind"]\n}\n',
			'.git/hooks/pre-commit': '#!/bin/sh\n',
			'.git/config': '[core]\n',
			'.devcontainer/airlock.yaml': POLICY,
		});
		try {
			const before = examineWorkspace(ws.dir, { editorChannels: false }).findings;
			assert.deepEqual(before.map((f) => f.id), ['host-code-writable']);
			const view = findingsViewFor(ws.dir, resolvePlan(ws.dir, ws.env));
			assert.match(view.rows[0].offer?.cost ?? '', /husky/);
			assert.deepEqual(protectHostCode(ws.dir).added, ['.git/hooks', '.git/config', '.vscode']);
			const text = ws.read(DC);
			assert.match(text, /\/\/ mine/);
			assert.equal((text.match(/\.git\/hooks,type=bind,readonly/g) ?? []).length, 1, 'the writable bind was replaced, not doubled');
			assert.match(text, /\.git\/config,type=bind,readonly/);
			assert.deepEqual(protectHostCode(ws.dir).added, []);
			assert.deepEqual(examineWorkspace(ws.dir, { editorChannels: false }).findings, []);
		} finally {
			ws.cleanup();
		}
	});

	it('says where the binds go for a Compose config instead of writing what Compose would make writable', () => {
		const ws = makeTempWorkspace({ [DC]: '{ "dockerComposeFile": "c.yml", "service": "a" }', '.devcontainer/c.yml': 'services:\n  a:\n    image: alpine\n', '.vscode/settings.json': '{}' });
		try {
			assert.throws(() => protectHostCode(ws.dir), (err: unknown) => err instanceof InvalidInputError && /read_only: true/.test(err.problems[0].hint ?? ''));
		} finally {
			ws.cleanup();
		}
	});
});
