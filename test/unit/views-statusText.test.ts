import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND } from '../../extension/core/views/commandIds';
import { statusView, type StatusInput } from '../../extension/core/views/statusText';

/** A host window with an approved plan and a locked container; each case changes what it tests. */
const LOCKED: StatusInput = {
	where: 'host',
	policy: 'valid',
	approved: true,
	policyChanged: false,
	configDrift: false,
	liveDiffers: false,
	containerState: 'locked',
	mode: 'enforce',
	blockedHosts: 0,
	blockedRequests: 0,
	startInProgress: false,
	devContainersAvailable: false,
};

function view(change: Partial<StatusInput>) {
	return statusView({ ...LOCKED, ...change });
}

describe('views: the status bar names the true state in words, with the next step', () => {
	const cases: [string, Partial<StatusInput>, string, string][] = [
		['no folder', { where: 'no-folder', policy: 'none', approved: false, containerState: 'no-container' }, 'open a folder', 'workbench.action.files.openFolder'],
		['no policy yet', { policy: 'none', approved: false, containerState: 'no-container' }, 'not set up', COMMAND.lockRepository],
		['a broken policy file', { policy: 'invalid', approved: false, containerState: 'no-container' }, 'policy has errors', COMMAND.showPolicyProblems],
		['a policy nobody approved', { approved: false, containerState: 'no-container' }, 'not approved', COMMAND.reviewChanges],
		['approved, changed since', { policyChanged: true, containerState: 'no-container' }, 'changes not approved', COMMAND.reviewChanges],
		['approved, no container', { containerState: 'no-container' }, 'approved · no container', COMMAND.startLocked],
		['the container stopped', { containerState: 'stopped' }, 'container stopped', COMMAND.startLocked],
		['our own start running', { containerState: 'no-container', startInProgress: true }, 'starting…', COMMAND.showLog],
		['a container that has not reported its lock', { containerState: 'starting' }, 'starting…', COMMAND.showLog],
		['locked', { blockedHosts: 2, blockedRequests: 5 }, 'locked · 2 hosts blocked', COMMAND.showBlocked],
		['locked in audit mode', { mode: 'audit', blockedHosts: 1, blockedRequests: 1 }, 'audit · 1 host would be blocked', COMMAND.showBlocked],
		['weakened', { containerState: 'weakened' }, 'locked, sudo allowed · 0 hosts blocked', COMMAND.showBlocked],
		['NOT LOCKED', { containerState: 'not-locked' }, 'NOT LOCKED', COMMAND.verify],
		['the engine does not answer', { containerState: 'engine-unreachable' }, 'Docker engine unreachable', COMMAND.showLog],
		['inside the container', { where: 'inside-container', containerState: 'read-only' }, 'inside the container (read-only)', COMMAND.showPlan],
	];
	for (const [name, change, words, command] of cases) {
		it(`${name}: "${words}"`, () => {
			const v = view(change);
			assert.equal(v.text.replace(/^\$\([a-z~-]+\) /, ''), `Airlock: ${words}`);
			assert.equal(v.label, `Airlock: ${words}`);
			assert.equal(v.command.id, command);
			assert.match(v.tooltip, new RegExp(`Click: ${v.command.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
		});
	}

	it('gives every state different words (the old item said "enforce · 0 blocked" in all of them)', () => {
		const byKey = new Map(cases.map(([, change]) => [view(change).key, view(change).text]));
		assert.equal(byKey.size, cases.length - 1, 'two cases are both "starting"');
		assert.equal(new Set(byKey.values()).size, byKey.size, [...byKey.values()].join('\n'));
	});

	it('with Dev Containers installed, the way into the container is "Reopen"', () => {
		assert.equal(view({ containerState: 'no-container', devContainersAvailable: true }).command.id, COMMAND.reopenLocked);
		assert.equal(view({ containerState: 'stopped', devContainersAvailable: true }).command.id, COMMAND.reopenLocked);
	});

	it('colours NOT LOCKED and a broken policy as errors, audit, weakened and unapproved as warnings', () => {
		assert.equal(view({ containerState: 'not-locked' }).severity, 'error');
		assert.equal(view({ policy: 'invalid', containerState: 'no-container' }).severity, 'error');
		assert.equal(view({ mode: 'audit' }).severity, 'warning');
		assert.equal(view({ containerState: 'weakened' }).severity, 'warning');
		assert.equal(view({ approved: false, containerState: 'no-container' }).severity, 'warning');
		assert.equal(view({}).severity, 'ok');
	});

	it('a locked container keeps saying locked, and names what needs doing next', () => {
		const differs = view({ liveDiffers: true });
		assert.equal(differs.label, 'Airlock: locked · 0 hosts blocked · policy differs');
		assert.equal(differs.command.id, COMMAND.applyApproved);
		const broken = view({ policy: 'invalid' });
		assert.equal(broken.label, 'Airlock: locked · 0 hosts blocked · policy has errors');
		assert.equal(broken.command.id, COMMAND.showPolicyProblems);
		const changed = view({ policyChanged: true });
		assert.equal(changed.label, 'Airlock: locked · 0 hosts blocked · changes to review');
		assert.equal(changed.command.id, COMMAND.reviewChanges);
	});

	it('counts hosts in the text, and hosts and requests in the tooltip', () => {
		const v = view({ blockedHosts: 1, blockedRequests: 4 });
		assert.match(v.text, /1 host blocked$/);
		assert.match(v.tooltip, /^1 host blocked \(4 requests\) since the editor started$/m);
	});

	it('NOT LOCKED wins over every policy question: the container is what is running', () => {
		assert.equal(view({ containerState: 'not-locked', policy: 'invalid', approved: false }).key, 'not-locked');
	});
});

describe('views: command ids', () => {
	it('every id the code uses is declared in package.json, and every declared command has an id', () => {
		const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
		const declared = pkg.contributes.commands.map((c) => c.command).sort();
		assert.deepEqual(Object.values(COMMAND).sort(), declared);
	});
});
