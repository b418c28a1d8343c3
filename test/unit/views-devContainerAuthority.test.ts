import { strict as assert } from 'node:assert';
import { hostPathFromDevContainerAuthority } from '../../extension/vscode/devContainerAuthority';

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

describe('views: the host folder of a Dev Containers window', () => {
	it('reads a hex-encoded folder path', () => {
		assert.equal(hostPathFromDevContainerAuthority(`dev-container+${hex('/home/me/repo')}`), '/home/me/repo');
		assert.equal(hostPathFromDevContainerAuthority(`dev-container+${hex('C:\\src\\repo')}`), 'C:\\src\\repo');
	});

	it('reads hostPath from hex-encoded JSON, with or without a trailing @ part', () => {
		const json = hex(JSON.stringify({ hostPath: '/home/me/repo', configFile: { path: '/home/me/repo/.devcontainer/devcontainer.json' } }));
		assert.equal(hostPathFromDevContainerAuthority(`dev-container+${json}`), '/home/me/repo');
		assert.equal(hostPathFromDevContainerAuthority(`dev-container+${json}@ssh-remote+box`), '/home/me/repo');
	});

	it('gives up on anything else instead of guessing', () => {
		assert.equal(hostPathFromDevContainerAuthority('attached-container+abcd'), undefined);
		assert.equal(hostPathFromDevContainerAuthority('dev-container+abc'), undefined);
		assert.equal(hostPathFromDevContainerAuthority(`dev-container+${hex('relative/path')}`), undefined);
		assert.equal(hostPathFromDevContainerAuthority(`dev-container+${hex('{"configFile":"x"}')}`), undefined);
		assert.equal(hostPathFromDevContainerAuthority(`dev-container+${hex('{not json')}`), undefined);
	});
});
