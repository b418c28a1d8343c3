import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_POLICY_PATH, readPolicyFile, type PolicyFile, type Topology } from './policyFile';
import { loadPreset, listPresets, UnknownPresetError, presetsDirectory } from './presets';
import { riskNotesFor, type RiskNote } from './risks';
import { planHashOf, policyHash, type EnforcedPolicy, type EnforcedRule, type Mode } from './enforcedPolicy';
import { InvalidInputError, type SourceProblem } from './errors';
import { acceptTerm, acceptedIdsOf, type FindingId } from './findings/catalog';

/**
 * The resolved egress plan: every host the container may reach, where each came from, and
 * what it risks. Layers are add-only: baseline ∪ presets ∪ user file ∪ project file.
 */
export interface PlanEntry {
	readonly host: string;
	readonly unicode?: string;
	readonly wildcard: boolean;
	/** Plain HTTP on 80 and CONNECT on 443. */
	readonly web: boolean;
	/** Extra CONNECT ports (non-HTTP tunnels such as SSH on 22), sorted. */
	readonly ports: readonly number[];
	/** 'baseline' | 'preset:<name>' | 'user' | 'project', in layer order. */
	readonly sources: readonly string[];
	readonly reasons: readonly string[];
	readonly risks: readonly RiskNote[];
	/** Exact hosts (or narrower wildcards) that this wildcard covers and that were folded into it. */
	readonly folded: readonly string[];
	/** `exfil: warn`: exfiltration-suspect names under this wildcard are flagged, not refused. */
	readonly exfilWarn?: boolean;
}

export interface Plan {
	readonly mode: Mode;
	/** The plan hash (`planHashOf`): the policy and the terms. What approvals record. */
	readonly hash: string;
	/** The hash of the enforced policy alone: what the proxy reports after an apply. */
	readonly policyHash: string;
	/** Approved with the hosts, never sent to the proxy (see `planHashOf`); sorted. */
	readonly terms: readonly string[];
	/** Where the lock lives (`topology` in airlock.yaml; the term `topology sidecar`). */
	readonly topology: Topology;
	readonly entries: readonly PlanEntry[];
	readonly policy: EnforcedPolicy;
	/** Things a reviewer should know that are not errors (overlaps folded, baseline off). */
	readonly notes: readonly string[];
	/** Container findings the project accepts on purpose (each is also a term `accept <id>`). */
	readonly acceptances?: readonly Acceptance[];
}

/** `accept:` in the project's airlock.yaml: a container finding accepted on purpose, with why. */
export interface Acceptance {
	readonly finding: FindingId;
	readonly reason: string;
	readonly file: string;
	readonly line: number;
	readonly column: number;
}

export interface PlanLayers {
	readonly project?: PolicyFile;
	readonly user?: PolicyFile;
	readonly presetsDir: string;
}

export function projectPolicyFile(workspace: string): string {
	return path.join(workspace, PROJECT_POLICY_PATH);
}

/** `$XDG_CONFIG_HOME/airlock`, defaulting to `~/.config/airlock`. Outside anything a container can write. */
export function airlockConfigDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
	return path.join(base, 'airlock');
}

export function userPolicyFile(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(airlockConfigDir(env), 'airlock.yaml');
}

/** Reads the layers of a workspace. Throws InvalidInputError for a bad file in any layer. */
export function readLayers(workspace: string, env: NodeJS.ProcessEnv = process.env, presetsDir = presetsDirectory()): PlanLayers {
	const project = readPolicyFile(projectPolicyFile(workspace));
	const user = readPolicyFile(userPolicyFile(env));
	return { ...(project ? { project } : {}), ...(user ? { user } : {}), presetsDir };
}

export function resolvePlan(workspace: string, env: NodeJS.ProcessEnv = process.env): Plan {
	return buildPlan(readLayers(workspace, env));
}

interface Accumulator {
	host: string;
	unicode?: string;
	wildcard: boolean;
	web: boolean;
	ports: Set<number>;
	sources: string[];
	reasons: string[];
	folded: string[];
	exfilWarn?: boolean;
	/** Rules of exact hosts folded into this wildcard: they stay in the enforced policy (see foldCoveredEntries). */
	exactFolded: EnforcedRule[];
}

