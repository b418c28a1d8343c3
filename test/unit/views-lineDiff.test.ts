import { strict as assert } from 'node:assert';
import { diffHunks, diffTextLines } from '../../extension/core/views/lineDiff';

describe('views: line diff', () => {
	it('marks added and removed lines between common ones', () => {
		const lines = diffTextLines('a\nb\nc\nd\n', 'a\nB\nc\nd\ne\n');
		assert.deepEqual(lines.map((l) => `${l.kind[0]}${l.text}`), ['ca', 'rb', 'aB', 'cc', 'cd', 'ae']);
		assert.deepEqual(lines.map((l) => [l.oldLine ?? 0, l.newLine ?? 0]), [[1, 1], [2, 0], [0, 2], [3, 3], [4, 4], [0, 5]]);
	});

	it('groups changes into hunks with context, numbered like diff -u', () => {
		const old = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
		const changed = old.replace('line 2\n', 'line two\n').replace('line 18\n', 'line 18\nline 18b\n');
		const hunks = diffHunks(old, changed);
		assert.deepEqual(hunks.map((h) => h.header), ['@@ -1,5 +1,5 @@', '@@ -16,5 +16,6 @@']);
	});

	it('shows a new file as one hunk of added lines, and no hunks when nothing changed', () => {
		assert.deepEqual(diffHunks('', '{\n}\n').map((h) => [h.header, h.lines.map((l) => l.kind)]), [['@@ -0,0 +1,2 @@', ['added', 'added']]]);
		assert.deepEqual(diffHunks('same\n', 'same\n'), []);
	});
});
