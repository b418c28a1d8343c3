import type { Mode } from '../enforcedPolicy';
import { COMMAND, WORKBENCH_COMMAND } from './commandIds';

/**
 * The status bar item: the true state in words, and the one next step as its command.
 * Codicons (`$(name)`) are rendered by the editor.
 */

/** What the Docker side knows about the workspace's container. */
export type ContainerState =
	/** Not asked yet (the first answer is on its way). */
	| 'checking'
	/** A container runs; its lock has not been confirmed yet. */
	| 'starting'
	| 'locked'
	| 'weakened'
	| 'not-locked'
	| 'no-container'
	/** The workspace has a container, but it is not running. */
	| 'stopped'
	| 'engine-unreachable'
	| 'read-only';

/** The project's policy file: missing, present but invalid, or valid. */
export type PolicyState = 'none' | 'invalid' | 'valid';

/** Where the window is, as far as Airlock is concerned. */
export type WindowKind = 'no-folder' | 'host' | 'inside-container' | 'unknown';

export interface StatusInput {
	readonly where: WindowKind;
	readonly policy: PolicyState;
	readonly approved: boolean;
	/** The policy files resolve to a plan other than the approved one. */
	readonly policyChanged: boolean;
	/** devcontainer.json does not carry the approved plan. */
	readonly configDrift: boolean;
	/** The running container enforces a policy other than the approved one. */
	readonly liveDiffers: boolean;
	readonly containerState: ContainerState;
	/** The approved mode (the plan's when nothing is approved). */
	readonly mode?: Mode;
	readonly blockedHosts: number;
	readonly blockedRequests: number;
	/** "Start Locked Container" is running in this window. */
	readonly startInProgress: boolean;
	/** Microsoft's Dev Containers extension is installed (then "Reopen" is the way in). */
	readonly devContainersAvailable: boolean;
}

/** One name per state the item can show; tests and screenshots use them. */
export type StatusKey =
	| 'no-folder'
	| 'read-only'
	| 'unavailable'
	| 'checking'
	| 'not-set-up'
	| 'policy-errors'
	| 'not-approved'
	| 'changes-not-approved'
	| 'engine-unreachable'
	| 'no-container'
	| 'stopped'
	| 'starting'
	| 'locked'
	| 'weakened'
	| 'audit'
	| 'not-locked';

export interface StatusCommand {
	readonly id: string;
	/** What the click does, in the words of the command palette. */
	readonly title: string;
}

export interface StatusView {
	readonly key: StatusKey;
	readonly text: string;
	readonly tooltip: string;
	readonly severity: 'ok' | 'warning' | 'error';
	readonly command: StatusCommand;
	/** The text without codicons, for screen readers. */
	readonly label: string;
}

const STEP = {
	openFolder: { id: WORKBENCH_COMMAND.openFolder, title: 'Open Folder…' },
	lock: { id: COMMAND.lockRepository, title: 'Airlock: Lock This Repository…' },
	problems: { id: COMMAND.showPolicyProblems, title: 'Airlock: Show Policy Problems' },
	review: { id: COMMAND.reviewChanges, title: 'Airlock: Review & Approve Changes' },
	start: { id: COMMAND.startLocked, title: 'Airlock: Start Locked Container' },
	reopen: { id: COMMAND.reopenLocked, title: 'Airlock: Reopen in Locked Container' },
	log: { id: COMMAND.showLog, title: 'Airlock: Show Log' },
	blocked: { id: COMMAND.showBlocked, title: 'Airlock: Show Blocked Requests' },
	verify: { id: COMMAND.verify, title: 'Airlock: Verify Lockdown' },
	apply: { id: COMMAND.applyApproved, title: 'Airlock: Apply Approved Policy' },
	plan: { id: COMMAND.showPlan, title: 'Airlock: Show Plan' },
} as const satisfies Record<string, StatusCommand>;

function plural(n: number, word: string): string {
	return `${n} ${word}${n === 1 ? '' : 's'}`;
}

interface Shape {
	key: StatusKey;
	icon: string;
	words: string;
	/** One sentence for the tooltip. */
	meaning: string;
	severity: StatusView['severity'];
	command: StatusCommand;
}

/** Locked (or audit, or weakened) container: the count, and what else needs a look. */
function runningShape(input: StatusInput): Shape {
	const audit = input.mode === 'audit';
	const count = audit ? `${plural(input.blockedHosts, 'host')} would be blocked` : `${plural(input.blockedHosts, 'host')} blocked`;
	let shape: Shape;
	if (input.containerState === 'weakened') {
		shape = { key: 'weakened', icon: '$(lock)', words: `locked, sudo allowed · ${count}`, meaning: 'The container is locked, but the remote user keeps sudo (allowSudo), so the lock is weakened.', severity: 'warning', command: STEP.blocked };
	} else if (audit) {
		shape = { key: 'audit', icon: '$(eye)', words: `audit · ${count}`, meaning: 'Audit mode: requests go through the proxy and are logged with the verdict enforce mode would give; nothing is blocked.', severity: 'warning', command: STEP.blocked };
	} else {
		shape = { key: 'locked', icon: '$(lock)', words: `locked · ${count}`, meaning: 'The container is locked: only approved hosts are reachable, through the proxy.', severity: 'ok', command: STEP.blocked };
	}
	// What needs doing comes before watching blocks.
	if (input.liveDiffers) {
		return { ...shape, words: `${shape.words} · policy differs`, severity: 'warning', command: STEP.apply };
	}
	if (input.policy === 'invalid') {
		return { ...shape, words: `${shape.words} · policy has errors`, severity: 'warning', command: STEP.problems };
	}
	if (input.policyChanged) {
		return { ...shape, words: `${shape.words} · changes to review`, command: STEP.review };
	}
	return shape;
}

