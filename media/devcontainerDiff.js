// The review's "What Approve writes" section: each file Approve writes, as a diff, with one line
// of why under the changes it explains (the model is core/views/devcontainerChanges.ts). The
// +/− signs carry the meaning, so colour is never the only cue.

/**
 * @param {(tag: string, attrs?: object, ...children: any[]) => HTMLElement} h
 * @param {(name: string, label?: string) => HTMLElement} icon
 * @param {any} review `{ ok: true, preview, digest }` or `{ ok: false, message, problem? }`
 * @param {(message: object) => void} send
 */
export function devcontainerSection(h, icon, review, send) {
	const title = h('h2', { id: 'devcontainer-title' }, 'What Approve writes');
	if (!review.ok) {
		const children = [title, h('p', { class: 'devcontainer-error', id: 'devcontainer-error' }, icon('error', 'Problem'), ' Approve records the approval but cannot update the dev container configuration: ', review.message)];
		if (review.problem) {
			const p = review.problem;
			children.push(h('vscode-button', { id: 'open-config-problem', secondary: true, onclick: () => send({ type: 'openProblem', file: p.file, line: p.line, column: p.column }) }, `Open ${p.file.split('/').pop()}:${p.line}:${p.column}`));
		}
		return h('section', { class: 'devcontainer', id: 'devcontainer', 'aria-labelledby': 'devcontainer-title' }, ...children);
	}
	const preview = review.preview;
	return h(
		'section',
		{ class: 'devcontainer', id: 'devcontainer', 'aria-labelledby': 'devcontainer-title' },
		title,
		h('p', { id: 'devcontainer-summary' }, preview.summary),
		preview.files.map((file) => fileView(h, file)),
	);
}

const ACTION_TEXT = { create: 'new file', update: 'changed', copy: 'copied folder', delete: 'removed' };

function fileView(h, file) {
	const body = [h('p', { class: 'file-why' }, file.why)];
	if (file.hunks.length > 0) {
		body.push(h('div', { class: 'diff', role: 'group', 'aria-label': `Changes to ${file.file}` }, file.hunks.map((hunk) => hunkView(h, hunk, file.changes))));
	}
	const unplaced = file.changes.filter((c) => c.line === undefined || c.side === 'old');
	if (unplaced.length > 0) {
		body.push(h('ul', { class: 'changes' }, unplaced.map((c) => h('li', { 'data-path': c.path }, h('code', {}, c.path), ` ${c.kind}: ${c.what} — ${c.why}`))));
	}
	return h(
		'details',
		{ class: 'file', open: true, 'data-file': file.file },
		h('summary', {}, h('span', { class: 'file-name' }, file.file), ' ', h('span', { class: 'tag' }, ACTION_TEXT[file.action] || file.action)),
		...body,
	);
}

/**
 * One hunk as preformatted lines, each change's reason after its lines (changes that share a
 * reason, like the six proxy variables, share the line).
 */
function hunkView(h, hunk, changes) {
	const byLine = new Map();
	for (const c of changes) {
		if (c.line !== undefined && c.side === 'new') {
			byLine.set(c.line, [...(byLine.get(c.line) || []), c]);
		}
	}
	const out = [h('span', { class: 'hunk-header', 'aria-hidden': 'true' }, hunk.header)];
	/** @type {{ why: string, paths: string[] }[]} */
	let pending = [];
	const flush = () => {
		for (const group of pending) {
			out.push(h('span', { class: 'line-why', 'data-path': group.paths.join(' ') }, `   ↳ ${group.paths.join(', ')}: ${group.why}`));
		}
		pending = [];
	};
	for (const line of hunk.lines) {
		const starting = line.kind === 'added' ? byLine.get(line.newLine) || [] : [];
		// A reason goes right after the lines it explains: before the next change with another
		// reason starts, or where the changed lines end.
		if (line.kind === 'context' || starting.some((c) => !pending.some((g) => g.why === c.why))) {
			flush();
		}
		const sign = line.kind === 'added' ? '+' : line.kind === 'removed' ? '−' : ' ';
		const spoken = line.kind === 'added' ? 'added: ' : line.kind === 'removed' ? 'removed: ' : '';
		out.push(h('span', { class: `line line-${line.kind}` }, h('span', { class: 'sign', 'aria-hidden': 'true' }, sign), spoken ? h('span', { class: 'sr-only' }, spoken) : null, ' ', h('span', { class: 'code' }, line.text)));
		for (const c of starting) {
			const group = pending.find((g) => g.why === c.why);
			if (group) {
				group.paths.push(c.path);
			} else {
				pending.push({ why: c.why, paths: [c.path] });
			}
		}
	}
	flush();
	return h('pre', { class: 'hunk' }, out);
}
