import { strict as assert } from 'node:assert';
import { appendToTopLevelList, removeFromTopLevelList, setTopLevelScalar } from '../../extension/core/yamlSplice';

describe('yaml splices keep the rest of the file as written', () => {
	it('appends to a block list with its own indentation, after the last item and its comment', () => {
		const text = '# policy\nversion: 1\nallow:\n    - a.example.com   # first\n    - "*.b.example.org"\n\n# tail comment\n';
		assert.equal(
			appendToTopLevelList(text, 'allow', 'c.example.net'),
			'# policy\nversion: 1\nallow:\n    - a.example.com   # first\n    - "*.b.example.org"\n    - c.example.net\n\n# tail comment\n',
		);
	});

	it('appends to a compact block list (dash at the key\'s column) and to a file without a final newline', () => {
		assert.equal(appendToTopLevelList('allow:\n- a.example.com', 'allow', 'b.example.com'), 'allow:\n- a.example.com\n- b.example.com\n');
	});

	it('appends to a flow list in place, and turns an empty flow list into a block list keeping its comment', () => {
		assert.equal(appendToTopLevelList('allow: [a.example.com, b.example.com] # two\n', 'allow', 'c.example.com'), 'allow: [a.example.com, b.example.com, c.example.com] # two\n');
		assert.equal(appendToTopLevelList('version: 1\nallow: [] # nothing yet\nmode: audit\n', 'allow', 'a.example.com'), 'version: 1\nallow: # nothing yet\n  - a.example.com\nmode: audit\n');
	});

	it('adds a missing list, and fills an empty key', () => {
		assert.equal(appendToTopLevelList('version: 1\n', 'allow', 'a.example.com'), 'version: 1\nallow:\n  - a.example.com\n');
		assert.equal(appendToTopLevelList('version: 1\nallow:\nmode: enforce\n', 'allow', 'a.example.com'), 'version: 1\nallow:\n  - a.example.com\nmode: enforce\n');
	});

	it('replaces only a scalar value, and a trailing comment only when asked', () => {
		const text = 'version: 1\nmode:   enforce   # or audit: old words\nallow: []\n';
		assert.equal(setTopLevelScalar(text, 'mode', 'audit'), 'version: 1\nmode:   audit   # or audit: old words\nallow: []\n');
		assert.equal(setTopLevelScalar(text, 'mode', 'audit', { comment: () => '# new words' }), 'version: 1\nmode:   audit   # new words\nallow: []\n');
		assert.equal(setTopLevelScalar('# c\nversion: 1\nallow: []\n', 'mode', 'audit', { afterKey: 'version' }), '# c\nversion: 1\nmode: audit\nallow: []\n');
	});

	it('removes block items with their lines, flow items with their commas, and leaves [] when nothing is left', () => {
		const block = 'allow:\n  - a.example.com # keep\n  - { host: b.example.com, ports: [22] }\n  - c.example.com\nmode: enforce\n';
		assert.equal(removeFromTopLevelList(block, 'allow', (v) => JSON.stringify(v).includes('b.example')), 'allow:\n  - a.example.com # keep\n  - c.example.com\nmode: enforce\n');
		assert.equal(removeFromTopLevelList('presets: [npm, github, pip]\n', 'presets', (v) => v === 'github'), 'presets: [npm, pip]\n');
		assert.equal(removeFromTopLevelList('allow: # mine\n  # a comment\n  - a.example.com\nmode: audit\n', 'allow', () => true), 'allow: [] # mine\n  # a comment\nmode: audit\n');
	});
});
