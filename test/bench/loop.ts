/**
 * Benchmarks of the agent's loop (issue 12), run by bench.ts as the groups `exfil` and
 * `request`: what exfiltration scoring costs per request (the host scorer, and the proxy's Perl
 * helper), the latency a scored wildcard adds against exact entries in the same run, and how
 * long an access request takes from `airlock-request` in the container to the host's decision to
 * notify (the path the editor's notification takes). Figures and ratios are printed, never
 * asserted (docs/benchmarks.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import { canonicalText, type EnforcedPolicy } from '../../extension/core/enforcedPolicy';
import { scoreTarget } from '../../extension/core/exfil/score';
import { RequestBook } from '../../extension/core/requests';
import { applyPolicy, LIVE_POLICY_PATH } from '../../extension/docker/control';
import { ProxyLogFollower } from '../../extension/docker/logStream';
import { exfilCases } from '../unit/helpers/exfilCorpus';
import { asAgentOk, asRoot, percentile, REPO_ROOT, TUNNEL_ARGS, waitFor, type BuiltWorkspace } from './lib/harness';

type Results = Record<string, number>;
type Details = Record<string, unknown>;

export interface LoopSetup {
	readonly docker: Docker;
	readonly locked: BuiltWorkspace;
	/** The domain the benchmark's names live under. */
	readonly domain: string;
	/** The host every benchmark name resolves to (its /etc/hosts name). */
	readonly bulkName: string;
}

const HOST_SCORES = 20_000;
const HELPER_LINES = 20_000;
const LATENCY_NAMES_PER_SERIES = 400;
const LATENCY_BLOCKS = 4;
const REQUEST_SAMPLES = 20;

function r2(v: number): number {
	return Math.round(v * 100) / 100;
}

/** Realistic targets: the benign corpus and the exfiltration corpus, mixed. */
function scoringTargets(): { host: string; url?: string; base?: string }[] {
	const benign = fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'exfil', 'benign.txt'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => {
		const [host, url] = l.trim().split(/\s+/);
		return { host, ...(url ? { url } : {}) };
	});
	const all = [...benign, ...exfilCases()];
	return Array.from({ length: HOST_SCORES }, (_, i) => all[i % all.length]);
}

/** Scoring cost per request: the host scorer in-process, the proxy's helper in the container. */
async function measureScoringCost(setup: LoopSetup, results: Results, details: Details): Promise<void> {
	const targets = scoringTargets();
	for (const t of targets.slice(0, 500)) {
		scoreTarget(t);
	}
	const started = performance.now();
	let suspects = 0;
	for (const t of targets) {
		suspects += scoreTarget(t).suspect ? 1 : 0;
	}
	const hostMicros = ((performance.now() - started) * 1000) / targets.length;
	results.exfilScoreMicrosHost = hostMicros;

	// The helper as Squid runs it (concurrency protocol), timed inside the container so the
	// docker exec start-up is not in the figure; one line alone gives Perl's start-up to subtract.
	const lines = targets.slice(0, HELPER_LINES).map((t, i) => `${i} ${t.host} ${t.url ?? `${t.host}:443`} -`).join('\n') + '\n';
	const script = [
		'f=$(mktemp); cat > "$f"; head -n 1 "$f" > "$f.one"',
		'h=/usr/local/share/airlock/lib/exfil-score.pl; b=/etc/airlock/squid/exfil.bases',
		's=$(date +%s%N); perl "$h" "$b" < "$f.one" > /dev/null; m=$(date +%s%N); perl "$h" "$b" < "$f" | wc -l; e=$(date +%s%N)',
		'echo "$((m - s)) $((e - m))"; rm -f "$f" "$f.one"',
	].join('\n');
	const r = await asRoot(setup.locked.container, ['bash', '-c', script], { input: lines, timeoutMs: 300_000 });
	const [answered, times] = r.stdout.trim().split('\n');
	const [oneNs, allNs] = times.split(' ').map(Number);
	if (Number(answered) !== HELPER_LINES) {
		throw new Error(`the helper answered ${answered} of ${HELPER_LINES} lines: ${r.stderr}`);
	}
	const helperMicros = (allNs - oneNs) / 1000 / (HELPER_LINES - 1);
	results.exfilScoreMicrosProxy = helperMicros;
	details.exfilScoring = { targets: targets.length, suspects, hostMicrosPerRequest: r2(hostMicros), proxyHelperMicrosPerRequest: r2(helperMicros), perlStartMs: r2(oneNs / 1e6) };
}

