// Writes the extension's part of package.json: `contributes`, `activationEvents` and the
// scripts `package`, `test:ui`, `test:integration`. Other keys belong to other people, so the
// file is re-read right before writing and nothing else is touched.
import { readFileSync, writeFileSync } from 'node:fs';

const notInContainer = '!airlock.readOnly';
const hasFolder = 'workspaceFolderCount > 0';

const commands = [
	{ command: 'airlock.lockRepository', title: 'Lock This Repository…', icon: '$(lock)' },
	{ command: 'airlock.showPlan', title: 'Show Plan', icon: '$(list-tree)' },
	{ command: 'airlock.reviewChanges', title: 'Review & Approve Changes', icon: '$(checklist)' },
	{ command: 'airlock.allowHost', title: 'Allow Host…', icon: '$(add)' },
	{ command: 'airlock.showBlocked', title: 'Show Blocked Requests', icon: '$(output)' },
	{ command: 'airlock.verify', title: 'Verify Lockdown', icon: '$(shield)' },
	{ command: 'airlock.switchMode', title: 'Switch Mode (Enforce / Audit)…', icon: '$(settings)' },
	{
		command: 'airlock.reopenLocked',
		title: 'Reopen in Locked Container',
		icon: '$(remote)',
		enablement: 'airlock.devContainersAvailable',
	},
].map((c) => ({ category: 'Airlock', ...c }));

const contributes = {
	commands,
	viewsContainers: {
		activitybar: [{ id: 'airlock', title: 'Airlock', icon: 'media/airlock-activity.svg' }],
	},
	views: {
		airlock: [{ id: 'airlock.blockedHosts', name: 'Blocked Hosts', icon: 'media/airlock-activity.svg', contextualTitle: 'Airlock' }],
	},
	viewsWelcome: [
		{
			view: 'airlock.blockedHosts',
			contents: 'No blocked requests yet.\n[Show Plan](command:airlock.showPlan)\n[Show Blocked Requests Log](command:airlock.showBlocked)',
			when: 'airlock.hasPolicy',
		},
		{
			view: 'airlock.blockedHosts',
			contents: 'This folder has no Airlock policy yet.\n[Lock This Repository…](command:airlock.lockRepository)',
			when: '!airlock.hasPolicy && !airlock.readOnly',
		},
	],
	menus: {
		'view/item/context': [
			{ command: 'airlock.allowHost', when: `view == airlock.blockedHosts && viewItem == blockedHost && ${notInContainer}`, group: 'inline' },
			{ command: 'airlock.allowHost', when: `view == airlock.blockedHosts && viewItem == blockedHost && ${notInContainer}`, group: '1_allow' },
		],
		'view/title': [
			{ command: 'airlock.showPlan', when: 'view == airlock.blockedHosts', group: 'navigation@1' },
			{ command: 'airlock.showBlocked', when: 'view == airlock.blockedHosts', group: 'navigation@2' },
			{ command: 'airlock.verify', when: 'view == airlock.blockedHosts', group: 'navigation@3' },
		],
		commandPalette: [
			{ command: 'airlock.lockRepository', when: `${hasFolder} && ${notInContainer}` },
			{ command: 'airlock.showPlan', when: hasFolder },
			{ command: 'airlock.reviewChanges', when: `${hasFolder} && ${notInContainer}` },
			{ command: 'airlock.allowHost', when: `${hasFolder} && ${notInContainer}` },
			{ command: 'airlock.showBlocked', when: hasFolder },
			{ command: 'airlock.verify', when: hasFolder },
			{ command: 'airlock.switchMode', when: `${hasFolder} && ${notInContainer}` },
			{ command: 'airlock.reopenLocked', when: `${hasFolder} && ${notInContainer} && airlock.devContainersAvailable` },
		],
	},
	configuration: {
		title: 'Airlock',
		properties: {
			'airlock.notifyOnNewBlockedHost': {
				type: 'boolean',
				default: true,
				description: 'Show a notification the first time a new host is blocked (at most one every few seconds).',
			},
		},
	},
};

const activationEvents = ['workspaceContains:.devcontainer/airlock.yaml'];

const scripts = {
	package: 'node scripts/ui/package-vsix.mjs',
	'test:ui': 'bash scripts/ui/run.sh',
	'test:integration': 'bash scripts/ui/run-integration.sh',
};

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
pkg.contributes = contributes;
pkg.activationEvents = activationEvents;
pkg.scripts = { ...pkg.scripts, ...scripts };
writeFileSync('package.json', JSON.stringify(pkg, null, 2) + '\n');
