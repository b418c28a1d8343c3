import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A throwaway workspace and config home for one test; removed by `cleanup()`. */
export interface TempWorkspace {
	readonly dir: string;
	readonly env: NodeJS.ProcessEnv;
	write(relative: string, contents: string): string;
	read(relative: string): string;
	cleanup(): void;
}

export function makeTempWorkspace(files: Record<string, string> = {}): TempWorkspace {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-test-'));
	const dir = path.join(root, 'workspace');
	const config = path.join(root, 'config');
	fs.mkdirSync(dir);
	fs.mkdirSync(config);
	const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: config, AIRLOCK_APPROVER: 'tester@test' };
	const write = (relative: string, contents: string): string => {
		const file = path.join(dir, relative);
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.writeFileSync(file, contents);
		return file;
	};
	for (const [rel, text] of Object.entries(files)) {
		write(rel, text);
	}
	return {
		dir,
		env,
		write,
		read: (relative) => fs.readFileSync(path.join(dir, relative), 'utf8'),
		cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
	};
}