/**
 * Added latency, scoring on against off, in one run and under one policy: a wildcard (its names
 * scored) plus the same number of names under it listed exactly (never scored: exact entries are
 * exempt). No apply between series, so no proxy reconfigure falls into the figures. Every name is
 * new to the proxy in the first pass (the helper scores each; both series pay one name lookup
 * each) and known in the second (the helper's cache answers). Blocks alternate (ABBA) so drift
 * in machine load falls on both series.
 */
async function measureScoringLatency(setup: LoopSetup, results: Results, details: Details): Promise<void> {
	const container = setup.locked.container;
	const zone = `scored.${setup.domain}`;
	const stamp = Date.now().toString(36);
	const names = Array.from({ length: LATENCY_NAMES_PER_SERIES * 2 + 2 }, (_, i) => `n${i}-${stamp}.${zone}`);
	const ip = (await asRoot(container, ['getent', 'hosts', setup.bulkName])).stdout.trim().split(/\s+/)[0];
	if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
		throw new Error(`cannot find ${setup.bulkName} in the container's /etc/hosts`);
	}
	const original = (await asRoot(container, ['cat', LIVE_POLICY_PATH])).stdout;
	const hostsBackup = (await asRoot(container, ['cat', '/etc/hosts'])).stdout;
	await asRoot(container, ['sh', '-c', 'cat >> /etc/hosts'], { input: names.map((n) => `${ip} ${n}\n`).join('') });
	const base = original.split('\n').filter((l) => l.startsWith('allow ')).map((l) => l.slice('allow '.length)).map((rule) => {
		const colon = rule.lastIndexOf(':');
		return colon > 0 ? { host: rule.slice(0, colon), port: Number(rule.slice(colon + 1)) } : { host: rule };
	});
	const mode = /^mode (enforce|audit)$/m.exec(original)?.[1] === 'audit' ? 'audit' : 'enforce';
	const [warmOn, warmOff] = names.slice(-2);
	const onNames = names.slice(0, -2).filter((_, i) => i % 2 === 0);
	const offNames = names.slice(0, -2).filter((_, i) => i % 2 === 1);
	const policy: EnforcedPolicy = { mode, rules: [...base, { host: `*.${zone}`, port: 8443 }, ...[...offNames, warmOff].map((host) => ({ host, port: 8443 }))] };
	const perBlock = LATENCY_NAMES_PER_SERIES / LATENCY_BLOCKS;
	const block = async (blockNames: string[]): Promise<number[]> => {
		const config = blockNames.map((n) => `url = "http://${n}:8443/index.html"\noutput = "/dev/null"\n`).join('');
		const script = `f=$(mktemp) && cat > "$f" && curl -sS -f ${TUNNEL_ARGS} -w '%{time_total} %{http_code}\\n' --config "$f"; rc=$?; rm -f "$f"; exit $rc`;
		const r = await asAgentOk(container, script, { proxy: false, input: config, timeoutMs: 300_000 });
		const rows = r.stdout.trim().split('\n').map((l) => l.split(' '));
		if (rows.length !== blockNames.length || rows.some((row) => row[1] !== '200')) {
			throw new Error(`scoring latency block: ${rows.length} of ${blockNames.length} transfers, codes ${[...new Set(rows.map((row) => row[1]))].join(',')}`);
		}
		return rows.map((row) => Number(row[0]) * 1000);
	};
	const series = async (): Promise<{ on: number[]; off: number[] }> => {
		const on: number[] = [];
		const off: number[] = [];
		for (let i = 0; i < LATENCY_BLOCKS; i++) {
			const onBlock = onNames.slice(i * perBlock, (i + 1) * perBlock);
			const offBlock = offNames.slice(i * perBlock, (i + 1) * perBlock);
			if (i % 2 === 0) {
				on.push(...(await block(onBlock)));
				off.push(...(await block(offBlock)));
			} else {
				off.push(...(await block(offBlock)));
				on.push(...(await block(onBlock)));
			}
		}
		return { on, off };
	};
	let cold: { on: number[]; off: number[] };
	let warm: { on: number[]; off: number[] };
	try {
		await applyPolicy(setup.docker, container, canonicalText(policy));
		// The helper starts on first use: start it outside the figures.
		await block([warmOn, warmOff]);
		cold = await series();
		warm = await series();
	} finally {
		await applyPolicy(setup.docker, container, original);
		await asRoot(container, ['sh', '-c', 'cat > /etc/hosts'], { input: hostsBackup });
	}
	results.exfilAddedLatencyMsP50 = percentile(cold.on, 50) - percentile(cold.off, 50);
	results.exfilLatencyRatioP50Cached = percentile(warm.on, 50) / percentile(warm.off, 50);
	const summary = (v: number[]): Record<string, number> => ({ p50: r2(percentile(v, 50)), p95: r2(percentile(v, 95)), p99: r2(percentile(v, 99)) });
	details.exfilLatency = {
		requestsEach: cold.on.length,
		newNames: { scoredMs: summary(cold.on), exactMs: summary(cold.off), ratioP50: r2(percentile(cold.on, 50) / percentile(cold.off, 50)) },
		knownNames: { scoredMs: summary(warm.on), exactMs: summary(warm.off), addedP50Ms: r2(percentile(warm.on, 50) - percentile(warm.off, 50)) },
	};
}

