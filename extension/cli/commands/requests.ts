import * as readline from 'node:readline/promises';
import type { CliContext, Command } from '../command';
import { CliError, EXIT_CHECK_FAILED, EXIT_INVALID, EXIT_OK } from '../command';
import { approvalFile, currentApprover, readApproval, readApprovedPolicy, recordApproval } from '../../core/approvals';
import { readFileIfExists, writeFileAtomic } from '../../core/atomicFile';
import { buildPlan, diffPlans, projectPolicyFile, readLayers } from '../../core/plan';
import { parsePolicyText } from '../../core/policyFile';
import { allowItemText, appendToTopLevelList } from '../../core/policyTextEdit';
import { policyAllows, requestReason, requestTarget, writeRequestBook, REJECT_COOLDOWN_MS, type AccessRequest, type RequestBook } from '../../core/requests';
import { riskNotesFor } from '../../core/risks';
import { enforceApproved } from '../../docker/lock';
import { DockerLayerError } from '../../docker/errors';
import { formatDiff } from '../format';
import { syncObserved } from '../observedSync';

/**
 * `airlock requests`: what the agent asked for (`airlock-request` in the container), and the
 * person's answer. Approving adds the host to airlock.yaml (keeping its layout), shows the
 * whole change to the approved plan, records the approval once the person confirms and applies
 * it to the running container at once. Nothing is ever approved without that confirmation.
 */
function when(ms: number): string {
	return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function describe(r: AccessRequest): string[] {
	const lines = [
		`  ${r.id}  ${requestTarget(r)}${r.port === undefined ? ' (web ports 80, 443)' : ` (tunnel to port ${r.port})`}`,
		`      asked ${r.count === 1 ? 'once' : `${r.count} times`}, last at ${when(r.lastSeen)}${r.state === 'pending' ? '' : ` — ${r.state} by ${r.decidedBy ?? '?'} at ${when(r.decidedAt ?? 0)}`}`,
		// The reason is the agent's text: cleaned to one plain line, shown quoted, never run.
		`      why (from the agent): "${r.why}"`,
	];
	for (const risk of riskNotesFor(r.host, r.port === undefined ? [] : [r.port])) {
		lines.push(`      ! ${risk.message}`);
	}
	return lines;
}

function asJson(r: AccessRequest): Record<string, unknown> {
	return { ...r, target: requestTarget(r), port: r.port ?? null, risks: riskNotesFor(r.host, r.port === undefined ? [] : [r.port]) };
}

function findOrFail(book: RequestBook, wanted: string | undefined): AccessRequest {
	if (!wanted) {
		throw new CliError('say which request: its id (r1a2b3c4d) or its target (api.example.com)', EXIT_INVALID, 'run `airlock requests` to list them');
	}
	const r = book.find(wanted);
	if (!r) {
		throw new CliError(`no access request ${JSON.stringify(wanted)}`, EXIT_INVALID, 'run `airlock requests --all` to list them');
	}
	return r;
}

async function confirm(ctx: CliContext, question: string): Promise<boolean> {
	if (ctx.values.yes === true) {
		return true;
	}
	if (!ctx.interactive) {
		ctx.stderr.write('airlock requests: not approved: no terminal to ask on; pass --yes to approve non-interactively.\n');
		return false;
	}
	const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stdout });
	const answer = await rl.question(question);
	rl.close();
	return /^y(es)?$/i.test(answer.trim());
}

async function list(ctx: CliContext): Promise<number> {
	const observed = await syncObserved(ctx);
	if (observed.note) {
		ctx.stderr.write(`airlock requests: ${observed.note}\n`);
	}
	const book = observed.books.requests;
	const shown = ctx.values.all === true ? book.list() : book.list('pending');
	if (ctx.values.json === true) {
		ctx.stdout.write(JSON.stringify({ requests: shown.map(asJson), ignored: book.ignoredCounts }, null, 2) + '\n');
		return EXIT_OK;
	}
	const pending = book.list('pending').length;
	ctx.stdout.write(pending === 0 ? 'No access requests are waiting.\n' : `Access requests from the agent (${pending} waiting):\n`);
	for (const r of shown) {
		ctx.stdout.write(describe(r).join('\n') + '\n');
	}
	const ignored = book.ignoredCounts;
	const dropped = ignored.malformed + ignored.overLimit + ignored.rateLimited;
	if (dropped > 0) {
		ctx.stdout.write(`\n${dropped} request(s) were not queued: ${ignored.malformed} malformed, ${ignored.overLimit} over the limit of waiting requests, ${ignored.rateLimited} over the rate limit.\n`);
	}
	if (pending > 0) {
		ctx.stdout.write('\nReview one: `airlock requests approve ID` (shows the change first) or `airlock requests reject ID`.\n');
	}
	return EXIT_OK;
}

