import type { CliContext, Command } from '../command';
import { CliError, EXIT_INVALID, EXIT_OK } from '../command';
import { readFileIfExists, writeFileAtomic } from '../../core/atomicFile';
import { buildPlan, projectPolicyFile, readLayers } from '../../core/plan';
import { parsePolicyText } from '../../core/policyFile';
import { loadAllPresets } from '../../core/presets';
import { applyProposalToText, isEmptyProposal, proposalDiff, proposeFromLog, removeEntriesFromText } from '../../core/propose';
import { DEFAULT_UNUSED_AFTER_DAYS } from '../../core/views/planAnnotations';
import { DAY_MS, usageForEntries } from '../../core/usage';
import { withDockerErrors } from './status';
import { observedEntries, syncObserved } from '../observedSync';

/**
 * `airlock propose`: what audit mode (or the blocked log) observed, as a proposed change to
 * airlock.yaml — a diff to review. `--write` writes it; approving stays a separate step
 * (`airlock approve`), so nothing is enforced before a person approves the plan.
 */
const FILE_LABEL = '.devcontainer/airlock.yaml';

function numberOption(ctx: CliContext, name: string, fallback: number, min: number): number {
	const raw = ctx.values[name];
	if (raw === undefined) {
		return fallback;
	}
	const n = Number(raw);
	if (typeof raw !== 'string' || !Number.isFinite(n) || n < min) {
		throw new CliError(`--${name} must be a number of at least ${min}, got ${JSON.stringify(raw)}`, EXIT_INVALID);
	}
	return n;
}

function finish(ctx: CliContext, file: string, before: string, after: string): number {
	const diff = proposalDiff(before, after, FILE_LABEL);
	if (ctx.values.json === true) {
		return EXIT_OK;
	}
	ctx.stdout.write(`\n${diff}`);
	if (ctx.values.write === true) {
		writeFileAtomic(file, after);
		ctx.stdout.write(`\nWrote ${file}. Nothing is enforced yet: review the plan and approve it with \`airlock approve\`.\n`);
	} else {
		ctx.stdout.write('\nNothing was written. Run again with --write to write it, then `airlock approve` to review and approve the plan.\n');
	}
	return EXIT_OK;
}

async function proposeRemovals(ctx: CliContext, file: string, text: string): Promise<number> {
	const days = numberOption(ctx, 'unused-days', DEFAULT_UNUSED_AFTER_DAYS, 0);
	const observed = await syncObserved(ctx);
	if (observed.note) {
		ctx.stderr.write(`airlock propose: ${observed.note}\n`);
	}
	const project = parsePolicyText(text, file);
	const plan = buildPlan({ ...readLayers(ctx.workspace, ctx.env), project });
	const usage = usageForEntries(plan.entries, observed.books.usage, days * DAY_MS);
	const unused = plan.entries.filter((e) => usage.get(e.host)?.unused && e.sources.every((s) => s === 'project'));
	const { text: after, removed } = removeEntriesFromText(text, file, new Set(unused.map((e) => e.host)));
	if (ctx.values.json === true) {
		ctx.stdout.write(JSON.stringify({ remove: unused.map((e) => ({ host: e.host, usage: usage.get(e.host)?.text })), diff: proposalDiff(text, after, FILE_LABEL) }, null, 2) + '\n');
		return EXIT_OK;
	}
	if (removed.length === 0) {
		ctx.stdout.write(`No entry of ${FILE_LABEL} has gone unused for ${days} days.\n`);
		return EXIT_OK;
	}
	ctx.stdout.write(`Unused for ${days} days (usage kept on this machine since ${new Date(observed.books.usage.trackingSince).toISOString()}):\n`);
	for (const e of unused) {
		ctx.stdout.write(`  - ${e.host}: ${usage.get(e.host)?.text}\n`);
	}
	return finish(ctx, file, text, after);
}

export const proposeCommand: Command = {
	name: 'propose',
	summary: 'propose a change to airlock.yaml from what the proxy observed (audit mode or the blocked log), as a diff to review',
	options: {
		log: { type: 'string', description: 'read a recorded proxy log (JSON lines) instead of the running container\'s' },
		write: { type: 'boolean', description: 'write the proposal to .devcontainer/airlock.yaml (still to be approved)' },
		json: { type: 'boolean', description: 'print {presets, entries, skipped, alreadyAllowed, diff} as JSON' },
		'wildcard-min': { type: 'string', description: 'names under one domain before a wildcard is proposed (default 3)' },
		'remove-unused': { type: 'boolean', description: 'propose removing the entries unused for --unused-days instead' },
		'unused-days': { type: 'string', description: `with --remove-unused: days without use (default ${DEFAULT_UNUSED_AFTER_DAYS})` },
	},
	async run(ctx) {
		const file = projectPolicyFile(ctx.workspace);
		const text = readFileIfExists(file);
		if (text === undefined) {
			throw new CliError(`${file} does not exist`, EXIT_INVALID, 'run `airlock init` first (in audit mode: `airlock init --mode audit`)');
		}
		if (ctx.values['remove-unused'] === true) {
			return proposeRemovals(ctx, file, text);
		}
		const wildcardMin = numberOption(ctx, 'wildcard-min', 3, 2);
		const logFile = typeof ctx.values.log === 'string' ? ctx.values.log : undefined;
		const { entries, source } = await withDockerErrors(() => observedEntries(ctx, logFile));
		const project = parsePolicyText(text, file);
		const layers = readLayers(ctx.workspace, ctx.env);
		const plan = buildPlan({ ...layers, project });
		const proposal = proposeFromLog(entries, plan.policy, loadAllPresets(layers.presetsDir), project.presets.map((p) => p.name), { wildcardMin });
		const after = applyProposalToText(text, file, proposal);
		if (ctx.values.json === true) {
			ctx.stdout.write(JSON.stringify({ ...proposal, source, diff: proposalDiff(text, after, FILE_LABEL) }, null, 2) + '\n');
			return EXIT_OK;
		}
		ctx.stdout.write(`Read ${proposal.considered} refused request(s) from ${source}.\n`);
		for (const p of proposal.presets) {
			ctx.stdout.write(`  preset ${p.name} (${p.description}) covers ${p.covers.join(', ')}\n`);
		}
		for (const e of proposal.entries) {
			ctx.stdout.write(`  ${e.host}${e.ports ? `:${e.ports.join(',')}` : ''}: ${e.reason}${e.names.length > 0 ? ` (${e.names.join(', ')})` : ''}\n`);
		}
		for (const s of proposal.skipped) {
			ctx.stdout.write(`  not proposed: ${s.target}: ${s.why}\n`);
		}
		if (proposal.alreadyAllowed.length > 0) {
			ctx.stdout.write(`  already allowed by the current plan: ${proposal.alreadyAllowed.join(', ')}\n`);
		}
		if (isEmptyProposal(proposal)) {
			ctx.stdout.write('Nothing to propose: the plan already covers what was seen.\n');
			return EXIT_OK;
		}
		return finish(ctx, file, text, after);
	},
};
