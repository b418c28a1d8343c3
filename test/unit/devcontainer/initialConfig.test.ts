import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planDevcontainer } from '../../../extension/core/devcontainer';
import { initialConfigFor, remoteUserOfDockerfile } from '../../../extension/core/devcontainer/initialConfig';
import { InvalidInputError } from '../../../extension/core/errors';
import { APPROVED, tempDir } from './fixtureCases';

describe('a new devcontainer.json starts from what .devcontainer holds', () => {
	const cleanups: string[] = [];
	afterEach(() => {
		for (const dir of cleanups.splice(0)) {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
	function workspace(files: Record<string, string>): string {
		const ws = path.join(tempDir('initial'), 'shop');
		cleanups.push(path.dirname(ws));
		for (const [rel, text] of Object.entries(files)) {
			fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
			fs.writeFileSync(path.join(ws, rel), text);
		}
		return ws;
	}

	it('reads the remote user from a Dockerfile: its last non-root USER, else the user it creates', () => {
		assert.equal(remoteUserOfDockerfile('FROM debian\nRUN useradd -m -s /bin/bash dev\nUSER dev\n'), 'dev');
		assert.equal(remoteUserOfDockerfile('FROM debian\nRUN apt-get update && useradd --create-home --uid 1000 builder && true\n'), 'builder');
		assert.equal(remoteUserOfDockerfile('FROM debian\nRUN adduser --disabled-password node\nUSER root\n'), 'node');
		assert.equal(remoteUserOfDockerfile('FROM debian\nRUN groupadd -r app \\\n && useradd -r -g app app\n'), 'app');
		assert.equal(remoteUserOfDockerfile('FROM debian\nUSER root\n'), undefined);
		assert.equal(remoteUserOfDockerfile('FROM debian\n'), undefined);
	});

	it('uses the Dockerfile next to it (never a registry image the user did not choose)', () => {
		const ws = workspace({ '.devcontainer/Dockerfile': 'FROM acme/base:1\nRUN useradd -m dev\nUSER dev\n' });
		const plan = planDevcontainer({ workspace: ws, policy: APPROVED });
		const config = JSON.parse(plan.after.replace(/^\/\/.*$/gm, '')) as Record<string, unknown>;
		assert.deepEqual(config.build, { dockerfile: 'Dockerfile' });
		assert.equal(config.image, undefined);
		assert.equal(config.remoteUser, 'dev');
		assert.equal(config.containerUser, 'root', 'the Feature\'s entrypoint must run as root');
		assert.match(plan.createdFrom ?? '', /made from \.devcontainer\/Dockerfile \(remote user dev/);
	});

	it('refuses a Dockerfile with no non-root user, saying what to write', () => {
		const ws = workspace({ '.devcontainer/Dockerfile': 'FROM acme/base:1\nRUN make\n' });
		assert.throws(() => initialConfigFor(ws), (err: unknown) => err instanceof InvalidInputError
			&& err.problems[0].file === path.join(ws, '.devcontainer', 'Dockerfile') && /names no non-root user/.test(err.message) && /"remoteUser"/.test(err.message));
	});

	it('uses the Compose file next to it: its one service, or the one that is clearly the dev container', () => {
		const one = workspace({ '.devcontainer/docker-compose.yml': 'services:\n  web:\n    build: .\n    user: node\n' });
		assert.deepEqual(initialConfigFor(one).value, { name: 'shop', dockerComposeFile: 'docker-compose.yml', service: 'web', workspaceFolder: '/workspaces/${localWorkspaceFolderBasename}', remoteUser: 'node' });
		const several = workspace({ '.devcontainer/compose.yaml': 'services:\n  db:\n    image: postgres\n  app:\n    build: .\n' });
		assert.equal(initialConfigFor(several).value.service, 'app');
		const unclear = workspace({ '.devcontainer/compose.yaml': 'services:\n  db:\n    image: postgres\n  api:\n    build: .\n' });
		assert.throws(() => initialConfigFor(unclear), /2 services \(db, api\) and none is clearly the dev container/);
	});

	it('falls back to the devcontainers base image when .devcontainer holds neither', () => {
		const ws = workspace({ 'README.md': '# shop\n' });
		const initial = initialConfigFor(ws);
		assert.equal(initial.value.image, 'mcr.microsoft.com/devcontainers/base:bookworm');
		assert.match(initial.why, /no Dockerfile or Compose file/);
	});
});