async function approve(ctx: CliContext): Promise<number> {
	const observed = await syncObserved(ctx);
	const book = observed.books.requests;
	const r = findOrFail(book, ctx.positionals[1]);
	const file = projectPolicyFile(ctx.workspace);
	const text = readFileIfExists(file);
	if (text === undefined) {
		throw new CliError(`${file} does not exist`, EXIT_INVALID, 'run `airlock init` first');
	}
	const project = parsePolicyText(text, file);
	const layers = readLayers(ctx.workspace, ctx.env);
	const listed = buildPlan({ ...layers, project }).policy;
	const after = policyAllows(listed, r.host, r.port)
		? text
		: appendToTopLevelList(text, file, 'allow', [allowItemText({ host: r.host, ...(r.port !== undefined ? { ports: [r.port] } : {}), reason: requestReason(r) })]);
	const plan = buildPlan({ ...layers, project: parsePolicyText(after, file) });
	const approval = readApproval(ctx.workspace, ctx.env);
	ctx.stdout.write(`The agent asks for ${requestTarget(r)}:\n${describe(r).slice(1).join('\n')}\n\n`);
	ctx.stdout.write(after === text ? `${file} already lists it.\n\n` : `This adds to ${file}:\n  - ${allowItemText({ host: r.host, ...(r.port !== undefined ? { ports: [r.port] } : {}), reason: requestReason(r) })}\n\n`);
	ctx.stdout.write(formatDiff(diffPlans(approval?.plan, plan), approval) + '\n\n');
	if (!(await confirm(ctx, `Approve this plan (${plan.entries.length} hosts, mode ${plan.mode})? [y/N] `))) {
		ctx.stdout.write('Not approved; nothing changed.\n');
		return EXIT_CHECK_FAILED;
	}
	if (after !== text) {
		writeFileAtomic(file, after);
	}
	const record = recordApproval(ctx.workspace, plan, { note: `access request ${r.id} for ${requestTarget(r)}` }, ctx.env);
	book.decide(r.id, 'approved', record.approvedBy);
	book.reconcile(plan.policy, record.approvedBy);
	writeRequestBook(ctx.workspace, book, ctx.env);
	ctx.stdout.write(`Approved ${record.planHash} as ${record.approvedBy}; recorded in ${approvalFile(ctx.workspace, ctx.env)}.\n`);
	if (!observed.lock) {
		ctx.stdout.write(`No locked container is running${observed.note ? ` (${observed.note})` : ''}; the approved plan is enforced when it starts (\`airlock up\`).\n`);
		return EXIT_OK;
	}
	try {
		const approved = readApprovedPolicy(ctx.workspace, ctx.env);
		if (approved) {
			await enforceApproved(observed.lock, approved);
		}
	} catch (err) {
		if (err instanceof DockerLayerError) {
			throw new CliError(`approved, but ${observed.lock.control.name} did not take the new policy: ${err.message}; it keeps enforcing its previous policy`, EXIT_CHECK_FAILED, err.nextStep ?? 'run `airlock status`');
		}
		throw err;
	}
	ctx.stdout.write(`Applied to ${observed.lock.control.name}: ${requestTarget(r)} is reachable now, no rebuild needed. \`airlock generate\` writes devcontainer.json for the next rebuild.\n`);
	return EXIT_OK;
}

async function reject(ctx: CliContext): Promise<number> {
	const observed = await syncObserved(ctx);
	const book = observed.books.requests;
	const r = findOrFail(book, ctx.positionals[1]);
	book.decide(r.id, 'rejected', currentApprover(ctx.env));
	writeRequestBook(ctx.workspace, book, ctx.env);
	ctx.stdout.write(`Rejected ${r.id} (${requestTarget(r)}). It stays blocked, and the agent's asking again is not raised for ${REJECT_COOLDOWN_MS / 3_600_000} hours.\n`);
	return EXIT_OK;
}

export const requestsCommand: Command = {
	name: 'requests',
	summary: 'list the access requests the agent sent (airlock-request), and approve or reject one',
	usage: '[list | approve ID | reject ID]',
	options: {
		json: { type: 'boolean', description: 'list as JSON: {requests: [{id, host, port, target, why, count, firstSeen, lastSeen, state, risks}], ignored}' },
		all: { type: 'boolean', description: 'list decided requests too' },
		yes: { type: 'boolean', short: 'y', description: 'approve without asking (you, the person, still decide: the agent cannot run this)' },
	},
	async run(ctx) {
		const action = ctx.positionals[0] ?? 'list';
		switch (action) {
			case 'list':
				return list(ctx);
			case 'approve':
				return approve(ctx);
			case 'reject':
				return reject(ctx);
			default:
				throw new CliError(`unknown action ${JSON.stringify(action)}`, EXIT_INVALID, 'use `airlock requests`, `airlock requests approve ID` or `airlock requests reject ID`');
		}
	},
};
