import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** The repository root (tests run from out/test/ui/). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CODE_SERVER = path.join(ROOT, '.cache', 'code-server', 'node_modules', '.bin', 'code-server');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'ui');

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const port = (server.address() as net.AddressInfo).port;
			server.close(() => resolve(port));
		});
	});
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		child.stderr.on('data', (d: Buffer) => (out += d.toString()));
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out}`))));
	});
}

export interface CodeServerOptions {
	/** The folder to open ('' for a window with no folder). */
	readonly folder: string;
	/** A scratch directory for user data, extensions and the Airlock config (XDG_CONFIG_HOME). */
	readonly scratch: string;
	readonly vsix: string;
	readonly env?: NodeJS.ProcessEnv;
	/** User settings on top of the quiet workbench's (e.g. `airlock.topology`). */
	readonly settings?: Readonly<Record<string, unknown>>;
}

/** A running code-server with the packaged extension installed, isolated in `scratch`. */
export class CodeServer {
	private constructor(
		readonly url: string,
		readonly configHome: string,
		readonly logFile: string,
		private readonly child: ChildProcess,
	) {}

	static async start(options: CodeServerOptions): Promise<CodeServer> {
		if (!fs.existsSync(CODE_SERVER)) {
			throw new Error(`${CODE_SERVER} is missing: run scripts/ui/install-code-server.sh first`);
		}
		const userData = path.join(options.scratch, 'user-data');
		const extensions = path.join(options.scratch, 'extensions');
		const configHome = path.join(options.scratch, 'config');
		fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
		fs.mkdirSync(configHome, { recursive: true });
		// A quiet workbench: no welcome page, no tips, no chat, no update checks.
		fs.writeFileSync(
			path.join(userData, 'User', 'settings.json'),
			JSON.stringify(
				{
					'workbench.startupEditor': 'none',
					'workbench.tips.enabled': false,
					'workbench.enableExperiments': false,
					'security.workspace.trust.enabled': false,
					'telemetry.telemetryLevel': 'off',
					'extensions.autoCheckUpdates': false,
					'extensions.autoUpdate': false,
					'extensions.ignoreRecommendations': true,
					'chat.disableAIFeatures': true,
					'chat.commandCenter.enabled': false,
					'update.mode': 'none',
					'window.commandCenter': false,
					'workbench.colorTheme': 'Default Dark Modern',
					'workbench.secondarySideBar.defaultVisibility': 'hidden',
					...options.settings,
				},
				null,
				2,
			),
		);
		const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome, AIRLOCK_APPROVER: 'ui-test@code-server', ...options.env };
		await run(CODE_SERVER, ['--extensions-dir', extensions, '--user-data-dir', userData, '--install-extension', options.vsix, '--force'], env);
		const port = await freePort();
		const logFile = path.join(options.scratch, 'code-server.log');
		const log = fs.openSync(logFile, 'a');
		const child = spawn(
			CODE_SERVER,
			['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userData, '--extensions-dir', extensions, ...(options.folder ? [options.folder] : [])],
			{ env, stdio: ['ignore', log, log], detached: false },
		);
		const server = new CodeServer(options.folder ? `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.folder)}` : `http://127.0.0.1:${port}/?ew=true`, configHome, logFile, child);
		await server.waitUntilListening(port);
		return server;
	}

	private async waitUntilListening(port: number): Promise<void> {
		for (let attempt = 0; attempt < 600; attempt++) {
			if (this.child.exitCode !== null) {
				throw new Error(`code-server exited (${this.child.exitCode}); log:\n${fs.readFileSync(this.logFile, 'utf8')}`);
			}
			try {
				const response = await fetch(`http://127.0.0.1:${port}/healthz`);
				if (response.ok) {
					return;
				}
			} catch {
				// Not listening yet.
			}
			await new Promise((r) => setTimeout(r, 100));
		}
		throw new Error(`code-server did not answer on port ${port}; log:\n${fs.readFileSync(this.logFile, 'utf8')}`);
	}

	/** Airlock's log channel as the workbench writes it to disk (all of it, not the lines the Output panel shows). */
	airlockLog(): string {
		const logs = path.join(this.configHome, '..', 'user-data', 'logs');
		const found: string[] = [];
		const walk = (dir: string): void => {
			for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
				const full = path.join(dir, entry.name);
				if (entry.isDirectory()) {
					walk(full);
				} else if (entry.name === 'Airlock.log') {
					found.push(full);
				}
			}
		};
		walk(logs);
		return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
	}

	/** Stops code-server (and with it the extension host). */
	async stop(): Promise<void> {
		if (this.child.exitCode !== null) {
			return;
		}
		const exited = new Promise((r) => this.child.once('exit', r));
		this.child.kill('SIGTERM');
		await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
		if (this.child.exitCode === null) {
			this.child.kill('SIGKILL');
		}
	}
}
