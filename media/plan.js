// The plan review webview. Renders the model the extension posts (core/views/planView.ts) with
// DOM calls only (no innerHTML), so host names and reasons from the repository are inert text.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { devcontainerSection } from './devcontainerDiff.js';

(function () {
	const vscode = acquireVsCodeApi();
	const app = /** @type {HTMLElement} */ (document.getElementById('app'));
	// The only live region: short news of what changed, never the whole page.
	const announcer = /** @type {HTMLElement} */ (document.getElementById('announce'));
	/** The last message rendered, to tell what changed. */
	let shown;

	function announce(text) {
		// Cleared first, so the same words said twice are read twice.
		announcer.textContent = '';
		window.setTimeout(() => {
			announcer.textContent = text;
		}, 50);
	}

	/** Creates an element with attributes and children (strings become text nodes). */
	function h(tag, attrs, ...children) {
		const el = document.createElement(tag);
		for (const [key, value] of Object.entries(attrs || {})) {
			if (value === undefined || value === null || value === false) {
				continue;
			}
			if (key.startsWith('on')) {
				el.addEventListener(key.slice(2), value);
			} else if (value === true) {
				el.setAttribute(key, '');
			} else {
				el.setAttribute(key, String(value));
			}
		}
		for (const child of children.flat()) {
			if (child === undefined || child === null || child === false) {
				continue;
			}
			el.append(typeof child === 'string' ? document.createTextNode(child) : child);
		}
		return el;
	}

	function icon(name, label) {
		return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': label ? undefined : 'true', role: label ? 'img' : undefined, 'aria-label': label });
	}

	const CHANGE_TEXT = { added: 'new', changed: 'changed', removed: 'removed' };

	function rowView(row, focusHost) {
		const badges = [];
		if (CHANGE_TEXT[row.change]) {
			badges.push(h('span', { class: `change change-${row.change}` }, CHANGE_TEXT[row.change]));
		}
		if (row.wildcard) {
			badges.push(h('span', { class: 'tag' }, 'wildcard'));
		}
		if (row.requested) {
			badges.push(h('span', { class: 'tag requested' }, 'requested by the agent'));
		}
		if (row.usage && row.usage.unused) {
			badges.push(h('span', { class: 'tag unused' }, 'unused'));
		}
		const details = [];
		if (row.changeDetails.length > 0) {
			details.push(h('div', { class: 'detail change-details' }, row.changeDetails.join('; ')));
		}
		for (const reason of row.reasons) {
			details.push(h('div', { class: 'detail reason' }, icon('info'), ' ', reason));
		}
		if (row.alsoFrom.length > 0) {
			details.push(h('div', { class: 'detail also' }, `also from ${row.alsoFrom.join(', ')}`));
		}
		if (row.folded.length > 0) {
			details.push(h('div', { class: 'detail folded' }, `covers ${row.folded.join(', ')}`));
		}
		if (row.requested) {
			// The agent's own words: a text node like everything else here, quoted so it reads as a quote.
			const times = row.requested.count > 1 ? ` (asked ${row.requested.count} times)` : '';
			details.push(h('div', { class: 'detail requested' }, icon('comment'), ' ', `The agent asked for it${times}: “${row.requested.why}”`));
		}
		if (row.usage) {
			const names = row.usage.names.length > 0 ? ` — names seen: ${row.usage.names.join(', ')}` : '';
			details.push(h('div', { class: `detail usage${row.usage.unused ? ' unused' : ''}` }, icon('pulse'), ' ', `${row.usage.text}${names}`));
		}
		for (const risk of row.risks) {
			details.push(h('div', { class: 'detail risk', 'data-kind': risk.kind }, icon('warning', 'risk'), ' ', risk.message));
		}
		// Rows are read, not operated: no tab stop each (the decision buttons come first instead);
		// the row "Allow…" proposed takes focus from code (tabindex -1).
		return h(
			'li',
			{ class: `row row-${row.change}${row.host === focusHost ? ' focus' : ''}${row.requested ? ' row-requested' : ''}`, 'data-host': row.host, tabindex: row.host === focusHost ? '-1' : undefined, 'aria-label': `${row.display}, ports ${row.ports}${CHANGE_TEXT[row.change] ? ', ' + CHANGE_TEXT[row.change] : ''}${row.requested ? ', requested by the agent' : ''}${row.usage && row.usage.unused ? ', unused' : ''}${row.risks.length ? `, ${row.risks.length} risk notes` : ''}` },
			h('div', { class: 'row-head' }, h('span', { class: 'host' }, row.display), h('span', { class: 'ports' }, row.ports), ...badges),
			...details,
		);
	}

	/**
	 * Open what needs a look: everything before the first approval, else the groups with changes.
	 * A native disclosure (<details>/<summary>): a button with its expanded state that Enter and
	 * Space toggle, in every browser and screen reader.
	 */
	function groupView(group, focusHost, reviewAll) {
		const hasNews = group.rows.some((r) => r.change !== 'unchanged' || r.host === focusHost);
		return h(
			'details',
			{ class: 'group', open: reviewAll || hasNews || group.source === 'project' || group.source === 'user', 'data-source': group.source },
			h('summary', {}, h('span', { class: 'group-title' }, `${group.title} (${group.rows.length})`), ' ', h('span', { class: 'group-description' }, group.description)),
			h('ul', { class: 'rows', role: 'list' }, group.rows.map((r) => rowView(r, focusHost))),
		);
	}

	const HEADLINE_ICON = { approved: 'pass', changed: 'warning', 'never-approved': 'warning' };

	/** Before "Lock This Repository…" there is nothing to approve: say so, and offer the step. */
	function renderNoPolicy() {
		app.replaceChildren(
			h('header', {}, h('h1', {}, icon('shield'), ' Airlock egress plan'), h('p', { class: 'headline state-none', id: 'headline' }, icon('info'), ' This repository has no Airlock policy yet.')),
			h('div', { class: 'actions', role: 'group', 'aria-label': 'Next step' }, h('vscode-button', { id: 'lock', onclick: () => send({ type: 'lock' }) }, 'Lock This Repository…')),
			h(
				'p',
				{ class: 'explain' },
				'Locking writes .devcontainer/airlock.yaml with the presets this repository suggests (you choose them). You then review the plan here — every host, where it came from, what it risks, and what Approve writes to devcontainer.json — and approve it. Until then nothing is approved, and a locked container would deny all egress.',
			),
		);
	}

	// ---- Container findings (core/views/findingsView.ts): settings that go around the proxy ----

	/** Inside the container the review is read-only: no offers that write files. */
	let readOnlyView = false;

	function openFinding(f) {
		return (event) => {
			event.preventDefault();
			send({ type: 'openProblem', file: f.file, line: f.line, column: f.column });
		};
	}

	function findingRow(f, newlyAccepted) {
		const state = f.accepted ? 'accepted' : f.severity;
		const details = [h('div', { class: 'detail finding-detail' }, f.detail)];
		if (f.acceptedBecause) {
			details.push(h('div', { class: 'detail reason' }, icon('pass'), ' accepted on purpose: ', f.acceptedBecause));
		}
		if (f.offer && !readOnlyView) {
			details.push(h('div', { class: 'detail offer' }, h('vscode-button', { secondary: true, class: 'offer-button', 'data-action': f.offer.action, onclick: () => send({ type: f.offer.action }) }, f.offer.label), ' ', h('span', { class: 'offer-cost' }, f.offer.cost)));
		}
		return h(
			'li',
			// No tab stop of its own: its link (the file and line) is the one thing to operate.
			{ class: `row finding finding-${state}`, 'data-finding': f.id, 'aria-label': `${f.title}: ${state}${newlyAccepted ? ', newly accepted' : ''}, at ${f.location}` },
			h('div', { class: 'row-head' },
				icon(state === 'blocker' ? 'error' : state === 'accepted' ? 'pass' : 'warning'),
				h('span', { class: 'host finding-id' }, f.id),
				h('span', { class: `change finding-state finding-state-${state}` }, state),
				newlyAccepted ? h('span', { class: 'change change-added' }, 'new') : null,
				h('a', { href: '#', class: 'location', title: `Open ${f.location}`, onclick: openFinding(f) }, f.location)),
			...details,
		);
	}

	/** Its own group: above the hosts while a blocker is not accepted (Approve refuses then), below otherwise. */
	function findingsSection(findings, changes) {
		if (!findings) {
			return null;
		}
		const added = (changes && changes.added) || [];
		const parts = [];
		if (findings.openBlockers) {
			parts.push(`${findings.openBlockers} blocking`);
		}
		if (findings.acceptedBlockers) {
			parts.push(`${findings.acceptedBlockers} accepted`);
		}
		parts.push(`${findings.warnings} warning${findings.warnings === 1 ? '' : 's'}`);
		const blocked = findings.openBlockers > 0 || findings.problems.length > 0;
		// A native disclosure like the host groups; the headline is read with the group (the live
		// region announces changes), not as an alert on every redraw.
		const group = h(
			'details',
			{ class: 'group', open: blocked || added.length > 0, 'data-source': 'findings' },
			h('summary', {}, h('span', { class: 'group-title' }, `Container settings (${parts.join(', ')})`), ' ', h('span', { class: 'group-description' }, 'What the container itself lets the agent reach, around the proxy.')),
		);
		group.append(
			h('p', { class: `findings-headline${blocked ? ' blocked' : ''}`, id: 'findings-headline' }, blocked ? icon('error', 'Blocking') : null, blocked ? ' ' : null, findings.headline),
			findings.problems.length ? h('ul', { class: 'rows', role: 'list' }, findings.problems.map((p) => h('li', { class: 'row finding finding-blocker' }, h('a', { href: '#', class: 'location', onclick: openFinding(p) }, p.message)))) : '',
			h('ul', { class: 'rows', role: 'list' }, findings.rows.map((f) => findingRow(f, added.includes(f.id)))),
			...findings.unusedAcceptances.map((n) => h('p', { class: 'detail' }, icon('info'), ' ', n)),
			...((changes && changes.removed) || []).map((id) => h('p', { class: 'detail change-removed' }, `no longer accepted: ${id}`)),
		);
		return h('section', { class: `findings findings-${findings.placement}`, id: 'findings', 'aria-label': 'Container settings' }, group);
	}

	function render(message) {
		const { view, readOnly, busy, focusHost } = message;
		if (message.setup === 'no-policy') {
			renderNoPolicy();
			if (!shown || shown.setup !== 'no-policy') {
				announce(shown ? 'This repository has no Airlock policy yet.' : '');
			}
			shown = message;
			vscode.setState(message);
			return;
		}
		const header = h(
			'header',
			{},
			h('h1', {}, icon('shield'), ' Airlock egress plan'),
			h('p', { class: `headline state-${view.state}`, id: 'headline' }, icon(HEADLINE_ICON[view.state] || 'info'), ' ', view.headline),
		);
		// The decision comes before the rows, so the keyboard reaches it at once.
		let actions;
		if (readOnly) {
			actions = h('p', { class: 'read-only', role: 'note' }, icon('lock'), ' Read-only inside the container: approvals happen on the host, where the container cannot change them. Reopen the folder locally to approve.');
		} else {
			const digest = message.devcontainer && message.devcontainer.ok ? message.devcontainer.digest : undefined;
			const approve = h('vscode-button', { id: 'approve', disabled: busy || view.state === 'approved', onclick: () => send({ type: 'approve', hash: view.hash, ...(digest ? { configDigest: digest } : {}) }) }, view.state === 'approved' ? 'Approved' : 'Approve');
			const reject = h('vscode-button', { id: 'reject', secondary: true, disabled: busy || view.state === 'approved', onclick: () => send({ type: 'reject' }) }, 'Reject');
			const open = h('vscode-button', { id: 'open-policy', secondary: true, onclick: () => send({ type: 'openPolicy' }) }, 'Open Policy File');
			actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Decision' }, approve, reject, open, busy ? h('vscode-progress-ring', { 'aria-label': 'Approving and applying' }) : null);
		}
		readOnlyView = readOnly;
		const facts = h(
			'dl',
			{ class: 'facts' },
			h('dt', {}, 'Mode'),
			h('dd', { id: 'mode' }, view.modeChange ? `${view.modeChange.from} → ${view.modeChange.to}` : view.mode),
			h('dt', {}, 'Topology'),
			h('dd', { id: 'topology' }, view.topologyChange ? `${view.topologyChange.from} → ${view.topologyChange.to}` : view.topology === 'sidecar' ? 'sidecar (the proxy in a container of its own; the agent may be root)' : 'single (the lock in the agent\'s container)'),
			h('dt', {}, 'Hosts'),
			h('dd', {}, `${view.counts.hosts} (${view.counts.risky} with risk notes)`),
			h('dt', {}, 'Plan hash'),
			h('dd', { class: 'hash', id: 'hash' }, view.hash),
			view.approvedHash ? [h('dt', {}, 'Approved'), h('dd', { class: 'hash' }, `${view.approvedHash}${view.approvedBy ? ` by ${view.approvedBy}` : ''}${view.approvedAt ? ` at ${view.approvedAt}` : ''}`)] : [],
		);
		const notes = view.notes.length > 0 ? h('section', { class: 'notes', 'aria-label': 'Notes' }, view.notes.map((n) => h('p', {}, icon('info'), ' ', n))) : null;
		const devcontainer = message.devcontainer && !readOnly ? devcontainerSection(h, icon, message.devcontainer, send) : null;
		const groups = h('section', { class: 'groups', 'aria-labelledby': 'hosts-title' }, h('h2', { id: 'hosts-title' }, 'Hosts'), view.groups.map((g) => groupView(g, focusHost, view.state === 'never-approved')));
		const usage = usageView(view, readOnly);
		// Container findings: their own group, above the hosts while a blocker is not accepted.
		const findings = findingsSection(view.findings, view.acceptanceChanges);
		const above = findings && view.findings.placement === 'above-hosts';
		app.replaceChildren(
			header, actions, facts, notes || '', h('vscode-divider', {}),
			(above && findings) || '', groups, usage || '', (!above && findings) || '',
			...(devcontainer ? [h('vscode-divider', {}), devcontainer] : []),
		);
		const focused = focusHost ? [...app.querySelectorAll('li[data-host]')].find((li) => li.getAttribute('data-host') === focusHost) : undefined;
		if (focused) {
			focused.scrollIntoView({ block: 'center' });
			/** @type {HTMLElement} */ (focused).focus();
		}
		announceChange(message);
		shown = message;
		vscode.setState(message);
	}

	/** Unused entries: which, and (on the host) a button that proposes removing this repository's ones. */
	function usageView(view, readOnly) {
		const u = view.usage;
		if (!u || (u.removable.length === 0 && u.elsewhere.length === 0)) {
			return null;
		}
		const parts = [];
		if (u.removable.length > 0) {
			parts.push(h('p', {}, icon('pulse'), ' ', `Not used for ${u.unusedAfterDays} days, from this repository's policy: ${u.removable.join(', ')}.`));
			if (!readOnly) {
				parts.push(h('vscode-button', { id: 'propose-remove-unused', secondary: true, onclick: () => send({ type: 'proposeRemoveUnused' }) }, `Propose Removing ${u.removable.length} Unused`));
			}
		}
		if (u.elsewhere.length > 0) {
			parts.push(h('p', { class: 'elsewhere' }, `Also unused, from presets, the baseline or your user file: ${u.elsewhere.join(', ')}.`));
		}
		return h('section', { class: 'usage', id: 'usage', 'aria-label': 'Unused entries' }, parts);
	}

	/** Says what changed since the last render (nothing on the first: the page itself is read then). */
	function announceChange(message) {
		if (!shown || shown.type !== 'plan' || !shown.view) {
			return;
		}
		if (message.busy && !shown.busy) {
			announce('Approving and applying…');
		} else if (!message.busy && shown.busy) {
			announce(message.view.headline);
		} else if (message.view.hash !== shown.view.hash || message.view.state !== shown.view.state) {
			announce(`Plan updated. ${message.view.headline}`);
		}
	}

	function renderError(message) {
		const children = [h('h1', {}, icon('error'), ' The plan cannot be shown'), h('p', { class: 'error', id: 'error' }, message.message)];
		if (message.problem) {
			const p = message.problem;
			children.push(h('vscode-button', { id: 'open-problem', onclick: () => send({ type: 'openProblem', file: p.file, line: p.line, column: p.column }) }, `Open ${p.file.split('/').pop()}:${p.line}:${p.column}`));
		}
		app.replaceChildren(...children);
		if (!shown || shown.type !== 'error' || shown.message !== message.message) {
			announce('The plan cannot be shown: the policy has a problem.');
		}
		shown = message;
	}

	function send(message) {
		vscode.postMessage(message);
	}

	window.addEventListener('message', (event) => {
		const message = event.data;
		if (message.type === 'plan') {
			render(message);
		} else if (message.type === 'error') {
			renderError(message);
		}
	});

	const previous = vscode.getState();
	if (previous && previous.type === 'plan') {
		render(previous);
	}
	send({ type: 'ready' });
})();
