import type { Mode } from '../enforcedPolicy';

/**
 * The status bar item's text: what is enforced and how many requests were blocked, in words
 * that say plainly when nothing is locked. Codicons (`$(name)`) are rendered by the editor.
 */
export type ContainerState =
	| 'locked'
	| 'weakened'
	| 'not-locked'
	| 'no-container'
	| 'engine-unreachable'
	| 'starting'
	| 'read-only';

export interface StatusInput {
	readonly containerState: ContainerState;
	/** The approved mode, or the plan's when nothing is approved. */
	readonly mode?: Mode;
	readonly blocked: number;
	/** The approved plan differs from the policy file, devcontainer.json or the container. */
	readonly drift: boolean;
	readonly approved: boolean;
}

export interface StatusView {
	readonly text: string;
	readonly tooltip: string;
	/** Whether the item should use the warning colours. */
	readonly warning: boolean;
}

const STATE_TEXT: Record<ContainerState, string> = {
	'locked': 'locked',
	'weakened': 'weakened (sudo allowed)',
	'not-locked': 'NOT LOCKED',
	'no-container': 'no locked container running',
	'engine-unreachable': 'Docker engine unreachable',
	'starting': 'connecting…',
	'read-only': 'inside the container (read-only)',
};

export function statusView(input: StatusInput): StatusView {
	const icon = input.containerState === 'locked' || input.containerState === 'weakened' ? '$(lock)' : input.containerState === 'not-locked' ? '$(unlock)' : '$(shield)';
	const mode = input.mode === 'audit' ? 'audit' : input.mode === 'enforce' ? 'enforce' : '';
	const blockedWord = input.mode === 'audit' ? 'would block' : 'blocked';
	const parts = [`${icon} Airlock`];
	if (mode) {
		parts.push(mode);
	}
	parts.push(`${input.blocked} ${blockedWord}`);
	if (input.drift) {
		parts.push('$(warning) drift');
	}
	const tooltipLines = [
		`Airlock: ${STATE_TEXT[input.containerState]}`,
		input.mode ? `Mode: ${input.mode}` : 'Mode: not approved yet',
		`${input.blocked} request${input.blocked === 1 ? '' : 's'} ${blockedWord} since the editor started`,
	];
	if (!input.approved) {
		tooltipLines.push('No plan approved for this repository yet: run "Airlock: Review & Approve Changes".');
	}
	if (input.drift) {
		tooltipLines.push('The policy file, devcontainer.json or the container differ from the approved plan: run "Airlock: Review & Approve Changes".');
	}
	tooltipLines.push('Click to show blocked hosts.');
	const warning = input.drift || input.containerState === 'not-locked' || input.containerState === 'engine-unreachable';
	return { text: parts.join(' · '), tooltip: tooltipLines.join('\n'), warning };
}
