// Packages the extension as airlock.vsix. package.json also describes the npm package (its
// `files` list), and vsce refuses a `files` list next to a .vscodeignore, so the .vsix is built
// from a staging folder: the production bundle, the presets, the Feature, the icons, README, LICENSE,
// .vscodeignore (which still decides what ships) and package.json without `files`.
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
for (const item of ['dist', 'presets', 'schemas', 'media', 'devcontainer-feature/src/airlock', 'README.md', 'LICENSE', '.vscodeignore']) {
	if (existsSync(path.join(root, item))) {
		cpSync(path.join(root, item), path.join(stage, item), { recursive: true });
	}
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
