import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { ARTIFACTS } from './codeServer';

/** Generous bounds for a 2-core machine; they bound waits, they are never asserted as timings. */
export const UI_WAIT_MS = 60_000;

/** Debian's Chromium, driven by playwright-core. */
export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.AIRLOCK_CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
	});
}

/** One VS Code window in the browser, with the helpers the UI tests need. */
export class Workbench {
	private constructor(readonly page: Page) {}

	static async open(browser: Browser, url: string): Promise<Workbench> {
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
		const page = await context.newPage();
		await page.goto(url);
		await page.locator('.monaco-workbench').waitFor({ timeout: UI_WAIT_MS });
		// The status bar entry appears once the extension has activated.
		const wb = new Workbench(page);
		return wb;
	}

	async close(): Promise<void> {
		await this.page.context().close();
	}

	/**
	 * Runs a command by its palette title, e.g. "Airlock: Show Plan". A notification that
	 * appears meanwhile can take focus and close the palette, so it is reopened until the
	 * command shows up. Open toasts are closed first, unless `keepNotifications` (a closed
	 * toast is gone from the notification centre too).
	 */
	async runCommand(title: string, { keepNotifications = false } = {}): Promise<void> {
		const deadline = Date.now() + UI_WAIT_MS;
		const input = this.page.locator('.quick-input-widget .quick-input-box input');
		const rows = this.page.locator('.quick-input-list .monaco-list-row');
		while (Date.now() < deadline) {
			if (!keepNotifications) {
				await this.dismissNotifications();
			}
			await this.page.keyboard.press('Escape');
			await this.page.keyboard.press('F1');
			if (!(await input.isVisible().catch(() => false))) {
				await input.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
			}
			await input.fill(`>${title}`).catch(() => undefined);
			try {
				await rows.filter({ hasText: title }).first().waitFor({ timeout: 5_000 });
			} catch {
				continue;
			}
			// Pick the exact title, not a longer one that contains it.
			const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
			const index = labels.findIndex((l) => l === title || l.startsWith(`${title},`) || l.startsWith(title));
			if (index >= 0 && (await rows.nth(index).click({ timeout: 5_000 }).then(() => true, () => false))) {
				return;
			}
		}
		throw new Error(`could not run ${JSON.stringify(title)} from the command palette`);
	}

	/** The quick input (input box or pick list) that a command opened. */
	quickInput(): Locator {
		return this.page.locator('.quick-input-widget');
	}

	async typeInQuickInput(text: string): Promise<void> {
		const input = this.page.locator('.quick-input-widget .quick-input-box input');
		await input.waitFor({ state: 'visible', timeout: UI_WAIT_MS });
		await input.fill(text);
	}

