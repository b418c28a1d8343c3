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
		for (const risk of row.risks) {
			details.push(h('div', { class: 'detail risk', 'data-kind': risk.kind }, icon('warning', 'risk'), ' ', risk.message));
		}
		// Rows are read, not operated: no tab stop each (the decision buttons come first instead);
		// the row "Allow…" proposed takes focus from code (tabindex -1).
		return h(
			'li',
			{ class: `row row-${row.change}${row.host === focusHost ? ' focus' : ''}`, 'data-host': row.host, tabindex: row.host === focusHost ? '-1' : undefined, 'aria-label': `${row.display}, ports ${row.ports}${CHANGE_TEXT[row.change] ? ', ' + CHANGE_TEXT[row.change] : ''}${row.risks.length ? `, ${row.risks.length} risk notes` : ''}` },
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
		const facts = h(
			'dl',
			{ class: 'facts' },
			h('dt', {}, 'Mode'),
			h('dd', { id: 'mode' }, view.modeChange ? `${view.modeChange.from} → ${view.modeChange.to}` : view.mode),
			h('dt', {}, 'Hosts'),
			h('dd', {}, `${view.counts.hosts} (${view.counts.risky} with risk notes)`),
			h('dt', {}, 'Plan hash'),
			h('dd', { class: 'hash', id: 'hash' }, view.hash),
			view.approvedHash ? [h('dt', {}, 'Approved'), h('dd', { class: 'hash' }, `${view.approvedHash}${view.approvedBy ? ` by ${view.approvedBy}` : ''}${view.approvedAt ? ` at ${view.approvedAt}` : ''}`)] : [],
		);
		const notes = view.notes.length > 0 ? h('section', { class: 'notes', 'aria-label': 'Notes' }, view.notes.map((n) => h('p', {}, icon('info'), ' ', n))) : null;
		const devcontainer = message.devcontainer && !readOnly ? devcontainerSection(h, icon, message.devcontainer, send) : null;
		const groups = h('section', { class: 'groups', 'aria-labelledby': 'hosts-title' }, h('h2', { id: 'hosts-title' }, 'Hosts'), view.groups.map((g) => groupView(g, focusHost, view.state === 'never-approved')));
		app.replaceChildren(header, actions, facts, notes || '', h('vscode-divider', {}), groups, ...(devcontainer ? [h('vscode-divider', {}), devcontainer] : []));
		const focused = focusHost ? [...app.querySelectorAll('li[data-host]')].find((li) => li.getAttribute('data-host') === focusHost) : undefined;
		if (focused) {
			focused.scrollIntoView({ block: 'center' });
			/** @type {HTMLElement} */ (focused).focus();
		}
		announceChange(message);
		shown = message;
		vscode.setState(message);
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
