import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { ROOT } from './codeServer';
import { UI_WAIT_MS } from './workbench';

/** What axe-core reports for one rule that failed. */
export interface AxeViolation {
	readonly id: string;
	readonly impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
	readonly help: string;
	readonly nodes: { readonly target: unknown[]; readonly failureSummary?: string; readonly html: string }[];
}

const AXE_SOURCE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/**
 * The webview's content frame (the inner #active-frame) that holds `selector`, as a Frame that
 * scripts can be evaluated in (a FrameLocator cannot).
 */
export async function webviewFrame(page: Page, selector: string): Promise<Frame> {
	const deadline = Date.now() + UI_WAIT_MS;
	while (Date.now() < deadline) {
		for (const frame of page.frames()) {
			if (await frame.$(selector).catch(() => null)) {
				return frame;
			}
		}
		await page.waitForTimeout(200);
	}
	throw new Error(`no frame shows ${selector}`);
}

/**
 * Runs axe-core (the WCAG 2.1 A and AA rules and best practices) in the frame and returns the
 * violations. The script is evaluated through the DevTools protocol, which the webview's content
 * security policy does not govern; the page itself stays as the extension made it.
 */
export async function runAxe(frame: Frame): Promise<AxeViolation[]> {
	const loaded = await frame.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
	if (!loaded) {
		await frame.evaluate(fs.readFileSync(AXE_SOURCE, 'utf8'));
	}
	return frame.evaluate(async () => {
		const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
		const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
		return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html.slice(0, 200), ...(n.failureSummary ? { failureSummary: n.failureSummary } : {}) })) }));
	});
}

/** The serious and critical violations, one line each, for an assertion message. */
export function seriousViolations(violations: readonly AxeViolation[]): string[] {
	return violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`.replace(/\s+/g, ' ')).join(' | ')}`);
}
