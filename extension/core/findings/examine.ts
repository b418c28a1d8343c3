import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInputError, type SourceProblem } from '../errors';
import { acceptedIdsOf, isFindingId, type FindingId, type Severity } from './catalog';
import { readDevcontainerConfiguration } from './devcontainerReader';
import { defeatsNoNewPrivileges, findingsOf, type WorkspaceFacts } from './rules';
import { severityOf, severityReason, type AgentAccess } from './severity';
import type { ReadConfiguration } from './settings';
import { SIDECAR, SINGLE_CONTAINER, type LockTopology } from './topology';

/**
 * A finding about the container itself: a setting that lets the agent around the proxy or to
 * the host. `airlock plan --json` prints `{id, severity, file, line, column, detail, accepted}`
 * (docs/architecture.md); `setting` is the line as written, for people.
 */
export interface Finding {
	readonly id: FindingId;
	readonly severity: Severity;
	readonly file: string;
	readonly line: number;
	readonly column: number;
	readonly detail: string;
	/** The plan accepts this id (`accept:` in airlock.yaml, approved with the plan). */
	readonly accepted: boolean;
	readonly setting: string;
}

export interface ContainerExamination {
	/** The devcontainer.json examined, or where `airlock generate` would create it. */
	readonly configFile: string;
	readonly configExists: boolean;
	readonly configKind: ReadConfiguration['kind'];
	readonly topology: string;
	readonly access: AgentAccess;
	/** Blockers first, then warnings; each in file order. */
	readonly findings: readonly Finding[];
	/** What could not be examined, said out loud. */
	readonly notes: readonly string[];
}

export interface ExamineOptions {
	readonly topology?: LockTopology;
	/** Report what VS Code's Dev Containers opens to the host in every container (default true). */
	readonly editorChannels?: boolean;
	/** Plan terms (`accept <id>`) or finding ids that are accepted. */
	readonly accepted?: readonly string[];
}

function acceptedSet(accepted: readonly string[] | undefined): Set<FindingId> {
	const ids = new Set<FindingId>(acceptedIdsOf(accepted ?? []));
	for (const a of accepted ?? []) {
		if (isFindingId(a)) {
			ids.add(a);
		}
	}
	return ids;
}

function isDirectory(p: string): boolean {
	try {
		return fs.statSync(p).isDirectory();
	} catch {
		return false;
	}
}

export function workspaceFactsOf(workspace: string): WorkspaceFacts {
	return { gitDir: isDirectory(path.join(workspace, '.git')), vscodeDir: fs.existsSync(path.join(workspace, '.vscode')) };
}

/** The access the agent has, from the topology and the configuration (no-new-privileges switched off). */
export function agentAccessOf(topology: LockTopology, config: ReadConfiguration): AgentAccess {
	return { agentMayBeRoot: topology.agentMayBeRoot, noNewPrivilegesDefeated: defeatsNoNewPrivileges(config.settings) };
}

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { blocker: 0, warning: 1 };

/** Pure: the findings of a configuration already read (unit tests drive this with fixtures). */
export function examineConfiguration(config: ReadConfiguration, facts: WorkspaceFacts, options: ExamineOptions = {}, notes: readonly string[] = []): ContainerExamination {
	const topology = options.topology ?? SINGLE_CONTAINER;
	const access = agentAccessOf(topology, config);
	const accepted = acceptedSet(options.accepted);
	const findings: Finding[] = findingsOf(config, { topology, workspace: facts, editorChannels: options.editorChannels ?? true }).map((raw) => {
		const why = severityReason(raw.id, access);
		return {
			id: raw.id,
			severity: severityOf(raw.id, access),
			file: raw.at.file,
			line: raw.at.line,
			column: raw.at.column,
			detail: why ? `${raw.detail} ${why}` : raw.detail,
			accepted: accepted.has(raw.id),
			setting: raw.setting,
		};
	});
	findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column);
	return { configFile: config.configFile, configExists: config.configExists, configKind: config.kind, topology: topology.name, access, findings, notes: [...notes] };
}

/**
 * Examines the workspace's dev container configuration as it is on disk. Throws
 * InvalidInputError (file, line, column) when devcontainer.json or a Compose file cannot be parsed.
 */
export function examineWorkspace(workspace: string, options: ExamineOptions = {}): ContainerExamination {
	const { config, notes } = readDevcontainerConfiguration(workspace);
	// The plan's terms say where the lock lives when the caller does not.
	const topology = options.topology ?? ((options.accepted ?? []).includes('topology sidecar') ? SIDECAR : undefined);
	return examineConfiguration(config, workspaceFactsOf(workspace), { ...options, ...(topology ? { topology } : {}) }, notes);
}

export function unacceptedBlockers(examination: Pick<ContainerExamination, 'findings'>): Finding[] {
	return examination.findings.filter((f) => f.severity === 'blocker' && !f.accepted);
}

/** The JSON shape of a finding (`airlock plan --json`, docs/architecture.md). */
export function findingToJson(f: Finding): { id: FindingId; severity: Severity; file: string; line: number; column: number; detail: string; accepted: boolean } {
	return { id: f.id, severity: f.severity, file: f.file, line: f.line, column: f.column, detail: f.detail, accepted: f.accepted };
}

export function findingLocation(f: Pick<Finding, 'file' | 'line' | 'column'>): string {
	return `${f.file}:${f.line}:${f.column}`;
}

/** The YAML a person adds to accept `ids` on purpose. */
export function acceptSnippet(ids: readonly FindingId[]): string {
	return ['accept:', ...[...new Set(ids)].map((id) => `  - { finding: ${id}, reason: "why this container needs it" }`)].join('\n');
}

/**
 * The refusal `airlock up`, `airlock check` and the editor's Approve give for unaccepted
 * blockers: each with its location, then the two ways out.
 */
export function refusalText(blockers: readonly Finding[], policyFile: string): string {
	const lines = [
		`the dev container configuration has ${blockers.length} setting${blockers.length === 1 ? '' : 's'} that defeat${blockers.length === 1 ? 's' : ''} the egress lock and ${blockers.length === 1 ? 'is' : 'are'} not accepted:`,
		...blockers.map((f) => `  ${findingLocation(f)}: ${f.id}: ${f.detail}`),
		'Two ways out: remove the setting from the configuration, or accept it on purpose in ' + policyFile + ':',
		...acceptSnippet(blockers.map((f) => f.id)).split('\n').map((l) => `  ${l}`),
		'and approve the plan again (`airlock approve`): the acceptance is part of the plan and its hash.',
	];
	return lines.join('\n');
}

/** The examination, or the problems that stopped it (a broken devcontainer.json must not hide the plan). */
export type ExaminationOutcome = { readonly examination: ContainerExamination; readonly problems?: undefined } | { readonly examination?: undefined; readonly problems: readonly SourceProblem[] };

export function examineWorkspaceSafely(workspace: string, options: ExamineOptions = {}): ExaminationOutcome {
	try {
		return { examination: examineWorkspace(workspace, options) };
	} catch (err) {
		if (err instanceof InvalidInputError) {
			return { problems: err.problems };
		}
		throw err;
	}
}
