import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh copy of a fixture repository and a scratch folder, both under one temp dir. */
export function freshWorkspace(fixture: string): { root: string; workspace: string; scratch: string } {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-ui-'));
	const workspace = path.join(root, fixture);
	fs.cpSync(path.join(__dirname, '..', '..', '..', 'test', 'ui', 'fixtures', fixture), workspace, { recursive: true });
	const scratch = path.join(root, 'scratch');
	fs.mkdirSync(scratch);
	return { root, workspace, scratch };
}

/**
 * A copy of a fixture at a path that stays the same from run to run, so the image the
 * devcontainer CLI builds for it (named after the path) is reused through Docker's cache.
 */
export function stableWorkspace(fixture: string): { root: string; workspace: string; scratch: string } {
	const root = path.join(os.tmpdir(), 'airlock-ui-stable');
	const workspace = path.join(root, fixture);
	fs.rmSync(workspace, { recursive: true, force: true });
	fs.mkdirSync(root, { recursive: true });
	fs.cpSync(path.join(__dirname, '..', '..', '..', 'test', 'ui', 'fixtures', fixture), workspace, { recursive: true });
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-ui-scratch-'));
	return { root, workspace, scratch };
}

/** The approval records the extension wrote under XDG_CONFIG_HOME. */
export function readApprovals(configHome: string): { planHash: string; approvedBy: string; canonicalPolicy: string; plan: { entries: { host: string }[] } }[] {
	const dir = path.join(configHome, 'airlock', 'approvals');
	if (!fs.existsSync(dir)) {
		return [];
	}
	return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** Polls `check` until it returns a value (bounded; the bound is not a timing assertion). */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	while (Date.now() < deadline) {
		try {
			const value = await check();
			if (value !== undefined && value !== false) {
				return value;
			}
		} catch (err) {
			lastError = err;
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
