/**
 * The host folder of a Dev Containers window, from its remote authority
 * (`dev-container+<hex>`, the hex being the folder path or JSON with `hostPath`). The format is
 * not documented, so anything unexpected gives undefined and the caller says it cannot tell.
 * No `vscode` import: unit-tested in plain mocha.
 */
export function hostPathFromDevContainerAuthority(authority: string): string | undefined {
	const match = /^dev-container\+([0-9a-f]+)(?:@.*)?$/i.exec(authority);
	if (!match || match[1].length % 2 !== 0) {
		return undefined;
	}
	const decoded = Buffer.from(match[1], 'hex').toString('utf8');
	if (decoded.startsWith('{')) {
		try {
			const value = JSON.parse(decoded) as { hostPath?: unknown };
			return typeof value.hostPath === 'string' ? value.hostPath : undefined;
		} catch {
			return undefined;
		}
	}
	return decoded.startsWith('/') || /^[A-Za-z]:[\\/]/.test(decoded) ? decoded : undefined;
}
