import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnforcedPolicy, Mode } from '../../../extension/core/enforcedPolicy';
import type { GenerateOptions } from '../../../extension/core/devcontainer';

/** The repository root, found from the compiled test's location (out/test/unit/devcontainer). */
export const REPO_ROOT = (() => {
	let dir = __dirname;
	while (!fs.existsSync(path.join(dir, 'package.json'))) {
		const up = path.dirname(dir);
		if (up === dir) {
			throw new Error(`no package.json above ${__dirname}`);
		}
		dir = up;
	}
	return dir;
})();

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'devcontainer');

export const APPROVED: EnforcedPolicy = {
	mode: 'enforce',
	rules: [{ host: 'github.com', port: 22 }, { host: 'api.example.com' }, { host: '*.example.org' }, { host: 'github.com' }],
};

/** Optional per-case settings in `<case>/case.json`. */
interface CaseSettings {
	/** `local`: --feature-path featureDir; `published`: --feature-ref ref; absent: the shipped Feature. */
	feature?: 'local' | 'published';
	featureDir?: string;
	ref?: string;
	mode?: Mode;
	proxyPort?: number;
	allowSudo?: boolean;
}

export function caseNames(): string[] {
	return fs
		.readdirSync(FIXTURES, { withFileTypes: true })
		.filter((d) => d.isDirectory() && fs.existsSync(path.join(FIXTURES, d.name, 'workspace')))
		.map((d) => d.name)
		.sort();
}

export function tempDir(prefix: string): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), `airlock-dc-${prefix}-`));
}

/** Copies `<case>/workspace` to a fresh temp folder named `project` and returns the generate options. */
export function prepareCase(name: string): { workspace: string; options: GenerateOptions; caseDir: string } {
	const caseDir = path.join(FIXTURES, name);
	const workspace = path.join(tempDir(name), 'project');
	fs.cpSync(path.join(caseDir, 'workspace'), workspace, { recursive: true });
	const settingsFile = path.join(caseDir, 'case.json');
	const settings: CaseSettings = fs.existsSync(settingsFile) ? (JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as CaseSettings) : {};
	const policy: EnforcedPolicy = { ...APPROVED, mode: settings.mode ?? APPROVED.mode };
	const options: GenerateOptions = {
		workspace,
		policy,
		...(settings.feature === 'local' ? { feature: { kind: 'local' as const, featureDir: path.resolve(caseDir, settings.featureDir ?? ''), origin: 'feature-path' as const } } : {}),
		...(settings.feature === 'published' ? { feature: { kind: 'published' as const, ref: settings.ref ?? '' } } : {}),
		...(settings.proxyPort === undefined ? {} : { proxyPort: settings.proxyPort }),
		...(settings.allowSudo === undefined ? {} : { allowSudo: settings.allowSudo }),
	};
	return { workspace, options, caseDir };
}
