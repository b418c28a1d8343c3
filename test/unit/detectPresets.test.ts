import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectPresets, dockerfileBaseImages, githubRemoteHost, osOfImage } from '../../extension/core/detectPresets';
import { listPresets, presetsDirectory } from '../../extension/core/presets';

describe('detectPresets', () => {
	let root: string;
	let workspace: string;
	beforeEach(() => {
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-detect-'));
		workspace = path.join(root, 'repo');
		fs.mkdirSync(workspace);
	});
	afterEach(() => {
		fs.rmSync(root, { recursive: true, force: true });
	});
	const write = (relative: string, text = ''): void => {
		const file = path.join(workspace, relative);
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.writeFileSync(file, text);
	};
	const presetsOf = () => detectPresets(workspace).map((s) => s.preset);

	it('suggests nothing for an empty workspace or one that does not exist', () => {
		assert.deepEqual(detectPresets(workspace), []);
		assert.deepEqual(detectPresets(path.join(root, 'missing')), []);
	});

	it('maps manifests and lock files to presets, saying which file', () => {
		write('package-lock.json', '{}');
		write('requirements-dev.txt', 'pytest\n');
		write('Cargo.toml', '[package]\n');
		write('go.mod', 'module x\n');
		write('Gemfile', "source 'https://rubygems.org'\n");
		write('build.gradle.kts', '');
		write('App.csproj', '<Project />');
		assert.deepEqual(detectPresets(workspace), [
			{ preset: 'crates', because: 'Cargo.toml' },
			{ preset: 'go', because: 'go.mod' },
			{ preset: 'maven', because: 'build.gradle.kts' },
			{ preset: 'npm', because: 'package-lock.json' },
			{ preset: 'nuget', because: 'App.csproj' },
			{ preset: 'pypi', because: 'requirements-dev.txt' },
			{ preset: 'rubygems', because: 'Gemfile' },
		]);
	});

	it('suggests yarn and npm for a Yarn project, once each, from the first file in name order', () => {
		write('package.json', '{}');
		write('yarn.lock', '');
		write('.yarnrc.yml', 'nodeLinker: node-modules\n');
		assert.deepEqual(detectPresets(workspace), [
			{ preset: 'npm', because: 'package.json' },
			{ preset: 'yarn', because: '.yarnrc.yml' },
		]);
	});

	it('recognises each Python, .NET and Java marker', () => {
		for (const [file, preset] of [
			['pyproject.toml', 'pypi'], ['Pipfile', 'pypi'], ['setup.py', 'pypi'], ['poetry.lock', 'pypi'], ['requirements.txt', 'pypi'],
			['Thing.sln', 'nuget'], ['NuGet.Config', 'nuget'], ['global.json', 'nuget'],
			['pom.xml', 'maven'], ['build.gradle', 'maven'], ['settings.gradle', 'maven'],
			['npm-shrinkwrap.json', 'npm'],
		] as const) {
			fs.rmSync(workspace, { recursive: true, force: true });
			fs.mkdirSync(workspace);
			write(file);
			assert.deepEqual(detectPresets(workspace), [{ preset, because: file }], file);
		}
	});

	it('ignores look-alike names', () => {
		write('package.json.bak');
		write('my-go.mod');
		write('requirements.md');
		write('notes.csproj.txt');
		assert.deepEqual(detectPresets(workspace), []);
	});

	it('looks in .devcontainer/ but not deeper', () => {
		write('.devcontainer/package.json', '{}');
		write('src/go.mod', 'module deep\n');
		write('.devcontainer/tools/Cargo.toml');
		assert.deepEqual(detectPresets(workspace), [{ preset: 'npm', because: '.devcontainer/package.json' }]);
	});

	it('prefers the root file over .devcontainer/ for the reason', () => {
		write('.devcontainer/package.json', '{}');
		write('package.json', '{}');
		assert.deepEqual(detectPresets(workspace), [{ preset: 'npm', because: 'package.json' }]);
	});

	it('finds a GitHub remote in .git/config in https, ssh and scp-like forms, without echoing the URL', () => {
		for (const url of [
			'https://github.com/acme/app.git',
			'https://x-access-token:ghp_secret@github.com/acme/app',
			'git@github.com:acme/app.git',
			'ssh://git@ssh.github.com:443/acme/app.git',
			'ssh://git@github.com/acme/app',
		]) {
			write('.git/config', `[core]\n\tbare = false\n[remote "origin"]\n\turl = ${url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`);
			const suggestions = detectPresets(workspace);
			assert.equal(suggestions.length, 1, url);
			assert.equal(suggestions[0].preset, 'github', url);
			assert.doesNotMatch(suggestions[0].because, /secret|acme/, 'the reason must not leak the remote URL');
		}
	});

	it('does not take other hosts for GitHub', () => {
		for (const url of ['https://gitlab.com/acme/app.git', 'git@github.com.evil.example:acme/app.git', 'https://notgithub.com/a/b', 'https://example.com/github.com/a']) {
			write('.git/config', `[remote "origin"]\n\turl = ${url}\n`);
			assert.deepEqual(detectPresets(workspace), [], url);
		}
	});

	it('reads the base OS from Dockerfile FROM lines and devcontainer.json images', () => {
		write('.devcontainer/Dockerfile', 'ARG BASE=ubuntu\nFROM --platform=linux/amd64 node:22-bookworm-slim AS build\nFROM build\nFROM ${BASE}\n');
		write('Dockerfile.alpine', 'from python:3.12-alpine\n');
		write('.devcontainer/devcontainer.json', '{\n  // comment\n  "image": "mcr.microsoft.com/devcontainers/base:noble",\n}\n');
		assert.deepEqual(detectPresets(workspace), [
			{ preset: 'alpine', because: 'Dockerfile.alpine (FROM python:3.12-alpine)' },
			{ preset: 'debian', because: '.devcontainer/Dockerfile (FROM node:22-bookworm-slim)' },
			{ preset: 'ubuntu', because: '.devcontainer/devcontainer.json (image mcr.microsoft.com/devcontainers/base:noble)' },
		]);
	});

	it('suggests the agent presets from agent settings and devcontainer Features', () => {
		write('CLAUDE.md', '# notes\n');
		assert.deepEqual(detectPresets(workspace), [{ preset: 'anthropic', because: 'CLAUDE.md' }]);
		fs.rmSync(path.join(workspace, 'CLAUDE.md'));

		write('.claude/settings.json', '{}');
		write('.codex/config.toml', '');
		assert.deepEqual(detectPresets(workspace), [
			{ preset: 'anthropic', because: '.claude/' },
			{ preset: 'openai', because: '.codex/' },
		]);
		fs.rmSync(path.join(workspace, '.claude'), { recursive: true });
		fs.rmSync(path.join(workspace, '.codex'), { recursive: true });

		write('.devcontainer/devcontainer.json', JSON.stringify({
			image: 'mcr.microsoft.com/devcontainers/javascript-node:22',
			features: { 'ghcr.io/anthropics/devcontainer-features/claude-code:1': {}, 'ghcr.io/devcontainers/features/github-cli:1': {} },
		}));
		assert.deepEqual(detectPresets(workspace), [
			{ preset: 'anthropic', because: '.devcontainer/devcontainer.json (feature ghcr.io/anthropics/devcontainer-features/claude-code:1)' },
		]);
	});

	it('does not take look-alike agent names for agents', () => {
		write('claude.md.txt');
		write('.claude-backup');
		write('.devcontainer/devcontainer.json', '{"features": {"ghcr.io/acme/features/not-claude-code-helper:1": {}, "ghcr.io/acme/codexify:1": {}}}');
		assert.deepEqual(detectPresets(workspace), []);
	});

	it('never follows a symlink out of the workspace', () => {
		const outside = path.join(root, 'outside');
		fs.mkdirSync(outside);
		fs.writeFileSync(path.join(outside, 'package.json'), '{}');
		fs.writeFileSync(path.join(outside, 'Dockerfile'), 'FROM debian:bookworm\n');
		fs.mkdirSync(path.join(outside, 'git'));
		fs.writeFileSync(path.join(outside, 'git', 'config'), '[remote "origin"]\n\turl = https://github.com/a/b\n');
		fs.symlinkSync(path.join(outside, 'package.json'), path.join(workspace, 'package.json'));
		fs.symlinkSync(outside, path.join(workspace, '.devcontainer'));
		fs.symlinkSync(path.join(outside, 'git'), path.join(workspace, '.git'));
		fs.symlinkSync(path.join(outside, 'Dockerfile'), path.join(workspace, 'Dockerfile'));
		fs.symlinkSync(outside, path.join(workspace, '.claude'));
		assert.deepEqual(detectPresets(workspace), []);
	});

	it('follows a symlink that stays inside the workspace', () => {
		write('tools/pyproject.toml', '[project]\n');
		fs.symlinkSync(path.join(workspace, 'tools', 'pyproject.toml'), path.join(workspace, 'pyproject.toml'));
		assert.deepEqual(presetsOf(), ['pypi']);
	});

	it('only ever suggests presets that ship', () => {
		write('package.json');
		write('yarn.lock');
		write('pyproject.toml');
		write('Cargo.toml');
		write('go.mod');
		write('Gemfile');
		write('pom.xml');
		write('x.csproj');
		write('Dockerfile', 'FROM debian\nFROM ubuntu:24.04\nFROM alpine:3.20\n');
		write('.git/config', '[remote "origin"]\n\turl = git@github.com:a/b.git\n');
		write('CLAUDE.md');
		write('.codex/config.toml');
		const shipped = listPresets(presetsDirectory());
		const suggested = presetsOf();
		assert.equal(suggested.length, 14);
		for (const preset of suggested) {
			assert.ok(shipped.includes(preset), preset);
		}
	});
});

