/**
 * The extension's command ids, one name each: package.json declares them, registration and
 * every caller (status bar, messages, views) use these. A unit test checks both agree.
 */
export const COMMAND = {
	lockRepository: 'airlock.lockRepository',
	showPlan: 'airlock.showPlan',
	reviewChanges: 'airlock.reviewChanges',
	allowHost: 'airlock.allowHost',
	showBlocked: 'airlock.showBlocked',
	showLog: 'airlock.showLog',
	verify: 'airlock.verify',
	switchMode: 'airlock.switchMode',
	reopenLocked: 'airlock.reopenLocked',
	startLocked: 'airlock.startLockedContainer',
	openTerminal: 'airlock.openContainerTerminal',
	applyApproved: 'airlock.applyApproved',
	showPolicyProblems: 'airlock.showPolicyProblems',
	reviewRequest: 'airlock.reviewRequest',
	rejectRequest: 'airlock.rejectRequest',
	showSuspects: 'airlock.showSuspects',
	proposePolicy: 'airlock.proposePolicy',
	proposeRemoveUnused: 'airlock.proposeRemoveUnused',
} as const;

export type CommandId = (typeof COMMAND)[keyof typeof COMMAND];

/** VS Code's own commands the status bar may point to. */
export const WORKBENCH_COMMAND = {
	openFolder: 'workbench.action.files.openFolder',
} as const;
