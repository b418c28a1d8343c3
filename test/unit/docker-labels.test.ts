import * as assert from 'node:assert/strict';
import { localFolderCandidates, remoteUserFromMetadata } from '../../extension/docker/labels';
import { dockerEndpoint } from '../../extension/docker/connect';
import { EngineUnreachableError } from '../../extension/docker/errors';

describe('docker: remoteUserFromMetadata', () => {
	it('takes the last remoteUser in the devcontainer.metadata label', () => {
		const label = JSON.stringify([{ id: 'feature-a', remoteUser: 'root' }, { containerUser: 'app' }, { remoteUser: 'dev' }]);
		assert.equal(remoteUserFromMetadata(label), 'dev');
	});

	it('falls back to the last containerUser, like the devcontainer CLI', () => {
		assert.equal(remoteUserFromMetadata(JSON.stringify([{ containerUser: 'a' }, { containerUser: 'b' }])), 'b');
		assert.equal(remoteUserFromMetadata(JSON.stringify({ remoteUser: 'single' })), 'single');
	});

	it('is undefined when the label is absent, unreadable or names no user', () => {
		for (const label of [undefined, '', '{', '[1, null, "x"]', '[{"remoteUser": ""}]']) {
			assert.equal(remoteUserFromMetadata(label), undefined, String(label));
		}
	});
});

describe('docker: localFolderCandidates', () => {
	it('tries the real path first, then the path as given, without duplicates', () => {
		assert.deepEqual(localFolderCandidates('/home/me/link', '/srv/project'), ['/srv/project', '/home/me/link']);
		assert.deepEqual(localFolderCandidates('/srv/project', '/srv/project'), ['/srv/project']);
		assert.deepEqual(localFolderCandidates('/gone', undefined), ['/gone']);
	});
});

describe('docker: dockerEndpoint', () => {
	it('uses the default socket without DOCKER_HOST', () => {
		assert.deepEqual(dockerEndpoint({}), { description: '/var/run/docker.sock', options: { socketPath: '/var/run/docker.sock' } });
	});

	it('reads unix:// and tcp:// like the docker CLI', () => {
		assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).options, { socketPath: '/run/user/1000/docker.sock' });
		assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }).options, { host: '127.0.0.1', port: 2375, protocol: 'http' });
		assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1', DOCKER_TLS_VERIFY: '1' }).options, { host: '127.0.0.1', port: 2376, protocol: 'https' });
	});

	it('rejects schemes it cannot use with a message that says what to do', () => {
		assert.throws(() => dockerEndpoint({ DOCKER_HOST: 'ssh://me@host' }), (err: unknown) =>
			err instanceof EngineUnreachableError && /ssh: is not supported \(use unix:\/\/ or tcp:\/\/\).*Start Docker and retry/.test(err.message));
	});
});