describe('detectPresets helpers', () => {
	it('dockerfileBaseImages skips stages, variables and scratch', () => {
		assert.deepEqual(dockerfileBaseImages('FROM golang:1.23 AS build\nFROM build AS test\nFROM scratch\nFROM $IMG\n  FROM gcr.io/distroless/static\n'), [
			'golang:1.23',
			'gcr.io/distroless/static',
		]);
	});

	it('osOfImage reads names, tags and codenames, and nothing else', () => {
		assert.equal(osOfImage('debian:bookworm'), 'debian');
		assert.equal(osOfImage('docker.io/library/ubuntu@sha256:abc'), 'ubuntu');
		assert.equal(osOfImage('mcr.microsoft.com/devcontainers/typescript-node:1-22-bookworm'), 'debian');
		assert.equal(osOfImage('mcr.microsoft.com/devcontainers/base:jammy'), 'ubuntu');
		assert.equal(osOfImage('node:22-alpine3.20'), 'alpine', 'a version glued to the word');
		assert.equal(osOfImage('node:22-alpine'), 'alpine');
		assert.equal(osOfImage('registry.debian.example/tools:1'), undefined, 'a registry host is not the image name');
		assert.equal(osOfImage('golang:1.23'), undefined);
		assert.equal(osOfImage('sidecar:latest'), undefined, '"sid" must be a whole word');
	});

	it('githubRemoteHost returns only the host', () => {
		assert.equal(githubRemoteHost('[remote "origin"]\n\turl = https://token@github.com/a/b\n'), 'github.com');
		assert.equal(githubRemoteHost('[remote "up"]\n\tpushurl = git@ssh.github.com:a/b\n'), 'ssh.github.com');
		assert.equal(githubRemoteHost('[url "git@github.com:"]\n\tinsteadOf = https://github.com/\n'), undefined);
	});
});
