/**
 * Text that came from inside the container (an agent's reason for a request): shown to a
 * person, never executed, never rendered as markup. This turns it into one line of plain text
 * that cannot hide or restyle anything, whatever surface shows it (a notification, a tree, the
 * webview, a terminal).
 */
export interface CleanText {
	readonly text: string;
	/** The input was longer than the cap (the text ends with "…"). */
	readonly truncated: boolean;
}

/**
 * - NFC, so look-alike compositions compare and display the same;
 * - control characters, line and paragraph separators, zero-width and other format characters
 *   (bidi overrides included: they can make text display as something else) become spaces or go;
 * - white space collapses to single spaces; the ends are trimmed;
 * - VS Code's notification link syntax `[label](target)` and icon syntax `$(name)` are broken
 *   apart, so the text can never become a link or an icon;
 * - at most `max` characters (code points), then "…".
 */
export function cleanUntrustedText(raw: string, max: number): CleanText {
	let text = raw.normalize('NFC');
	// eslint-disable-next-line no-control-regex -- finding control characters is the point
	text = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
	// Format characters (zero-width, direction overrides) and the blank fillers that render as nothing.
	text = text.replace(/\p{Cf}/gu, '').replace(/\u034f/g, '').replace(/\u17b4|\u17b5/g, '').replace(/[\u115f\u1160\u3164\uffa0]/g, '');
	text = text.replace(/[\p{Zs}\s]+/gu, ' ').trim();
	text = text.replace(/\]\(/g, '] (').replace(/\$\(/g, '$ (');
	const chars = [...text];
	if (chars.length <= max) {
		return { text, truncated: false };
	}
	return { text: chars.slice(0, Math.max(0, max - 1)).join('').trimEnd() + '…', truncated: true };
}

/**
 * Percent-decodes text whose bytes are UTF-8 (an agent's request, twice encoded on its way
 * through the proxy log). Malformed `%` sequences stay as they are; invalid UTF-8 becomes U+FFFD.
 * Never throws.
 */
export function percentDecodeUtf8(text: string): string {
	const bytes: number[] = [];
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		if (ch === 0x25 && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
			bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
			i += 2;
		} else if (ch < 0x80) {
			bytes.push(ch);
		} else {
			bytes.push(...Buffer.from(text[i], 'utf8'));
		}
	}
	return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
}
