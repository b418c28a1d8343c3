import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { CodeServer, ROOT } from './codeServer';
import { launchBrowser, Workbench } from './workbench';

/** What a suite's tests use: filled in by the suite's `before` hook. */
export interface UiSession {
	server: CodeServer;
	browser: Browser;
	wb: Workbench;
	workspace: string;
}

/**
 * Registers the hooks every UI suite needs: code-server with the packaged .vsix on `open()`'s
 * folder, Chromium on it, a screenshot of each failed test (and `failureShot` if the suite's
 * hooks fail), and everything closed after. The returned object is filled in by `before`.
 */
type Opened = { workspace: string; scratch: string; env?: NodeJS.ProcessEnv; settings?: Readonly<Record<string, unknown>> };

export function useCodeServer(failureShot: string, open: () => Promise<Opened> | Opened): UiSession {
	const session = {} as UiSession;
	before(async function () {
		const { workspace, scratch, env, settings } = await open();
		session.workspace = workspace;
		session.server = await CodeServer.start({ folder: workspace, scratch, vsix: path.join(ROOT, 'airlock.vsix'), ...(env ? { env } : {}), ...(settings ? { settings } : {}) });
		session.browser = await launchBrowser();
		session.wb = await Workbench.open(session.browser, session.server.url);
	});

	afterEach(async function () {
		if (this.currentTest?.state === 'failed' && session.wb) {
			await session.wb.screenshot(`failed-${this.currentTest.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}`);
		}
	});

	after(async function () {
		if (this.currentTest?.state === 'failed' && session.wb) {
			await session.wb.screenshot(failureShot);
		}
		await session.wb?.close();
		await session.browser?.close();
		await session.server?.stop();
	});
	return session;
}
