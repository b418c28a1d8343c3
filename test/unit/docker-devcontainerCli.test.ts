import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describeFetchFailure, devcontainerCliPath, parseDevcontainerUpOutput } from '../../extension/docker/devcontainerCli';

describe('docker: parseDevcontainerUpOutput', () => {
	it('reads the success line the devcontainer CLI prints last', () => {
		const stdout = 'some progress\n{"outcome":"success","containerId":"abc123","remoteUser":"dev","remoteWorkspaceFolder":"/workspaces/ws"}\n';
		assert.deepEqual(parseDevcontainerUpOutput(stdout), { outcome: 'success', containerId: 'abc123', remoteUser: 'dev', remoteWorkspaceFolder: '/workspaces/ws' });
	});

	it('reads the error line with its message and description', () => {
		const stdout = '{"outcome":"error","message":"Command failed: docker build","description":"An error occurred setting up the container."}';
		assert.deepEqual(parseDevcontainerUpOutput(stdout), { outcome: 'error', message: 'Command failed: docker build', description: 'An error occurred setting up the container.' });
	});

	it('takes the last result line and ignores other JSON and fields of the wrong type', () => {
		const stdout = '{"outcome":"error","message":"old"}\n{"progress":1}\n{"outcome":"success","containerId":7,"remoteUser":"dev"}\n[1]\n';
		assert.deepEqual(parseDevcontainerUpOutput(stdout), { outcome: 'success', remoteUser: 'dev' });
	});

	it('is undefined when there is no result line', () => {
		for (const stdout of ['', 'Error: spawn docker ENOENT', '{"outcome":"maybe"}', 'null']) {
			assert.equal(parseDevcontainerUpOutput(stdout), undefined, stdout);
		}
	});
});

describe('docker: devcontainerCliPath', () => {
	it('finds the installed @devcontainers/cli entry script', () => {
		const cli = devcontainerCliPath();
		assert.match(cli, /@devcontainers\/cli\/devcontainer\.js$/);
		assert.ok(fs.existsSync(cli), cli);
	});
});

describe('docker: why a published Feature cannot be fetched, in words', () => {
	it('names the cause the devcontainer CLI hit', () => {
		assert.equal(describeFetchFailure("[1 ms] Error: getaddrinfo ENOTFOUND ghcr.io; code: 'ENOTFOUND',\n", 1), 'the registry host ghcr.io does not resolve');
		assert.equal(describeFetchFailure("Error: connect ECONNREFUSED 127.0.0.1:5000; code: 'ECONNREFUSED',", 1), 'nothing answers at 127.0.0.1:5000 (is the registry running?)');
		assert.equal(describeFetchFailure('[x] Failed to fetch manifest: 401 Unauthorized', 1), 'the registry refused access (log in with `docker login`)');
		assert.equal(describeFetchFailure('[x] manifest unknown', 1), 'the registry has no such Feature or tag');
		assert.equal(describeFetchFailure('[x] something else failed here\n[y] trailing', 3), 'something else failed here');
		assert.equal(describeFetchFailure('', 3), 'exit 3');
	});
});