export function buildPlan(layers: PlanLayers): Plan {
	const problems: SourceProblem[] = [];
	const notes: string[] = [];
	const byHost = new Map<string, Accumulator>();
	const add = (host: string, wildcard: boolean, ports: readonly number[] | undefined, source: string, reason: string | undefined, unicode?: string, exfilWarn?: boolean): void => {
		let acc = byHost.get(host);
		if (!acc) {
			acc = { host, wildcard, web: false, ports: new Set(), sources: [], reasons: [], folded: [], exactFolded: [], ...(unicode ? { unicode } : {}) };
			byHost.set(host, acc);
		}
		if (ports) {
			ports.forEach((p) => acc.ports.add(p));
		} else {
			acc.web = true;
		}
		if (!acc.sources.includes(source)) {
			acc.sources.push(source);
		}
		if (reason && !acc.reasons.includes(reason)) {
			acc.reasons.push(reason);
		}
		if (exfilWarn) {
			acc.exfilWarn = true;
		}
	};

	const files = [layers.user, layers.project].filter((f): f is PolicyFile => f !== undefined);
	const baselineOff = files.find((f) => f.baseline === false);
	const presetNames: string[] = [];
	if (baselineOff) {
		notes.push(`The baseline (hosts the editor itself needs) is off: ${baselineOff.file} sets baseline: false.`);
	} else {
		presetNames.push('baseline');
	}
	const known = listPresets(layers.presetsDir);
	for (const file of files) {
		for (const ref of file.presets) {
			if (!known.includes(ref.name)) {
				problems.push({ file: file.file, line: ref.line, column: ref.column, message: `unknown preset ${JSON.stringify(ref.name)}`, hint: `known presets: ${known.filter((k) => k !== 'baseline').join(', ')}`, entry: ref.name });
			} else if (!presetNames.includes(ref.name)) {
				presetNames.push(ref.name);
			}
		}
	}
	if (problems.length > 0) {
		throw new InvalidInputError(problems);
	}
	for (const name of presetNames) {
		let preset;
		try {
			preset = loadPreset(name, layers.presetsDir);
		} catch (err) {
			if (err instanceof UnknownPresetError) {
				throw new InvalidInputError([{ file: layers.presetsDir, line: 1, column: 1, message: err.message }]);
			}
			throw err;
		}
		const source = name === 'baseline' ? 'baseline' : `preset:${name}`;
		for (const h of preset.hosts) {
			add(h.host, h.host.startsWith('*.'), h.ports, source, h.reason);
		}
	}
	for (const [file, source] of [[layers.user, 'user'], [layers.project, 'project']] as const) {
		for (const e of file?.allow ?? []) {
			add(e.host, e.wildcard, e.ports, source, e.reason, e.unicode, e.exfilWarn);
		}
	}

	foldCoveredEntries(byHost, notes);

	const mode: Mode = files.some((f) => f.mode === 'enforce') ? 'enforce' : files.some((f) => f.mode === 'audit') ? 'audit' : 'enforce';
	const entries: PlanEntry[] = [...byHost.values()]
		.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
		.map((acc) => {
			const ports = [...acc.ports].sort((a, b) => a - b);
			return {
				host: acc.host,
				...(acc.unicode ? { unicode: acc.unicode } : {}),
				wildcard: acc.wildcard,
				web: acc.web,
				ports,
				sources: acc.sources,
				reasons: acc.reasons,
				risks: acc.exfilWarn ? [...riskNotesFor(acc.host, ports), exfilWarnNote(acc.host)] : riskNotesFor(acc.host, ports),
				folded: acc.folded,
				...(acc.exfilWarn ? { exfilWarn: true } : {}),
			};
		});
	const exfilWarn = entries.filter((e) => e.exfilWarn).map((e) => e.host);
	const exactFolded = [...byHost.values()].flatMap((acc) => acc.exactFolded);
	const policy: EnforcedPolicy = { mode, rules: [...entriesToRules(entries), ...exactFolded], ...(exfilWarn.length > 0 ? { exfilWarn } : {}) };
	const acceptances = acceptancesOf(layers);
	const topology = topologyOf(layers);
	const terms = [...new Set([...acceptances.map((a) => acceptTerm(a.finding)), ...(topology === 'sidecar' ? [SIDECAR_TERM] : [])])].sort();
	return { mode, hash: planHashOf(policy, terms), policyHash: policyHash(policy), terms, topology, entries, policy, notes, ...(acceptances.length > 0 ? { acceptances } : {}) };
}

/** The plan term that says the lock lives beside the agent's container (absent: single). */
export const SIDECAR_TERM = 'topology sidecar';

/** Where the lock lives, from a plan's terms (an approval's, or the committed lock's). */
export function topologyOfTerms(terms: readonly string[]): Topology {
	return terms.includes(SIDECAR_TERM) ? 'sidecar' : 'single';
}

/**
 * The topology comes from the project file: it changes what the repository's container is, and
 * it is reviewed and approved with it. A user file cannot choose it for every repository.
 */
