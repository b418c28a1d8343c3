import { getDomain } from 'tldts';
import { checkHost } from '../hostname';
import { riskNotesFor, type RiskNote } from '../risks';

/**
 * What "Allow…" offers for a blocked host: the exact host, and the wildcard over its
 * registrable domain (never over a public suffix) with the risk that comes with it.
 */
export interface AllowProposal {
	readonly host: string;
	/** Extra CONNECT ports when the blocked request was not to a web port. */
	readonly ports?: readonly number[];
	readonly label: string;
	readonly detail: string;
	readonly risks: readonly RiskNote[];
}

const WEB_PORTS = new Set([80, 443]);

export type AllowProposalResult = { ok: true; proposals: AllowProposal[] } | { ok: false; message: string };

export function proposeAllowEntries(blockedHost: string, blockedPorts: readonly number[] = []): AllowProposalResult {
	const checked = checkHost(blockedHost);
	if (!checked.ok) {
		return { ok: false, message: `${blockedHost} cannot be allowed: ${checked.message}. ${checked.hint}` };
	}
	const extraPorts = [...new Set(blockedPorts.filter((p) => !WEB_PORTS.has(p)))].sort((a, b) => a - b);
	const ports = extraPorts.length > 0 ? { ports: extraPorts } : {};
	const portText = extraPorts.length > 0 ? ` on port ${extraPorts.join(', ')}` : ' on the web ports (80, 443)';
	const proposals: AllowProposal[] = [];
	const exactRisks = riskNotesFor(checked.host, extraPorts);
	proposals.push({
		host: checked.host,
		...ports,
		label: checked.unicode ? `${checked.unicode} (${checked.host})` : checked.host,
		detail: `Only this host${portText}.`,
		risks: exactRisks,
	});
	if (!checked.wildcard) {
		const domain = getDomain(checked.host, { allowPrivateDomains: true });
		if (domain && domain !== checked.host) {
			const wildcard = `*.${domain}`;
			const wildcardChecked = checkHost(wildcard);
			if (wildcardChecked.ok) {
				proposals.push({
					host: wildcard,
					...ports,
					label: wildcard,
					detail: `Every name under ${domain}${portText} (not ${domain} itself).`,
					risks: riskNotesFor(wildcard, extraPorts),
				});
			}
		}
	}
	return { ok: true, proposals };
}
