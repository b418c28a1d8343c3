// Packages the extension as airlock.vsix. package.json also describes the npm package (its
// `files` list), and vsce refuses a `files` list next to a .vscodeignore, so the .vsix is built
// from a staging folder: the production bundle (extension and `airlock` CLI), the devcontainer
// CLI the extension runs (dist/node_modules/@devcontainers/cli, resolved from dist/ like any
// dependency), the presets, the Feature, the icons, the users' README (docs/extension-README.md),
// LICENSE, .vscodeignore (which still decides what ships) and package.json without `files`.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const stage = path.join(root, '.cache', 'vsix-stage');
const out = path.join(root, 'airlock.vsix');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });

run('npm', ['run', '--silent', 'build', '--', '--production'], root);
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const item of ['dist', 'presets', 'schemas', 'media', 'devcontainer-feature/src/airlock', 'LICENSE', '.vscodeignore']) {
	if (existsSync(path.join(root, item))) {
		cpSync(path.join(root, item), path.join(stage, item), { recursive: true });
	}
}
// The Marketplace page is for people using the extension; the repository README is for people
// building Airlock (and is the npm package's README), so the .vsix gets its own.
cpSync(path.join(root, 'docs', 'extension-README.md'), path.join(stage, 'README.md'));
// Its picture is not shipped: vsce rewrites the README's relative image links to --baseImagesUrl,
// so the Marketplace and the editor's extension page both load it from there, never from the .vsix.
// "Start Locked Container" runs the devcontainer CLI: it ships inside the .vsix (it has no
// dependencies of its own; node-pty is optional and only makes its logs prettier).
const devcontainersCli = path.join(root, 'node_modules', '@devcontainers', 'cli');
const stagedCli = path.join(stage, 'dist', 'node_modules', '@devcontainers', 'cli');
for (const file of ['package.json', 'devcontainer.js', 'dist/spec-node/devContainersSpecCLI.js', 'scripts/updateUID.Dockerfile', 'LICENSE.txt', 'ThirdPartyNotices.txt']) {
	cpSync(path.join(devcontainersCli, file), path.join(stagedCli, file));
}
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
delete pkg.files;
// Already built above; vsce would otherwise run the build again in the staging folder.
delete pkg.scripts;
writeFileSync(path.join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
// The manifest check for @types/vscode ≤ engines.vscode reads node_modules.
cpSync(path.join(root, 'node_modules', '@types', 'vscode'), path.join(stage, 'node_modules', '@types', 'vscode'), { recursive: true });
const base = 'https://example.invalid/airlock';
run(path.join(root, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--baseContentUrl', `${base}/blob/main`, '--baseImagesUrl', `${base}/raw/main`, '--out', out], stage);
