import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';

/**
 * Proposes presets for `airlock init` from the files a repository already has: package
 * manifests, Dockerfile base images, the devcontainer.json image and agent Features, agent
 * settings folders and the git remote. Only the workspace root and `.devcontainer/` are looked
 * at (no deep scan), and a symlink is followed only when its target stays inside the workspace.
 */
export interface PresetSuggestion {
	preset: string;
	/** The file that suggested it, relative to the workspace, e.g. "package-lock.json". */
	because: string;
}

/** Directories looked at, relative to the workspace root. */
const SCANNED_DIRECTORIES = ['.', '.devcontainer'] as const;

/** Files we read (git config, Dockerfiles, devcontainer.json) are small; cap what we read. */
const MAX_READ_BYTES = 1024 * 1024;

/** Manifest and lock files, each meaning "this project installs from that ecosystem". */
const MANIFEST_RULES: readonly { preset: string; matches: (fileName: string) => boolean }[] = [
	{ preset: 'anthropic', matches: named('CLAUDE.md', 'CLAUDE.local.md') },
	{ preset: 'npm', matches: named('package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml') },
	{ preset: 'yarn', matches: named('yarn.lock', '.yarnrc.yml', '.yarnrc') },
	{
		preset: 'pypi',
		matches: (f) => /^requirements.*\.txt$/.test(f) || named('pyproject.toml', 'Pipfile', 'Pipfile.lock', 'setup.py', 'setup.cfg', 'poetry.lock', 'uv.lock')(f),
	},
	{ preset: 'crates', matches: named('Cargo.toml', 'Cargo.lock', 'rust-toolchain', 'rust-toolchain.toml') },
	{ preset: 'go', matches: named('go.mod', 'go.sum', 'go.work') },
	{ preset: 'rubygems', matches: (f) => named('Gemfile', 'Gemfile.lock', '.ruby-version')(f) || f.endsWith('.gemspec') },
	{
		preset: 'maven',
		matches: named('pom.xml', 'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'gradlew', 'mvnw'),
	},
	{
		preset: 'nuget',
		matches: (f) => /\.(csproj|fsproj|vbproj|sln|slnx)$/i.test(f) || /^(nuget\.config|global\.json|directory\.packages\.props)$/i.test(f),
	},
];

function named(...names: string[]): (fileName: string) => boolean {
	return (fileName) => names.includes(fileName);
}

/** Words in an image reference that name its base OS (repository name, tag or codename). */
const OS_WORDS: readonly { preset: string; words: readonly string[] }[] = [
	{ preset: 'alpine', words: ['alpine'] },
	{ preset: 'ubuntu', words: ['ubuntu', 'noble', 'jammy', 'focal', 'bionic', 'oracular', 'plucky'] },
	{ preset: 'debian', words: ['debian', 'trixie', 'bookworm', 'bullseye', 'buster', 'stretch', 'sid'] },
];

/** Folders at the workspace root that a coding agent keeps its project settings in. */
const AGENT_DIRECTORIES: readonly { name: string; preset: string }[] = [
	{ name: '.claude', preset: 'anthropic' },
	{ name: '.codex', preset: 'openai' },
];

/** Dev Container Features that install a coding agent, by the last part of their id. */
const AGENT_FEATURES: readonly { pattern: RegExp; preset: string }[] = [
	{ pattern: /(^|\/)claude-code(:|@|$)/, preset: 'anthropic' },
	{ pattern: /(^|\/)(openai-)?codex(-cli)?(:|@|$)/, preset: 'openai' },
];

const DOCKERFILE_NAME = /^(dockerfile|containerfile)(\..+)?$|\.(dockerfile|containerfile)$/i;
const DEVCONTAINER_JSON = /^\.?devcontainer\.json$/;

export function detectPresets(workspaceDir: string): PresetSuggestion[] {
	const root = realPathOrUndefined(workspaceDir);
	if (root === undefined) {
		return [];
	}
	const found = new Map<string, string>();
	const suggest = (preset: string, because: string): void => {
		if (!found.has(preset)) {
			found.set(preset, because);
		}
	};

	for (const dir of SCANNED_DIRECTORIES) {
		const absoluteDir = insideWorkspace(root, path.join(root, dir));
		if (absoluteDir === undefined) {
			continue;
		}
		for (const fileName of listFiles(root, absoluteDir)) {
			const relative = path.posix.join(...(dir === '.' ? [] : [dir]), fileName);
			const absolute = path.join(absoluteDir, fileName);
			for (const r of MANIFEST_RULES) {
				if (r.matches(fileName)) {
					suggest(r.preset, relative);
				}
			}
			if (DOCKERFILE_NAME.test(fileName)) {
				for (const image of dockerfileBaseImages(readSmallFile(root, absolute) ?? '')) {
					const os = osOfImage(image);
					if (os) {
						suggest(os, `${relative} (FROM ${image})`);
					}
				}
			}
			if (DEVCONTAINER_JSON.test(fileName)) {
				const { image, features } = readDevcontainer(readSmallFile(root, absolute) ?? '');
				const os = image ? osOfImage(image) : undefined;
				if (image && os) {
					suggest(os, `${relative} (image ${image})`);
				}
				for (const feature of features) {
					const agent = AGENT_FEATURES.find((a) => a.pattern.test(feature));
					if (agent) {
						suggest(agent.preset, `${relative} (feature ${feature})`);
					}
				}
			}
		}
	}

	for (const { name, preset } of AGENT_DIRECTORIES) {
		const dir = insideWorkspace(root, path.join(root, name));
		if (dir !== undefined && fs.statSync(dir).isDirectory()) {
			suggest(preset, `${name}/`);
		}
	}

	const gitConfig = path.join(root, '.git', 'config');
	const remote = githubRemoteHost(readSmallFile(root, gitConfig) ?? '');
	if (remote) {
		suggest('github', `.git/config (a remote on ${remote})`);
	}

	return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([preset, because]) => ({ preset, because }));
}

