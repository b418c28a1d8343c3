import { getDomain } from 'tldts';
import { checkHost, isCoveredByWildcard } from './hostname';
import { allowItemText, appendToTopLevelList, removeAllowItems } from './policyTextEdit';
import { BASELINE_PRESET, type Preset } from './presets';
import { policyAllows, REQUEST_HOST } from './requests';
import { scoreTarget } from './exfil/score';
import { unifiedDiff } from './textDiff';
import type { EnforcedPolicy } from './enforcedPolicy';
import type { ProxyLogEntry } from './proxyLog';

/**
 * `airlock propose`: turns what the proxy saw refused (audit mode's "would block" lines, or the
 * blocked log in enforce mode) into a proposed change to airlock.yaml, shown as a diff for
 * review. Nothing is enforced until the person approves the plan afterwards.
 *
 * Minimal on purpose:
 * - only hosts the current plan does not allow, and only for the ports they were asked on;
 * - a preset where it covers what was seen (one preset for several hosts beats listing them);
 * - hosts grouped by registrable domain; a wildcard only where at least `wildcardMin` different
 *   names under one domain were seen, and never where the grammar refuses it (public suffixes,
 *   or a domain that covers some);
 * - never: IP literals, private destinations, names that look like exfiltration, special names,
 *   access requests (those have their own review);
 * - additions only, at the end of the lists: the person's comments and layout stay as they are.
 */
export interface ProposeOptions {
	/** Different names under one registrable domain before a wildcard is proposed. Default 3. */
	readonly wildcardMin?: number;
}

export interface ProposedPreset {
	readonly name: string;
	readonly description: string;
	/** The seen targets it covers. */
	readonly covers: readonly string[];
}

export interface ProposedEntry {
	readonly host: string;
	readonly ports?: readonly number[];
	readonly reason: string;
	/** For a wildcard: the names seen under it. */
	readonly names: readonly string[];
}

export interface SkippedTarget {
	readonly target: string;
	readonly why: string;
}

export interface Proposal {
	readonly presets: readonly ProposedPreset[];
	readonly entries: readonly ProposedEntry[];
	readonly skipped: readonly SkippedTarget[];
	/** Targets the current plan already allows (seen refused under an older policy). */
	readonly alreadyAllowed: readonly string[];
	/** How many refused requests were read. */
	readonly considered: number;
}

const WEB_PORTS = new Set([80, 443]);

interface Seen {
	host: string;
	web: boolean;
	ports: Set<number>;
	count: number;
}

function targetText(host: string, port: number): string {
	return WEB_PORTS.has(port) ? host : `${host}:${port}`;
}

/** Does a preset's host list allow `host` on `port` (web when port is 80/443)? */
function presetAllows(preset: Preset, host: string, port: number): boolean {
	return preset.hosts.some((h) => {
		const matches = h.host === host || isCoveredByWildcard(host, h.host);
		return matches && (WEB_PORTS.has(port) ? h.ports === undefined : (h.ports ?? []).includes(port));
	});
}