function topologyOf(layers: PlanLayers): Topology {
	const user = layers.user;
	if (user?.topology !== undefined) {
		throw new InvalidInputError([{
			file: user.file, line: user.topologyAt?.line ?? 1, column: user.topologyAt?.column ?? 1, entry: 'topology',
			message: 'topology in the user policy would choose it for every repository',
			hint: "set topology in the repository's .devcontainer/airlock.yaml, where it is reviewed with that repository's configuration",
		}]);
	}
	return layers.project?.topology ?? 'single';
}

/**
 * Acceptances come from the project file only: accepting a door in the user file would accept
 * it for every repository, which is the "implied by something else" an acceptance must never be.
 */
function acceptancesOf(layers: PlanLayers): Acceptance[] {
	const fromUser = layers.user?.accept ?? [];
	if (fromUser.length > 0) {
		throw new InvalidInputError(fromUser.map((a) => ({
			file: layers.user?.file ?? '', line: a.line, column: a.column, entry: a.finding,
			message: `accept: ${a.finding} in the user policy would accept it for every repository`,
			hint: "accept a finding in the repository's .devcontainer/airlock.yaml, where it is reviewed with that repository's configuration",
		})));
	}
	const project = layers.project;
	return (project?.accept ?? []).map((a) => ({ finding: a.finding, reason: a.reason, file: project?.file ?? '', line: a.line, column: a.column }));
}

function exfilWarnNote(host: string): RiskNote {
	return { kind: 'exfil-warn', message: `exfil: warn — a name under ${host} that looks like exfiltration (encoded data, a credential) is let through and flagged instead of refused` };
}

function entriesToRules(entries: readonly PlanEntry[]): EnforcedRule[] {
	const rules: EnforcedRule[] = [];
	for (const e of entries) {
		if (e.web) {
			rules.push({ host: e.host });
		}
		for (const port of e.ports) {
			rules.push({ host: e.host, port });
		}
	}
	return rules;
}

/**
 * Folds an entry into a wildcard that already allows everything it allows (same or more
 * ports), so the plan shows each permission once. Narrower wildcards fold into broader ones.
 * Wildcards are looked up by their parent domain, walking each entry's parents from the
 * broadest, so a 10,000-entry allowlist costs a few lookups per entry, not one per wildcard.
 */
function foldCoveredEntries(byHost: Map<string, Accumulator>, notes: string[]): void {
	const wildcardByBase = new Map<string, Accumulator>();
	for (const acc of byHost.values()) {
		if (acc.wildcard) {
			wildcardByBase.set(acc.host.slice(2), acc);
		}
	}
	if (wildcardByBase.size === 0) {
		return;
	}
	for (const inner of [...byHost.values()]) {
		const labels = (inner.wildcard ? inner.host.slice(2) : inner.host).split('.');
		let outer: Accumulator | undefined;
		// Proper parents only, broadest first: `*.example.com` covers a.example.com and
		// *.eu.example.com, but not example.com itself or another `*.example.com`.
		for (let i = labels.length - 1; i >= 1 && !outer; i--) {
			const candidate = wildcardByBase.get(labels.slice(i).join('.'));
			if (candidate && candidate !== inner && byHost.has(candidate.host) && covers(candidate, inner)) {
				outer = candidate;
			}
		}
		if (!outer) {
			continue;
		}
		byHost.delete(inner.host);
		if (inner.exfilWarn && !outer.exfilWarn) {
			notes.push(`exfil: warn on ${inner.host} does not apply: it is folded into ${outer.host}, whose names are refused when they look like exfiltration. Set exfil: warn on ${outer.host} to let them through.`);
		}
		outer.folded.push(inner.host, ...inner.folded);
		// The plan shows the permission once, under the wildcard, but an exact host stays an exact
		// rule of the enforced policy: the proxy never refuses an exact entry for its exfiltration
		// score, while names it knows only through a wildcard are scored.
		if (!inner.wildcard) {
			outer.exactFolded.push(...(inner.web ? [{ host: inner.host }] : []), ...[...inner.ports].map((port) => ({ host: inner.host, port })));
		}
		outer.exactFolded.push(...inner.exactFolded);
		for (const s of inner.sources) {
			if (!outer.sources.includes(s)) {
				outer.sources.push(s);
			}
		}
		notes.push(`${inner.host} (${inner.sources.join(', ')}) is covered by ${outer.host} and was folded into it.`);
	}
}

function covers(outer: Accumulator, inner: Accumulator): boolean {
	return (!inner.web || outer.web) && [...inner.ports].every((p) => outer.ports.has(p));
}