function realPathOrUndefined(p: string): string | undefined {
	try {
		return fs.realpathSync(p);
	} catch {
		return undefined;
	}
}

/** The real path of `p` when it exists and stays inside `root` (symlinks resolved), else undefined. */
function insideWorkspace(root: string, p: string): string | undefined {
	const real = realPathOrUndefined(p);
	if (real === undefined) {
		return undefined;
	}
	const relative = path.relative(root, real);
	return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative)) ? real : undefined;
}

/** Regular files in `dir` (symlinks only when they resolve to a file inside the workspace), sorted. */
function listFiles(root: string, dir: string): string[] {
	let entries: fs.Dirent[];
	try {
		entries = fs.readdirSync(dir, { withFileTypes: true });
	} catch {
		return [];
	}
	const files: string[] = [];
	for (const e of entries) {
		if (e.isFile()) {
			files.push(e.name);
		} else if (e.isSymbolicLink()) {
			const target = insideWorkspace(root, path.join(dir, e.name));
			if (target !== undefined && fs.statSync(target).isFile()) {
				files.push(e.name);
			}
		}
	}
	return files.sort();
}

/** Up to MAX_READ_BYTES of a file inside the workspace; undefined if it is outside, missing or not a file. */
function readSmallFile(root: string, file: string): string | undefined {
	const real = insideWorkspace(root, file);
	if (real === undefined) {
		return undefined;
	}
	let fd: number | undefined;
	try {
		if (!fs.statSync(real).isFile()) {
			return undefined;
		}
		fd = fs.openSync(real, 'r');
		const buffer = Buffer.alloc(MAX_READ_BYTES);
		const length = fs.readSync(fd, buffer, 0, MAX_READ_BYTES, 0);
		return buffer.subarray(0, length).toString('utf8');
	} catch {
		return undefined;
	} finally {
		if (fd !== undefined) {
			fs.closeSync(fd);
		}
	}
}

/** Image references in FROM lines, skipping build-stage names, ARG-substituted images and scratch. */
export function dockerfileBaseImages(text: string): string[] {
	const images: string[] = [];
	const stages = new Set<string>();
	for (const line of text.split(/\r?\n/)) {
		const m = /^\s*FROM\s+(.*)$/i.exec(line);
		if (!m) {
			continue;
		}
		const words = m[1].trim().split(/\s+/).filter((w) => !w.startsWith('--'));
		const image = words[0];
		if (words.length >= 3 && words[1].toLowerCase() === 'as') {
			stages.add(words[2].toLowerCase());
		}
		if (image && !image.includes('$') && image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase())) {
			images.push(image);
		}
	}
	return images;
}

/** The base OS preset an image reference names (e.g. node:22-bookworm → debian), if any. */
export function osOfImage(image: string): string | undefined {
	const withoutDigest = image.split('@')[0];
	const lastSlash = withoutDigest.lastIndexOf('/');
	const nameAndTag = withoutDigest.slice(lastSlash + 1).toLowerCase();
	// Trailing digits are a version glued to the word (alpine3.20 → alpine).
	const words = new Set(nameAndTag.split(/[:._-]/).map((w) => w.replace(/\d+$/, '')));
	return OS_WORDS.find((o) => o.words.some((w) => words.has(w)))?.preset;
}

/** The image and Feature ids of a devcontainer.json (JSON with comments); empty when unreadable. */
function readDevcontainer(text: string): { image?: string; features: string[] } {
	const parsed: unknown = parseJsonc(text, [], { allowTrailingComma: true });
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
		return { features: [] };
	}
	const { image, features } = parsed as { image?: unknown; features?: unknown };
	return {
		...(typeof image === 'string' ? { image } : {}),
		features: features !== null && typeof features === 'object' && !Array.isArray(features) ? Object.keys(features).sort() : [],
	};
}

const GITHUB_HOSTS = new Set(['github.com', 'www.github.com', 'ssh.github.com']);

/**
 * The GitHub host of the first remote in a git config that points at GitHub (https, ssh or
 * scp-like form). Only the host is returned: remote URLs can carry tokens.
 */
export function githubRemoteHost(gitConfigText: string): string | undefined {
	for (const line of gitConfigText.split(/\r?\n/)) {
		const m = /^\s*(?:push)?url\s*=\s*(\S+)\s*$/i.exec(line);
		const host = m ? remoteHost(m[1]) : undefined;
		if (host !== undefined && GITHUB_HOSTS.has(host)) {
			return host;
		}
	}
	return undefined;
}

/** Host of a git remote: `https://…`, `ssh://…`, `git://…`, or scp-like `user@host:path`. */
function remoteHost(url: string): string | undefined {
	if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
		try {
			return new URL(url).hostname.toLowerCase();
		} catch {
			return undefined;
		}
	}
	const scp = /^(?:[^@/]+@)?([^:/]+):/.exec(url);
	return scp ? scp[1].toLowerCase() : undefined;
}