export async function measureExfil(setup: LoopSetup, results: Results, details: Details): Promise<void> {
	await measureScoringCost(setup, results, details);
	await measureScoringLatency(setup, results, details);
}

/**
 * Access request to notification: `airlock-request` as the agent in the container (its own
 * rate-limit state fresh each time), to the moment the host's request book raises it — where
 * the editor shows its notification. Requests are spaced past the host's rate limit (ten new
 * requests a minute), with a random part so they do not fall into step with any polling.
 */
export async function measureRequestToNotification(setup: LoopSetup, results: Results, details: Details): Promise<void> {
	const follower = new ProxyLogFollower({ docker: setup.docker, workspace: setup.locked.folder, from: 'end' });
	const book = new RequestBook();
	const raisedAt = new Map<string, number>();
	follower.on('entry', (entry) => {
		const outcome = book.ingest(entry);
		if (outcome.kind === 'new') {
			raisedAt.set(outcome.request.host, Date.now());
		}
	});
	follower.start();
	try {
		await waitFor('the follower to follow', () => (follower.state === 'following' ? true : undefined));
		const delays: number[] = [];
		const run = Date.now().toString(36);
		for (let i = 0; i < REQUEST_SAMPLES; i++) {
			const host = `asked${i}-${run}.${setup.domain}`;
			await new Promise((r) => setTimeout(r, 6_000 + Math.floor(Math.random() * 1000)));
			const r = await asAgentOk(setup.locked.container, `date +%s%N; XDG_STATE_HOME=$(mktemp -d) airlock-request ${host} --why 'bench sample ${i}' >/dev/null`, { proxy: true });
			const sentMs = Number(BigInt(r.stdout.trim().split('\n')[0]) / 1000n) / 1000;
			const seen = await waitFor(`the request for ${host}`, () => raisedAt.get(host), { attempts: 400, everyMs: 25 });
			delays.push(seen - sentMs);
		}
		results.requestToNotificationSecondsP95 = percentile(delays, 95) / 1000;
		details.requestToNotification = { samples: delays.length, p50Ms: Math.round(percentile(delays, 50)), p95Ms: Math.round(percentile(delays, 95)), maxMs: Math.round(Math.max(...delays)) };
	} finally {
		await follower.stop();
	}
}