/** Builds the proposal from refused requests; `policy` is what the current plan allows. */
export function proposeFromLog(entries: readonly ProxyLogEntry[], policy: Pick<EnforcedPolicy, 'rules'>, presets: readonly Preset[], presetsInUse: readonly string[], options: ProposeOptions = {}): Proposal {
	const wildcardMin = options.wildcardMin ?? 3;
	const seen = new Map<string, Seen>();
	const skipped = new Map<string, string>();
	const already = new Set<string>();
	let considered = 0;
	for (const e of entries) {
		if (e.verdict !== 'deny') {
			continue;
		}
		considered++;
		const target = targetText(e.host, e.port);
		if (e.host === REQUEST_HOST || e.rule === 'access-request') {
			continue;
		}
		if (e.rule === 'exfil-suspect') {
			skipped.set(target, `looks like exfiltration (${(e.exfil ?? []).join(', ') || 'scored suspect'}); never proposed`);
			continue;
		}
		if (e.rule !== 'not-allowlisted' && e.rule !== 'port-not-allowed') {
			skipped.set(target, `refused as ${e.rule}, which no allowlist entry changes`);
			continue;
		}
		const checked = checkHost(e.host);
		if (!checked.ok) {
			skipped.set(target, `the grammar refuses it: ${checked.message}`);
			continue;
		}
		const host = checked.host;
		const score = scoreTarget({ host, base: getDomain(host, { allowPrivateDomains: true }) ?? undefined });
		if (score.suspect) {
			skipped.set(target, `looks like exfiltration (${score.signals.join(', ')}); never proposed`);
			continue;
		}
		const port = WEB_PORTS.has(e.port) ? undefined : e.port;
		if (policyAllows(policy, host, port)) {
			already.add(targetText(host, e.port));
			continue;
		}
		const s = seen.get(host) ?? { host, web: false, ports: new Set<number>(), count: 0 };
		if (port === undefined) {
			s.web = true;
		} else {
			s.ports.add(port);
		}
		s.count++;
		seen.set(host, s);
	}

	// Presets first: the one covering the most seen targets, then the next, while any covers one.
	let remaining = [...seen.values()].flatMap((s) => [...(s.web ? [{ host: s.host, port: 443, count: s.count }] : []), ...[...s.ports].map((p) => ({ host: s.host, port: p, count: s.count }))]);
	const proposedPresets: ProposedPreset[] = [];
	const candidates = presets.filter((p) => p.name !== BASELINE_PRESET && !presetsInUse.includes(p.name));
	for (;;) {
		let best: { preset: Preset; covered: typeof remaining } | undefined;
		for (const preset of candidates) {
			if (proposedPresets.some((p) => p.name === preset.name)) {
				continue;
			}
			const covered = remaining.filter((t) => presetAllows(preset, t.host, t.port));
			if (covered.length > 0 && (!best || covered.length > best.covered.length || (covered.length === best.covered.length && preset.hosts.length < best.preset.hosts.length))) {
				best = { preset, covered };
			}
		}
		if (!best) {
			break;
		}
		proposedPresets.push({ name: best.preset.name, description: best.preset.description, covers: best.covered.map((t) => targetText(t.host, t.port)).sort() });
		const coveredKeys = new Set(best.covered.map((t) => `${t.host}:${t.port}`));
		remaining = remaining.filter((t) => !coveredKeys.has(`${t.host}:${t.port}`));
	}

	// The rest by registrable domain.
	const byDomain = new Map<string, typeof remaining>();
	for (const t of remaining) {
		const domain = getDomain(t.host, { allowPrivateDomains: true }) ?? t.host;
		byDomain.set(domain, [...(byDomain.get(domain) ?? []), t]);
	}
	const proposedEntries: ProposedEntry[] = [];
	for (const [domain, targets] of [...byDomain.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
		let exact = [...new Set(targets.filter((t) => WEB_PORTS.has(t.port)).map((t) => t.host))].sort();
		// Wildcards at the deepest parent (down to the registrable domain) with enough names under it.
		for (;;) {
			const parent = deepestCrowdedParent(exact, domain, wildcardMin);
			if (!parent) {
				break;
			}
			const under = exact.filter((h) => h.endsWith(`.${parent}`));
			proposedEntries.push({ host: `*.${parent}`, reason: `${under.length} names seen under ${parent}`, names: under });
			exact = exact.filter((h) => !under.includes(h));
		}
		for (const host of exact) {
			proposedEntries.push({ host, reason: `seen ${times(countOf(targets, host))}`, names: [] });
		}
		const tunnels = new Map<string, number[]>();
		for (const t of targets.filter((x) => !WEB_PORTS.has(x.port))) {
			tunnels.set(t.host, [...(tunnels.get(t.host) ?? []), t.port].sort((a, b) => a - b));
		}
		for (const [host, ports] of [...tunnels.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
			proposedEntries.push({ host, ports, reason: `seen on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}`, names: [] });
		}
	}
	return {
		presets: proposedPresets,
		entries: proposedEntries,
		skipped: [...skipped.entries()].map(([target, why]) => ({ target, why })).sort((a, b) => (a.target < b.target ? -1 : 1)),
		alreadyAllowed: [...already].sort(),
		considered,
	};
}

function countOf(targets: readonly { host: string; count: number }[], host: string): number {
	return targets.find((t) => t.host === host)?.count ?? 0;
}

function times(n: number): string {
	return n === 1 ? 'once' : `${n} times`;
}

/**
 * The deepest domain at or under `registrable` with at least `min` of `names` strictly under it,
 * whose wildcard the grammar accepts; undefined when there is none.
 */
function deepestCrowdedParent(names: readonly string[], registrable: string, min: number): string | undefined {
	const counts = new Map<string, number>();
	for (const name of names) {
		const labels = name.split('.');
		for (let i = 1; i < labels.length; i++) {
			const parent = labels.slice(i).join('.');
			if (parent !== registrable && !parent.endsWith(`.${registrable}`)) {
				break;
			}
			counts.set(parent, (counts.get(parent) ?? 0) + 1);
		}
	}
	const crowded = [...counts.entries()].filter(([parent, n]) => n >= min && checkHost(`*.${parent}`).ok);
	crowded.sort((a, b) => b[0].split('.').length - a[0].split('.').length || b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
	return crowded[0]?.[0];
}

export function isEmptyProposal(p: Pick<Proposal, 'presets' | 'entries'>): boolean {
	return p.presets.length === 0 && p.entries.length === 0;
}

/**
 * The policy text with the proposal added: presets to `presets`, entries to the end of `allow`,
 * spliced into the text so the person's comments and layout stay (policyTextEdit.ts). The
 * result is parsed with the policy grammar, so it is never invalid.
 */
export function applyProposalToText(text: string, file: string, proposal: Pick<Proposal, 'presets' | 'entries'>): string {
	let after = appendToTopLevelList(text, file, 'presets', proposal.presets.map((p) => p.name), 'allow');
	after = appendToTopLevelList(after, file, 'allow', proposal.entries.map((e) => allowItemText({ host: e.host, ...(e.ports ? { ports: e.ports } : {}), reason: `airlock propose: ${e.reason}` })));
	return after;
}

/** The policy text without the allow entries for `hosts` (canonical); other lines stay as they are. */
export function removeEntriesFromText(text: string, file: string, hosts: ReadonlySet<string>): { text: string; removed: string[] } {
	return removeAllowItems(text, file, hosts);
}

/** The proposal as the diff a person reviews. */
export function proposalDiff(before: string, after: string, file: string): string {
	return unifiedDiff(before, after, file);
}