function shapeOf(input: StatusInput): Shape {
	const enter = input.devContainersAvailable ? STEP.reopen : STEP.start;
	switch (input.where) {
		case 'no-folder':
			return { key: 'no-folder', icon: '$(shield)', words: 'open a folder', meaning: 'No folder is open. Airlock locks the dev container of a repository folder.', severity: 'ok', command: STEP.openFolder };
		case 'inside-container':
			return { key: 'read-only', icon: '$(lock)', words: 'inside the container (read-only)', meaning: 'This window runs inside the container: Airlock shows the policy here; approvals happen on the host.', severity: 'ok', command: STEP.plan };
		case 'unknown':
			return { key: 'unavailable', icon: '$(shield)', words: 'unavailable in this window', meaning: 'Airlock cannot tell which folder on this machine is open here.', severity: 'warning', command: STEP.log };
		default:
			break;
	}
	if (input.startInProgress) {
		return { key: 'starting', icon: '$(loading~spin)', words: 'starting…', meaning: 'Starting the locked container (build, start, wait for the lock).', severity: 'ok', command: STEP.log };
	}
	switch (input.containerState) {
		case 'not-locked':
			return { key: 'not-locked', icon: '$(unlock)', words: 'NOT LOCKED', meaning: 'The container runs but its lock is not in place as approved (the reason is below). Verify Lockdown checks what gets out.', severity: 'error', command: STEP.verify };
		case 'locked':
		case 'weakened':
			return runningShape(input);
		case 'starting':
			return { key: 'starting', icon: '$(loading~spin)', words: 'starting…', meaning: 'A container is running; Airlock is waiting for it to report its lock.', severity: 'ok', command: STEP.log };
		default:
			break;
	}
	if (input.policy === 'none') {
		return { key: 'not-set-up', icon: '$(shield)', words: 'not set up', meaning: 'This repository has no Airlock policy (.devcontainer/airlock.yaml) yet.', severity: 'ok', command: STEP.lock };
	}
	if (input.policy === 'invalid') {
		return { key: 'policy-errors', icon: '$(error)', words: 'policy has errors', meaning: 'The policy file has errors (see Problems); nothing in it can be approved until they are fixed.', severity: 'error', command: STEP.problems };
	}
	if (!input.approved) {
		return { key: 'not-approved', icon: '$(shield)', words: 'not approved', meaning: 'Nothing is approved for this repository yet: its container would deny all egress.', severity: 'warning', command: STEP.review };
	}
	if (input.policyChanged) {
		return { key: 'changes-not-approved', icon: '$(shield)', words: 'changes not approved', meaning: 'The policy file differs from what you approved; nothing new is enforced until you approve it.', severity: 'warning', command: STEP.review };
	}
	switch (input.containerState) {
		case 'checking':
			return { key: 'checking', icon: '$(loading~spin)', words: 'checking…', meaning: 'Looking for the Docker engine and this folder\'s container.', severity: 'ok', command: STEP.log };
		case 'engine-unreachable':
			return { key: 'engine-unreachable', icon: '$(warning)', words: 'Docker engine unreachable', meaning: 'The Docker engine does not answer; Airlock keeps trying. Start the engine, or set DOCKER_HOST.', severity: 'warning', command: STEP.log };
		case 'stopped':
			return { key: 'stopped', icon: '$(debug-stop)', words: 'container stopped', meaning: 'This folder\'s locked container exists but is not running.', severity: 'ok', command: enter };
		default:
			return { key: 'no-container', icon: '$(debug-start)', words: 'approved · no container', meaning: 'The plan is approved; no locked container is running for this folder.', severity: 'ok', command: enter };
	}
}

export function statusView(input: StatusInput): StatusView {
	const shape = shapeOf(input);
	const text = `${shape.icon} Airlock: ${shape.words}`;
	const tooltip = [`Airlock: ${shape.meaning}`];
	if (input.where === 'host' && input.policy !== 'none') {
		tooltip.push(input.approved ? `Approved mode: ${input.mode ?? 'enforce'}` : 'Nothing approved yet');
	}
	if (input.blockedHosts > 0 || shape.key === 'locked' || shape.key === 'audit' || shape.key === 'weakened') {
		const verb = input.mode === 'audit' ? 'would be blocked' : 'blocked';
		tooltip.push(`${plural(input.blockedHosts, 'host')} ${verb} (${plural(input.blockedRequests, 'request')}) since the editor started`);
	}
	if (input.configDrift && input.approved) {
		tooltip.push('devcontainer.json does not carry the approved plan.');
	}
	tooltip.push(`Click: ${shape.command.title}`);
	return { key: shape.key, text, tooltip: tooltip.join('\n'), severity: shape.severity, command: shape.command, label: `Airlock: ${shape.words}` };
}
