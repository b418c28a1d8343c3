import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** What `devcontainer up` prints as its last stdout line. */
export interface DevcontainerUpResult {
	readonly outcome: 'success' | 'error';
	readonly containerId?: string;
	readonly remoteUser?: string;
	readonly remoteWorkspaceFolder?: string;
	readonly message?: string;
	readonly description?: string;
}

export interface DevcontainerUpRun {
	readonly exitCode: number | null;
	/** The parsed result line, when the CLI printed one. */
	readonly result: DevcontainerUpResult | undefined;
	/** The CLI's log (stderr, then stdout), the last 200 kB of it. */
	readonly log: string;
}

const LOG_LIMIT = 200_000;

/**
 * The environment for running a script with `process.execPath`. Inside an editor that binary
 * is Electron, which behaves as Node only with ELECTRON_RUN_AS_NODE set (plain Node ignores it).
 */
export function nodeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	return process.versions.electron ? { ...env, ELECTRON_RUN_AS_NODE: '1' } : env;
}

/** The devcontainer CLI's entry script, from this package's dependencies. */
export function devcontainerCliPath(): string {
	// createRequire keeps bundlers from inlining the package: we need its file on disk.
	return path.join(path.dirname(createRequire(__filename).resolve('@devcontainers/cli/package.json')), 'devcontainer.js');
}

/** The last stdout line that is the CLI's JSON result, if any. */
export function parseDevcontainerUpOutput(stdout: string): DevcontainerUpResult | undefined {
	for (const line of stdout.trim().split('\n').reverse()) {
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch {
			continue;
		}
		if (typeof value !== 'object' || value === null) {
			continue;
		}
		const o = value as Record<string, unknown>;
		if (o.outcome !== 'success' && o.outcome !== 'error') {
			continue;
		}
		const text = (key: string): string | undefined => (typeof o[key] === 'string' ? (o[key] as string) : undefined);
		const result: Record<string, string> = { outcome: o.outcome };
		for (const key of ['containerId', 'remoteUser', 'remoteWorkspaceFolder', 'message', 'description']) {
			const v = text(key);
			if (v !== undefined) {
				result[key] = v;
			}
		}
		return result as unknown as DevcontainerUpResult;
	}
	return undefined;
}

/**
 * Runs `devcontainer up --workspace-folder WORKSPACE` with the current Node (the CLI needs
 * Node >= 20, which whoever runs Airlock already has). `onLog` receives its log as it comes;
 * `removeExisting` recreates the workspace's container (needed after devcontainer.json changed).
 */
export function runDevcontainerUp(workspace: string, options: { env?: NodeJS.ProcessEnv; onLog?: (text: string) => void; removeExisting?: boolean; signal?: AbortSignal } = {}): Promise<DevcontainerUpRun> {
	const cli = devcontainerCliPath();
	const args = [cli, 'up', '--workspace-folder', workspace, ...(options.removeExisting ? ['--remove-existing-container'] : [])];
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, { env: nodeEnv(options.env ?? process.env), stdio: ['ignore', 'pipe', 'pipe'] });
		const abort = (): void => {
			child.kill('SIGTERM');
		};
		options.signal?.addEventListener('abort', abort, { once: true });
		child.on('close', () => options.signal?.removeEventListener('abort', abort));
		let stdout = '';
		let log = '';
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString('utf8');
		});
		child.stderr.on('data', (chunk: Buffer) => {
			const text = chunk.toString('utf8');
			// Bounded: the first build prints the whole apt-get log.
			log = (log + text).slice(-LOG_LIMIT);
			options.onLog?.(text);
		});
		child.on('error', reject);
		child.on('close', (exitCode) => resolve({ exitCode, result: parseDevcontainerUpOutput(stdout), log: (log + stdout).slice(-LOG_LIMIT) }));
	});
}

export type FeatureRefResolution = { readonly ok: true; readonly digest: string | undefined } | { readonly ok: false; readonly why: string };

const RESOLVE_TIMEOUT_MS = 60_000;

/**
 * Asks the registry for a published Feature's manifest with the devcontainer CLI itself
 * (`devcontainer features info manifest REF`), so the answer is exactly what `devcontainer up`
 * will get: the same registry rules, the same credentials (docker's config), localhost over HTTP.
 */
export function resolveFeatureRef(ref: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<FeatureRefResolution> {
	const args = [devcontainerCliPath(), 'features', 'info', 'manifest', ref, '--output-format', 'json'];
	return new Promise((resolve) => {
		const child = spawn(process.execPath, args, { env: nodeEnv(options.env ?? process.env), stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		const timer = setTimeout(() => child.kill('SIGKILL'), RESOLVE_TIMEOUT_MS);
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString('utf8');
		});
		child.stderr.on('data', (chunk: Buffer) => {
			stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
		});
		child.on('error', (err) => {
			clearTimeout(timer);
			resolve({ ok: false, why: err.message });
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			let manifest: { manifest?: { layers?: unknown[] }; canonicalId?: string } | undefined;
			try {
				manifest = JSON.parse(stdout) as typeof manifest;
			} catch {
				manifest = undefined;
			}
			const layers = manifest?.manifest?.layers;
			if (code === 0 && Array.isArray(layers) && layers.length > 0) {
				const digest = /@(sha256:[0-9a-f]{64})$/.exec(manifest?.canonicalId ?? '')?.[1];
				resolve({ ok: true, digest });
				return;
			}
			resolve({ ok: false, why: signal ? `no answer within ${RESOLVE_TIMEOUT_MS / 1000} s` : describeFetchFailure(stderr + stdout, code) });
		});
	});
}

/** The devcontainer CLI's failure to fetch a manifest, in one plain sentence. */
export function describeFetchFailure(output: string, code: number | null): string {
	const notFound = /getaddrinfo ENOTFOUND (\S+?)[;,\s]/.exec(output);
	if (notFound) {
		return `the registry host ${notFound[1]} does not resolve`;
	}
	const refused = /connect ECONNREFUSED (\S+?)[;,\s]/.exec(output);
	if (refused) {
		return `nothing answers at ${refused[1]} (is the registry running?)`;
	}
	if (/\b(401|403)\b|unauthori[sz]ed|denied/i.test(output)) {
		return 'the registry refused access (log in with `docker login`)';
	}
	if (/\b404\b|manifest unknown|not found/i.test(output)) {
		return 'the registry has no such Feature or tag';
	}
	const lines = output.split('\n').map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim()).filter(Boolean);
	return lines.filter((l) => /error|fail/i.test(l)).slice(-1)[0] ?? lines.slice(-1)[0] ?? `exit ${code}`;
}