export interface PlanChange {
	readonly before: PlanEntry;
	readonly after: PlanEntry;
	/** Human-readable differences, e.g. "port 22 added", "now also from preset:npm". */
	readonly what: readonly string[];
}

export interface PlanDiff {
	readonly added: readonly PlanEntry[];
	readonly removed: readonly PlanEntry[];
	readonly changed: readonly PlanChange[];
	readonly modeChanged?: { readonly from: Mode; readonly to: Mode };
	/** Where the lock lives changed (the `topology sidecar` term came or went). */
	readonly topologyChanged?: { readonly from: Topology; readonly to: Topology };
	/** Container findings newly accepted / no longer accepted (absent when none changed). */
	readonly acceptancesAdded?: readonly FindingId[];
	readonly acceptancesRemoved?: readonly FindingId[];
}

export function isEmptyDiff(diff: PlanDiff): boolean {
	return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0 && !diff.modeChanged && !diff.topologyChanged && !diff.acceptancesAdded?.length && !diff.acceptancesRemoved?.length;
}

/** Plan terms travel with the hosts; an approval recorded before terms existed had none. */
type DiffSide = Pick<Plan, 'mode' | 'entries'> & { readonly terms?: readonly string[] };

/** What `current` changes compared with the approved plan (everything is added when none was approved). */
export function diffPlans(approved: DiffSide | undefined, current: DiffSide): PlanDiff {
	const before = new Map((approved?.entries ?? []).map((e) => [e.host, e]));
	const after = new Map(current.entries.map((e) => [e.host, e]));
	const added = current.entries.filter((e) => !before.has(e.host));
	const removed = (approved?.entries ?? []).filter((e) => !after.has(e.host));
	const changed: PlanChange[] = [];
	for (const a of current.entries) {
		const b = before.get(a.host);
		if (!b) {
			continue;
		}
		const what: string[] = [];
		if (a.web !== b.web) {
			what.push(a.web ? 'web ports 80/443 added' : 'web ports 80/443 removed');
		}
		for (const p of a.ports) {
			if (!b.ports.includes(p)) {
				what.push(`port ${p} added`);
			}
		}
		for (const p of b.ports) {
			if (!a.ports.includes(p)) {
				what.push(`port ${p} removed`);
			}
		}
		if (Boolean(a.exfilWarn) !== Boolean(b.exfilWarn)) {
			what.push(a.exfilWarn ? 'exfiltration suspects now only flagged (exfil: warn)' : 'exfiltration suspects now refused (exfil: warn removed)');
		}
		for (const s of a.sources) {
			if (!b.sources.includes(s)) {
				what.push(`now also from ${s}`);
			}
		}
		for (const s of b.sources) {
			if (!a.sources.includes(s)) {
				what.push(`no longer from ${s}`);
			}
		}
		if (what.length > 0) {
			changed.push({ before: b, after: a, what });
		}
	}
	const modeChanged = approved && approved.mode !== current.mode ? { from: approved.mode, to: current.mode } : undefined;
	const acceptedBefore = acceptedIdsOf(approved?.terms ?? []);
	const acceptedNow = acceptedIdsOf(current.terms ?? []);
	const acceptancesAdded = acceptedNow.filter((id) => !acceptedBefore.includes(id));
	const acceptancesRemoved = acceptedBefore.filter((id) => !acceptedNow.includes(id));
	const topologyBefore = topologyOfTerms(approved?.terms ?? []);
	const topologyNow = topologyOfTerms(current.terms ?? []);
	const topologyChanged = approved && topologyBefore !== topologyNow ? { from: topologyBefore, to: topologyNow } : undefined;
	return {
		added, removed, changed, ...(modeChanged ? { modeChanged } : {}), ...(topologyChanged ? { topologyChanged } : {}),
		...(acceptancesAdded.length > 0 ? { acceptancesAdded } : {}),
		...(acceptancesRemoved.length > 0 ? { acceptancesRemoved } : {}),
	};
}

/** The plan as `airlock plan --json` prints it. */
export function planToJson(plan: Plan): { hash: string; mode: Mode; entries: { host: string; unicode?: string; ports?: number[]; sources: string[]; risks: RiskNote[] }[] } {
	return {
		hash: plan.hash,
		mode: plan.mode,
		entries: plan.entries.map((e) => ({
			host: e.host,
			...(e.unicode ? { unicode: e.unicode } : {}),
			...(e.ports.length > 0 || !e.web ? { ports: [...(e.web ? [80, 443] : []), ...e.ports] } : {}),
			sources: [...e.sources],
			risks: [...e.risks],
		})),
	};
}
