import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addAllowEntry, createPolicyFile, newPolicyText, setMode } from '../../extension/core/policyEdit';
import { parsePolicyText } from '../../extension/core/policyFile';
import { InvalidInputError } from '../../extension/core/errors';
import { makeTempWorkspace, type TempWorkspace } from './helpers/tempWorkspace';

describe('policy edits', () => {
	let ws: TempWorkspace;
	beforeEach(() => {
		ws = makeTempWorkspace();
	});
	afterEach(() => ws.cleanup());

	it('creates a valid new file and refuses to overwrite one', () => {
		const file = createPolicyFile(ws.dir, newPolicyText({ presets: ['npm', 'github'], allow: ['*.example.org'] }));
		const parsed = parsePolicyText(fs.readFileSync(file, 'utf8'), file);
		assert.deepEqual(parsed.presets.map((p) => p.name), ['npm', 'github']);
		assert.equal(parsed.allow[0].host, '*.example.org');
		assert.throws(() => createPolicyFile(ws.dir, newPolicyText()), InvalidInputError);
	});

	it('adds hosts keeping comments, quoting wildcards, and does nothing twice', () => {
		ws.write('.devcontainer/airlock.yaml', '# our policy\nversion: 1\nallow: [] # nothing yet\n');
		let result = addAllowEntry(ws.dir, { host: '*.Example.org' });
		assert.equal(result.changed, true);
		result = addAllowEntry(ws.dir, { host: 'git.example.com', ports: [22], reason: 'git over ssh' });
		const text = ws.read('.devcontainer/airlock.yaml');
		assert.match(text, /^# our policy\n/);
		const parsed = parsePolicyText(text, 'x');
		assert.deepEqual(parsed.allow.map((e) => [e.host, e.ports, e.reason]), [['*.example.org', undefined, undefined], ['git.example.com', [22], 'git over ssh']]);
		assert.equal(addAllowEntry(ws.dir, { host: 'git.example.com', ports: [22] }).changed, false);
		assert.equal(fs.readdirSync(path.join(ws.dir, '.devcontainer')).length, 1, 'no temporary files left');
	});

	it('rejects an invalid host and leaves the file untouched', () => {
		const before = 'version: 1\nallow: [a.example.com]\n';
		ws.write('.devcontainer/airlock.yaml', before);
		assert.throws(() => addAllowEntry(ws.dir, { host: '169.254.169.254' }), InvalidInputError);
		assert.throws(() => addAllowEntry(ws.dir, { host: 'a.example.com', ports: [0] }), InvalidInputError);
		assert.equal(ws.read('.devcontainer/airlock.yaml'), before);
	});

	it('refuses to edit a file that is already invalid', () => {
		const broken = 'version: 1\nallow: [localhost]\n';
		ws.write('.devcontainer/airlock.yaml', broken);
		assert.throws(() => addAllowEntry(ws.dir, { host: 'b.example.com' }), (err: unknown) => err instanceof InvalidInputError && /localhost/.test(err.message));
		assert.equal(ws.read('.devcontainer/airlock.yaml'), broken);
	});

	it('switches the mode', () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nmode: enforce # strict\nallow: []\n');
		assert.equal(setMode(ws.dir, 'audit').changed, true);
		assert.equal(parsePolicyText(ws.read('.devcontainer/airlock.yaml'), 'x').mode, 'audit');
		assert.equal(setMode(ws.dir, 'audit').changed, false);
	});

	it('adds a host without touching anything else in the file (layout, quotes, comments)', () => {
		const before = '# our policy\nversion: 1\nmode: enforce  # strict\npresets: [ npm ]\nallow:\n    - \'a.example.com\'   # single-quoted on purpose\n    - { host: git.example.com, ports: [22] }\n\n# trailing notes stay last\n';
		ws.write('.devcontainer/airlock.yaml', before);
		addAllowEntry(ws.dir, { host: 'b.example.com', reason: 'a long reason that would make a re-serialiser wrap the line at eighty columns, which reflows the file' });
		assert.equal(
			ws.read('.devcontainer/airlock.yaml'),
			before.replace('ports: [22] }\n', 'ports: [22] }\n    - { host: b.example.com, reason: "a long reason that would make a re-serialiser wrap the line at eighty columns, which reflows the file" }\n'),
		);
	});

	it('a new file says what both modes mean, so switching keeps the comment true', () => {
		const file = createPolicyFile(ws.dir, newPolicyText({}));
		setMode(ws.dir, 'audit');
		const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('mode:'));
		assert.match(line ?? '', /^mode: audit +# enforce: block what is not allowed · audit: let it through/);
	});

	it('switching the mode rewrites the old "# or audit" comment, and changes only the value otherwise', () => {
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nmode: enforce          # or audit: let everything through, log what enforce would block\nallow: []\n');
		setMode(ws.dir, 'audit');
		assert.equal(ws.read('.devcontainer/airlock.yaml'), 'version: 1\nmode: audit          # enforce: block what is not allowed · audit: let it through and log what enforce would block\nallow: []\n');
		ws.write('.devcontainer/airlock.yaml', 'version: 1\nallow: []\n');
		setMode(ws.dir, 'audit');
		assert.equal(ws.read('.devcontainer/airlock.yaml'), 'version: 1\nmode: audit\nallow: []\n');
	});
});