	async pickQuickItem(labelStart: string | RegExp): Promise<void> {
		const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: labelStart }) }).first();
		await row.waitFor({ timeout: UI_WAIT_MS });
		await row.click();
	}

	/** The labels of the open pick list, once an item starting with `expected` is among them. */
	async quickInputItems(expected: string): Promise<string[]> {
		const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
		const deadline = Date.now() + UI_WAIT_MS;
		let labels: string[] = [];
		while (Date.now() < deadline) {
			labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
			if (labels.some((l) => l.startsWith(expected))) {
				return labels;
			}
			await this.page.waitForTimeout(200);
		}
		throw new Error(`the pick list never showed ${JSON.stringify(expected)}; it shows:\n${labels.join('\n')}`);
	}

	/** Waits until the open quick input is the one titled `title` (a step of a multi-step command). */
	async waitForQuickInputTitle(title: string | RegExp): Promise<void> {
		await this.page.locator('.quick-input-widget .quick-input-title', { hasText: title }).first().waitFor({ state: 'visible', timeout: UI_WAIT_MS });
	}

	/** Accepts the open quick input (focusing its box first: a new step may not have focus yet). */
	async pressEnter(): Promise<void> {
		await this.page.locator('.quick-input-widget .quick-input-box input').press('Enter', { timeout: UI_WAIT_MS });
	}

	/** The text of the status bar entry named "Airlock". */
	statusBarItem(): Locator {
		return this.page.locator('#airlock\\.airlock\\.status, .statusbar-item[id$="airlock.status"]').first();
	}

	/** Waits until the status bar says exactly `words` (e.g. "Airlock: not set up"). */
	async waitForStatus(words: string, timeoutMs = UI_WAIT_MS): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		let last = '';
		while (Date.now() < deadline) {
			// Codicons are private-use glyphs in the text; the words are what counts.
			last = (await this.statusBarItem().innerText().catch(() => '')).replace(/[\uE000-\uF8FF]/g, '').replace(/\s+/g, ' ').trim();
			if (last === words) {
				return;
			}
			await this.page.waitForTimeout(200);
		}
		throw new Error(`the status bar never said ${JSON.stringify(words)}; it says ${JSON.stringify(last)}`);
	}

	/** Switches the colour theme the way a person does: "Preferences: Color Theme", then its name. */
	async setColorTheme(name: string): Promise<void> {
		await this.runCommand('Preferences: Color Theme');
		await this.typeInQuickInput(name);
		const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
		await row.waitFor({ timeout: UI_WAIT_MS });
		await row.click();
	}

	/** A notification toast whose message contains `text`. */
	notification(text: string | RegExp): Locator {
		return this.page.locator('.notification-toast', { hasText: text }).first();
	}

	async dismissNotifications(): Promise<void> {
		const toasts = this.page.locator('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close');
		for (let i = (await toasts.count()) - 1; i >= 0; i--) {
			await toasts.nth(i).click({ timeout: 2000 }).catch(() => undefined);
		}
	}

	/**
	 * The notification containing `text`, as a toast or, when the workbench put it straight into
	 * the notification centre (it does so at times, e.g. while another toast is closing), there.
	 */
	async findNotification(text: string | RegExp): Promise<Locator> {
		const toast = this.notification(text);
		if (await toast.waitFor({ timeout: 15_000 }).then(() => true, () => false)) {
			return toast;
		}
		await this.runCommand('Notifications: Show Notifications', { keepNotifications: true });
		const listed = this.page.locator('.notifications-center .monaco-list-row', { hasText: text }).first();
		await listed.waitFor({ timeout: UI_WAIT_MS });
		return listed;
	}

	/**
	 * The text of the notification containing `text`, as a toast or in the notification centre
	 * (see findNotification). For messages that come as another toast closes: after a click on a
	 * toast's button, or an approval's progress notification ending. The centre is closed again
	 * after, because while it is open the workbench shows no toasts and a later wait for one
	 * would never see it.
	 */
	async notificationText(text: string | RegExp): Promise<string> {
		const found = await this.findNotification(text);
		const shown = await found.innerText();
		// Escape hides the centre while it is visible (the workbench's own keybinding); the command
		// palette cannot: opening it closes the centre first, and its Hide command goes with it.
		const centre = this.page.locator('.notifications-center.visible');
		if (await centre.count()) {
			await this.page.keyboard.press('Escape');
			await centre.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
		}
		return shown;
	}

	/** Clicks a button on the notification containing `text`. */
	async clickNotificationButton(text: string | RegExp, button: string): Promise<void> {
		const toast = this.notification(text);
		await toast.waitFor({ timeout: UI_WAIT_MS });
		await toast.locator('.monaco-button', { hasText: button }).first().click();
	}

	/**
	 * The inner frame of the webview panel whose content has `selector`. Webviews are two nested
	 * iframes: the host frame (iframe.webview) and the content frame (#active-frame).
	 */
	async webview(selector: string): Promise<FrameLocator> {
		const deadline = Date.now() + UI_WAIT_MS;
		while (Date.now() < deadline) {
			const outers = this.page.locator('iframe.webview');
			const n = await outers.count();
			for (let i = 0; i < n; i++) {
				const inner = this.page.frameLocator('iframe.webview').nth(i).frameLocator('#active-frame');
				if ((await inner.locator(selector).count()) > 0) {
					return inner;
				}
			}
			await this.page.waitForTimeout(200);
		}
		throw new Error(`no webview shows ${selector}`);
	}

	/** The visible text of the Output panel (the last lines; the view follows the end). */
	async outputText(): Promise<string> {
		const lines = this.page.locator('.part.panel .output-view .view-lines, .part.panel .monaco-editor .view-lines').first();
		await lines.waitFor({ timeout: UI_WAIT_MS });
		return (await lines.innerText()).replace(/\u00a0/g, ' ');
	}

	/** Waits until the Output panel shows a line containing `text`. */
	async waitForOutput(text: string): Promise<string> {
		const deadline = Date.now() + UI_WAIT_MS;
		let last = '';
		while (Date.now() < deadline) {
			last = await this.outputText().catch(() => '');
			// The Output view wraps long lines anywhere (even after a dot), so compare without white space.
			if (last.replace(/\s+/g, '').includes(text.replace(/\s+/g, ''))) {
				return last;
			}
			await this.page.waitForTimeout(250);
		}
		throw new Error(`the Output panel never showed ${JSON.stringify(text)}; it shows:\n${last}`);
	}

	/** A row of a tree view (by the item's label) inside the view pane titled `view`. */
	treeItem(view: string, label: string): Locator {
		return this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: view }) }).locator('.monaco-list-row', { hasText: label }).first();
	}

	async screenshot(name: string): Promise<string> {
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		const file = path.join(ARTIFACTS, `${name}.png`);
		await this.page.screenshot({ path: file });
		return file;
	}
}
