// Bundles the extension, the CLI and the webview script with esbuild.
// `--production` minifies and drops source maps (used by `vscode:prepublish`).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
// `module` first: jsonc-parser's UMD entry loads its parts with a require() esbuild cannot follow.
const common = { mainFields: ['module', 'main'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: production, sourcemap: !production, sourcesContent: false, logLevel: 'warning' };

// The .vsix ships without node_modules (`vsce package --no-dependencies`), so nothing may stay
// external in the extension bundle but `vscode`, nor in the CLI bundle (which the .vsix carries
// too) but the devcontainer CLI, which the .vsix ships beside it. docker-modem loads ssh2 at
// start-up for ssh:// engines, which Airlock does not support (connect.ts takes unix and tcp
// only), and ssh2's native parts cannot be bundled: both bundles get an empty ssh2.
const withoutSsh2 = {
	name: 'without-ssh2',
	setup(build) {
		build.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'without-ssh2' }));
		build.onLoad({ filter: /.*/, namespace: 'without-ssh2' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
	},
};

await Promise.all([
	esbuild.build({ ...common, entryPoints: ['extension/vscode/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [withoutSsh2] }),
	esbuild.build({ ...common, entryPoints: ['extension/cli/main.ts'], outfile: 'dist/cli.js', external: ['@devcontainers/cli'], plugins: [withoutSsh2], banner: { js: '#!/usr/bin/env node' } }),
	esbuild.build({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['media/plan.js'], outfile: 'dist/media/plan.js' }),
]);
mkdirSync('dist/media', { recursive: true });
cpSync('media/plan.css', 'dist/media/plan.css');
cpSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/media/codicon.css');
cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/media/codicon.ttf');
