// Bundles the extension, the CLI and the webview script with esbuild.
// `--production` minifies and drops source maps (used by `vscode:prepublish`).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const production = process.argv.includes('--production');
// `module` first: jsonc-parser's UMD entry loads its parts with a require() esbuild cannot follow.
const common = { mainFields: ['module', 'main'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: production, sourcemap: !production, sourcesContent: false, logLevel: 'warning' };

// The .vsix ships without node_modules (`vsce package --no-dependencies`), so nothing may stay
// external in the extension bundle but `vscode` and dist/shared.js (below), nor in the CLI bundle
// (which the .vsix carries too) but those and the devcontainer CLI, which the .vsix ships beside it. docker-modem loads ssh2 at
// start-up for ssh:// engines, which Airlock does not support (connect.ts takes unix and tcp
// only), and ssh2's native parts cannot be bundled: both bundles get an empty ssh2.
const withoutSsh2 = {
	name: 'without-ssh2',
	setup(build) {
		build.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'without-ssh2' }));
		build.onLoad({ filter: /.*/, namespace: 'without-ssh2' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
	},
};

// dockerode loads what `buildImage` needs — its BuildKit parts (gRPC and protobuf, about 400 KB,
// a quarter of the .vsix) for `version: '2'` and `followProgress`, and tar-fs and a .dockerignore
// parser to pack a build context — none of which Airlock calls (the devcontainer CLI builds the
// images): the bundle gets a stand-in for each that says so if it is ever called.
const BUILD_ONLY = /^(\.\/session|\.\/buildkit|tar-fs|@balena\/dockerignore)$/;
const withoutImageBuild = {
	name: 'without-image-build',
	setup(build) {
		build.onResolve({ filter: BUILD_ONLY }, (args) => (/[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'without-image-build' } : undefined));
		build.onLoad({ filter: /.*/, namespace: 'without-image-build' }, (args) => ({
			contents: `const missing = () => { throw new Error('dockerode: ${args.path} (image builds) is not bundled with Airlock'); }; module.exports = missing; module.exports.followProgress = missing; module.exports.pack = missing;`,
			loader: 'js',
		}));
	},
};
// docker-modem traces its requests through `debug` (with DEBUG=modem): nothing Airlock prints.
const withoutDebug = {
	name: 'without-debug',
	setup(build) {
		build.onResolve({ filter: /^debug$/ }, (args) => (/[\\/]docker-modem[\\/]lib$/.test(args.resolveDir) ? { path: 'debug', namespace: 'without-debug' } : undefined));
		build.onLoad({ filter: /.*/, namespace: 'without-debug' }, () => ({ contents: 'module.exports = () => () => {};', loader: 'js' }));
	},
};

// The extension and the `airlock` CLI are the same code under two front ends: everything in
// extension/core and extension/docker (and the libraries it uses) is one bundle, dist/shared.js,
// that both require, instead of a copy in each (the .vsix carries both: 0.5 MB less in it).
// Each module keeps its identity: the front ends' imports of it become a property of shared.js.
const root = path.resolve(import.meta.dirname, '..');
const SHARED_DIRS = ['extension/core', 'extension/docker'];
const sharedModules = SHARED_DIRS.flatMap((dir) =>
	readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
		.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
		.map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/')));
const sharedEntry = {
	name: 'shared-entry',
	setup(build) {
		build.onResolve({ filter: /^airlock-shared$/ }, () => ({ path: 'airlock-shared', namespace: 'shared-entry' }));
		build.onLoad({ filter: /.*/, namespace: 'shared-entry' }, () => ({
			contents: `module.exports = {\n${sharedModules.map((m) => `\t${JSON.stringify(m)}: require(${JSON.stringify('./' + m)}),`).join('\n')}\n};\n`,
			resolveDir: root,
			loader: 'js',
		}));
	},
};
const fromShared = {
	name: 'from-shared',
	setup(build) {
		build.onResolve({ filter: /^\.\.?\// }, async (args) => {
			if (args.pluginData?.fromShared) {
				return undefined;
			}
			const target = path.resolve(args.resolveDir, args.path);
			if (!SHARED_DIRS.some((dir) => target.startsWith(path.join(root, dir) + path.sep))) {
				return undefined;
			}
			const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { fromShared: true } });
			if (resolved.errors.length > 0) {
				return { errors: resolved.errors };
			}
			const key = path.relative(root, resolved.path).split(path.sep).join('/');
			if (!sharedModules.includes(key)) {
				throw new Error(`${key} is not in dist/shared.js`);
			}
			return { path: key, namespace: 'from-shared' };
		});
		build.onResolve({ filter: /^\.\/shared\.js$/, namespace: 'from-shared' }, () => ({ path: './shared.js', external: true }));
		build.onLoad({ filter: /.*/, namespace: 'from-shared' }, (args) => ({ contents: `module.exports = require('./shared.js')[${JSON.stringify(args.path)}];`, loader: 'js' }));
	},
};

await Promise.all([
	esbuild.build({ ...common, stdin: { contents: "module.exports = require('airlock-shared');", resolveDir: root, sourcefile: 'shared.js' }, outfile: 'dist/shared.js', external: ['vscode', '@devcontainers/cli'], plugins: [sharedEntry, withoutSsh2, withoutImageBuild, withoutDebug] }),
	esbuild.build({ ...common, entryPoints: ['extension/vscode/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [fromShared, withoutSsh2, withoutImageBuild, withoutDebug] }),
	esbuild.build({ ...common, entryPoints: ['extension/cli/main.ts'], outfile: 'dist/cli.js', external: ['@devcontainers/cli'], plugins: [fromShared, withoutSsh2, withoutImageBuild, withoutDebug], banner: { js: '#!/usr/bin/env node' } }),
	esbuild.build({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['media/plan.js'], outfile: 'dist/media/plan.js' }),
]);
mkdirSync('dist/media', { recursive: true });
// The codicon stylesheet names 650-odd icons; the review shows a few dozen. Keep the rule of every
// icon whose name appears as a word anywhere in the built webview script (its own icon() calls and
// the web components' internal icons alike: a superset, so no icon it can show goes missing).
const codiconCss = readFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'utf8');
const wordsInWebview = new Set(readFileSync('dist/media/plan.js', 'utf8').match(/[a-z][a-z0-9-]*/g));
const usedCodicons = codiconCss.replace(/^\.codicon-([a-z0-9-]+):before \{ content: "[^"]*" \}\n/gm, (rule, name) => (wordsInWebview.has(name) ? rule : ''));
const css = async (text) => (production ? (await esbuild.transform(text, { loader: 'css', minify: true, legalComments: 'inline' })).code : text);
writeFileSync('dist/media/plan.css', await css(readFileSync('media/plan.css', 'utf8')));
// Minified, the stylesheet keeps its copyright header.
const codiconHeader = codiconCss.match(/^\/\*[\s\S]*?\*\/\n/)?.[0] ?? '';
writeFileSync('dist/media/codicon.css', production ? codiconHeader + (await css(usedCodicons)) : usedCodicons);
cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/media/codicon.ttf');
