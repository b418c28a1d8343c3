/**
 * `npm run bench` (scripts/bench/run.sh builds first, then runs this from out/): measures
 * Airlock with real containers built by the devcontainer CLI, prints a table with each figure's
 * target, and writes bench/results.json. Every figure is documented in docs/benchmarks.md.
 *
 * Environment: AIRLOCK_BENCH_ONLY=start,throughput,... runs only those groups (development);
 * AIRLOCK_BENCH_RUNS overrides the number of with/without pairs for the start overhead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import { stringify as yamlStringify } from 'yaml';
import { recordApproval } from '../../extension/core/approvals';
import { canonicalText } from '../../extension/core/enforcedPolicy';
import { buildPlan, readLayers, resolvePlan, type Plan } from '../../extension/core/plan';
import { formatBlockedLine, isDenied } from '../../extension/core/proxyLog';
import { createDockerClient } from '../../extension/docker/connect';
import { applyPolicy } from '../../extension/docker/control';
import { execInContainer } from '../../extension/docker/exec';
import { ProxyLogFollower } from '../../extension/docker/logStream';
import { dockerOk, docker, leftovers, newTestRun, removeEverything, type TestRun } from '../e2e/lib/docker';
import { createTestNetwork } from '../e2e/lib/testNetwork';
import { startLoadHost } from '../reliability/lib/loadHost';
import { DEV_IMAGE, proxyEnv } from '../e2e/lib/workspace';
import { measureExfil, measureRequestToNotification, type LoopSetup } from './loop';
import { measureSidecar } from './sidecar';
import {
	BENCH_NETWORK, MEDIUM_FILE_BYTES, PLAIN_PROXY_ARGS, PROXY_PORT, REPO_ROOT, TUNNEL_ARGS, asAgentOk, buildImageOnly, buildWorkspace, median, namesTo, nsToMs, percentile, startBulkHost, startContainerPoller,
	waitFor, type BuiltWorkspace,
} from './lib/harness';

const DOMAIN = 'airlock-bench.example';
export const BULK = `bulk.${DOMAIN}`;
/** The nginx host for the concurrency figure (see measureConcurrency). */
const MANY = `many.${DOMAIN}`;
const APPROVE_RUNS = 5;
const APPROVE_HOSTS = Array.from({ length: APPROVE_RUNS }, (_, i) => `approve${i + 1}.${DOMAIN}`);
const BLOCK_SAMPLES = 40;
const LATENCY_REQUESTS = 2000;
const CONCURRENT_TUNNELS = 256;
const ALLOWLIST_SIZE = 10_000;

/** The figures bench/results.json must carry (numbers), in table order. */
interface Figure {
	readonly key: string;
	readonly label: string;
	readonly unit: string;
	/** Undefined: reported, with no target (the issue names none). */
	readonly target?: number;
	/** 'max': the figure must be ≤ target; 'min': ≥ target. */
	readonly bound: 'max' | 'min';
	readonly digits: number;
}

const FIGURES: readonly Figure[] = [
	{ key: 'startOverheadSeconds', label: 'start overhead (locked + first request)', unit: 's', target: 0.5, bound: 'max', digits: 3 },
	{ key: 'throughputRatio', label: 'throughput, CONNECT tunnel / direct', unit: '', target: 0.9, bound: 'min', digits: 3 },
	{ key: 'throughputRatioPlainHttp', label: 'throughput, plain-HTTP proxy / direct', unit: '', target: 0.9, bound: 'min', digits: 3 },
	{ key: 'addedLatencyMsP50', label: 'added latency p50 (new connection each)', unit: 'ms', target: 2, bound: 'max', digits: 2 },
	{ key: 'addedLatencyMsP99', label: 'added latency p99', unit: 'ms', target: 10, bound: 'max', digits: 2 },
	{ key: 'concurrentErrors', label: `errors at ${CONCURRENT_TUNNELS} concurrent tunnels`, unit: '', target: 0, bound: 'max', digits: 0 },
	{ key: 'approveToEnforcedSeconds', label: 'approval recorded → host answers', unit: 's', target: 1, bound: 'max', digits: 3 },
	{ key: 'blockToEditorSecondsP95', label: 'blocked request → editor line, p95', unit: 's', target: 1, bound: 'max', digits: 3 },
	{ key: 'allowlist10kResolveSeconds', label: '10k allowlist: resolve plan', unit: 's', target: 0.2, bound: 'max', digits: 3 },
	{ key: 'allowlist10kApplySeconds', label: '10k allowlist: applyPolicy', unit: 's', target: 2, bound: 'max', digits: 3 },
	{ key: 'allowlist10kLatencyRatio', label: '10k allowlist: latency / 10-entry', unit: '', target: 1.1, bound: 'max', digits: 3 },
	{ key: 'vsixBytes', label: '.vsix size', unit: 'B', target: 1024 * 1024, bound: 'max', digits: 0 },
	{ key: 'imageBytesAdded', label: 'image growth, base with git', unit: 'B', target: 25 * 1024 * 1024, bound: 'max', digits: 0 },
	{ key: 'imageBytesAddedMinimalBase', label: 'image growth, base without git/Perl', unit: 'B', target: 25 * 1024 * 1024, bound: 'max', digits: 0 },
	{ key: 'exfilScoreMicrosHost', label: 'exfiltration score per request, host scorer', unit: 'µs', target: 50, bound: 'max', digits: 1 },
	{ key: 'exfilScoreMicrosProxy', label: 'exfiltration score per request, proxy helper', unit: 'µs', target: 200, bound: 'max', digits: 1 },
	{ key: 'exfilAddedLatencyMsP50', label: 'scoring on vs off, a new name each, added p50', unit: 'ms', target: 1, bound: 'max', digits: 2 },
	{ key: 'exfilLatencyRatioP50Cached', label: 'scoring on / off, names seen before, p50', unit: '', target: 1.1, bound: 'max', digits: 3 },
	{ key: 'requestToNotificationSecondsP95', label: 'airlock-request → notification, p95', unit: 's', target: 1, bound: 'max', digits: 3 },
	// Ratios to a baseline measured in the same run (issue #14): they travel between machines.
	{ key: 'startRatio', label: 'start with / without Airlock (locked + first request)', unit: '', target: 1.2, bound: 'max', digits: 3 },
	{ key: 'approveToEnforcedExecs', label: 'approval → host answers, in bare docker execs', unit: '', target: 3, bound: 'max', digits: 2 },
	{ key: 'apply10Execs', label: 'applyPolicy of a 10-entry change, in bare docker execs', unit: '', bound: 'max', digits: 2 },
	{ key: 'allowlist10kApplyRatio', label: '10k apply / 10-entry apply', unit: '', target: 1.5, bound: 'max', digits: 3 },
	{ key: 'latencyRatioP50', label: 'latency p50, through the proxy / direct', unit: '', target: 1.3, bound: 'max', digits: 3 },
	{ key: 'imageBuildRatio', label: 'first image build with / without the Feature (base with git)', unit: '', bound: 'max', digits: 3 },
	{ key: 'imageBuildSecondsAdded', label: 'first image build: seconds the Feature adds', unit: 's', bound: 'max', digits: 1 },
	{ key: 'proxyRssIdleBytes', label: 'proxy memory (RSS), idle', unit: 'B', bound: 'max', digits: 0 },
	{ key: 'proxyRssLoadBytes', label: `proxy memory (RSS), peak under ${CONCURRENT_TUNNELS} tunnels`, unit: 'B', bound: 'max', digits: 0 },
	{ key: 'sidecarFirstBuildRatio', label: 'sidecar: first build, agent + proxy image / agent image (no cache)', unit: '', bound: 'max', digits: 3 },
	{ key: 'sidecarFirstUpRatio', label: 'sidecar: first up, airlock up / plain devcontainer up (no cache)', unit: '', bound: 'max', digits: 3 },
	{ key: 'sidecarAgentStartRatio', label: 'sidecar: agent start (proxy running) / plain start', unit: '', target: 1.2, bound: 'max', digits: 3 },
	{ key: 'sidecarApproveToEnforcedExecs', label: 'sidecar: approval → host answers, in bare execs', unit: '', target: 3, bound: 'max', digits: 2 },
	{ key: 'sidecarApply10Execs', label: 'sidecar: applyPolicy of a 10-entry change, in bare execs', unit: '', bound: 'max', digits: 2 },
	{ key: 'sidecarLatencyRatioP50', label: 'sidecar: latency p50, through the proxy / direct', unit: '', target: 1.3, bound: 'max', digits: 3 },
	{ key: 'sidecarThroughputRatio', label: 'sidecar: throughput, CONNECT tunnel / direct', unit: '', target: 0.9, bound: 'min', digits: 3 },
	{ key: 'sidecarProxyRssIdleBytes', label: 'sidecar: proxy container memory (RSS), idle', unit: 'B', bound: 'max', digits: 0 },
	{ key: 'sidecarProxyRssLoadBytes', label: 'sidecar: proxy container memory (RSS), peak under 64 tunnels', unit: 'B', bound: 'max', digits: 0 },
];

/**
 * One row of the side-by-side table: the same work with Airlock and without it (or the floor it
 * is counted in), measured in the same run, and their ratio.
 */
interface Comparison {
	readonly topology: 'single' | 'sidecar';
	readonly what: string;
	readonly airlock: string;
	readonly without: string;
	readonly ratio: number;
	readonly target?: { readonly bound: 'max' | 'min'; readonly value: number };
}

const comparisons: Comparison[] = [];

export function compare(row: Comparison): void {
	comparisons.push(row);
}

export const ms = (v: number): string => `${Math.round(v)} ms`;
export const mib = (v: number): string => `${(v / 1024 / 1024).toFixed(1)} MiB`;

const bareExecCache = new Map<string, Promise<{ apiMs: number; cliMs: number }>>();

/**
 * The floor for anything the host applies in a container: one bare exec of `true` (dockerode,
 * as applyPolicy uses, and the docker CLI), median of 15 each, once per container and user.
 */
export function bareExec(dockerClient: Docker, container: string, user: string): Promise<{ apiMs: number; cliMs: number }> {
	const key = `${container}:${user}`;
	let cached = bareExecCache.get(key);
	if (!cached) {
		cached = (async () => {
			const api: number[] = [];
			const cli: number[] = [];
			for (let i = 0; i < 15; i++) {
				const t0 = performance.now();
				const r = await execInContainer(dockerClient, container, ['true'], { user });
				api.push(performance.now() - t0);
				if (r.exitCode !== 0) {
					throw new Error(`bare exec in ${container.slice(0, 12)} exited ${r.exitCode}`);
				}
				const t1 = performance.now();
				await dockerOk(['exec', '-u', user, container, 'true']);
				cli.push(performance.now() - t1);
			}
			return { apiMs: median(api), cliMs: median(cli) };
		})();
		bareExecCache.set(key, cached);
	}
	return cached;
}

/**
 * The proxy's resident memory: the processes of its user in the container (Squid, its helpers;
 * in the sidecar also the supervising shell), from /proc on the host (`docker top` gives host PIDs).
 */
export async function proxyRss(container: string): Promise<number> {
	const uid = (await dockerOk(['exec', container, 'id', '-u', 'proxy'])).stdout.trim();
	const top = await dockerOk(['top', container, '-eo', 'pid,uid']);
	let kb = 0;
	for (const [pid, owner] of top.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/))) {
		if (owner !== uid) {
			continue;
		}
		try {
			const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
			kb += m ? Number(m[1]) : 0;
		} catch {
			// The process ended between listing and reading.
		}
	}
	return kb * 1024;
}

/** Samples proxyRss every 250 ms while `work` runs; resolves to the peak and the work's result. */
export async function peakRssDuring<T>(container: string, work: () => Promise<T>): Promise<{ peak: number; result: T }> {
	let peak = 0;
	let done = false;
	const sampler = (async () => {
		while (!done) {
			peak = Math.max(peak, await proxyRss(container).catch(() => 0));
			await new Promise((r) => setTimeout(r, 250));
		}
	})();
	try {
		const result = await work();
		return { peak, result };
	} finally {
		done = true;
		await sampler;
	}
}

/**
 * The base for the headline image growth: the benchmark Dockerfile plus git, as in every
 * dev container base image (mcr.microsoft.com/devcontainers/*) and nearly every project's own.
 * git depends on Perl, and so does Debian's squid (through libdbi-perl, for a logging helper
 * Airlock never runs), so on such a base the Feature adds no Perl; on the minimal base it adds
 * about 48 MiB of it (docs/benchmarks.md).
 */
const GIT_BASE_DOCKERFILE = [
	`FROM ${DEV_IMAGE}`,
	'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git sudo \\',
	' && rm -rf /var/lib/apt/lists/*',
	'',
].join('\n');

export type Results = Record<string, number>;
export type Details = Record<string, unknown>;

export interface Setup {
	readonly testRun: TestRun;
	readonly docker: Docker;
	readonly locked: BuiltWorkspace;
	readonly plain: BuiltWorkspace;
	readonly configHome: string;
}

function log(message: string): void {
	process.stderr.write(`bench: ${message}\n`);
}

function seconds(ms: number): number {
	return ms / 1000;
}

// ---------------------------------------------------------------------------------------------
// Start overhead: `docker start` of the stopped dev container until an allowlisted request
// succeeds as the agent (through HTTPS_PROXY when locked, direct without Airlock).

/** One start: the container is stopped before and after. Returns milliseconds. */
export async function timeStart(ws: BuiltWorkspace): Promise<number> {
	// A CONNECT tunnel when locked (HTTP_PROXY plus --proxytunnel, as HTTPS would make), to the
	// bulk host's busybox port: openssl s_server on 443 serves one connection at a time, and a
	// connection left half-open by the previous stop would stall it.
	const url = `http://${BULK}:8443/index.html`;
	const tunnel = ws.withAirlock ? '--proxytunnel' : '';
	// The poll runs inside the container, so exec start-up is paid once and retries are 10 ms apart.
	const poll = `for i in $(seq 1 1000); do curl -sf ${tunnel} -o /dev/null --max-time 2 ${url} && exit 0; sleep 0.01; done; exit 1`;
	const started = performance.now();
	await dockerOk(['start', ws.container]);
	await asAgentOk(ws.container, poll, { proxy: ws.withAirlock, timeoutMs: 60_000 });
	const elapsed = performance.now() - started;
	await dockerOk(['stop', '-t', '2', ws.container], { timeoutMs: 60_000 });
	return elapsed;
}

async function measureStart(setup: Setup, results: Results, details: Details): Promise<void> {
	const pairs = Number(process.env.AIRLOCK_BENCH_RUNS ?? 7);
	await dockerOk(['stop', '-t', '2', setup.locked.container, setup.plain.container], { timeoutMs: 60_000 });
	const withMs: number[] = [];
	const withoutMs: number[] = [];
	for (let i = 0; i < pairs; i++) {
		// Alternate which goes first, so drift in machine load falls on both sides.
		if (i % 2 === 0) {
			withMs.push(await timeStart(setup.locked));
			withoutMs.push(await timeStart(setup.plain));
		} else {
			withoutMs.push(await timeStart(setup.plain));
			withMs.push(await timeStart(setup.locked));
		}
	}
	const overheads = withMs.map((w, i) => w - withoutMs[i]);
	results.startOverheadSeconds = seconds(median(overheads));
	results.startRatio = median(withMs) / median(withoutMs);
	compare({ topology: 'single', what: 'start → locked + first request answered (median)', airlock: ms(median(withMs)), without: ms(median(withoutMs)), ratio: results.startRatio, target: { bound: 'max', value: 1.2 } });
	details.start = { withAirlockMs: withMs.map(Math.round), withoutAirlockMs: withoutMs.map(Math.round), medianWithMs: Math.round(median(withMs)), medianWithoutMs: Math.round(median(withoutMs)) };
	await dockerOk(['start', setup.locked.container, setup.plain.container]);
	// Back to a locked, answering proxy before the next group.
	await asAgentOk(setup.locked.container, `for i in $(seq 1 500); do curl -sf --proxytunnel -o /dev/null --max-time 2 http://${BULK}:8443/index.html && exit 0; sleep 0.02; done; exit 1`, { proxy: true });
}

// ---------------------------------------------------------------------------------------------
// Throughput: 256 MiB from the bulk host. Tunnel = CONNECT to bulk:8443 (plain HTTP inside, so
// neither side pays for TLS and only the proxy differs); plain = GET http://bulk/ via the proxy.

async function download(ws: BuiltWorkspace, curlArgs: string, url: string): Promise<number> {
	const r = await asAgentOk(ws.container, `curl -sS -f -o /dev/null -w '%{speed_download} %{size_download}' ${curlArgs} ${url}`, { proxy: false, timeoutMs: 120_000 });
	const [speed, size] = r.stdout.trim().split(' ').map(Number);
	if (size !== 256 * 1024 * 1024) {
		throw new Error(`download of ${url} got ${size} bytes`);
	}
	return speed;
}

interface SquidCounters {
	readonly readCalls: number;
	readonly writeCalls: number;
	readonly bytesRead: number;
	readonly cpuSeconds: number;
}

/**
 * Squid's syscall and CPU counters (/proc/PID/io and stat), summed over its processes. Read on
 * the host (`docker top` gives host PIDs): inside the container, root lacks the ptrace right
 * that /proc/PID/io of the proxy user's processes needs.
 */
async function squidCounters(container: string): Promise<SquidCounters> {
	const top = await dockerOk(['top', container, '-eo', 'pid,comm']);
	const pids = top.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((cols) => cols[1] === 'squid').map((cols) => cols[0]);
	const hz = 100; // USER_HZ on Linux
	let readCalls = 0, writeCalls = 0, bytesRead = 0, ticks = 0;
	for (const pid of pids) {
		try {
			const io = Object.fromEntries(fs.readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n').map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
			const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
			readCalls += io.syscr;
			writeCalls += io.syscw;
			bytesRead += io.rchar;
			// utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after "(comm) ".
			ticks += Number(stat[11]) + Number(stat[12]);
		} catch {
			// The process ended between listing and reading.
		}
	}
	return { readCalls, writeCalls, bytesRead, cpuSeconds: ticks / hz };
}

/** Busy and total jiffies of the whole machine (/proc/stat), to tell a CPU-bound run. */
function machineJiffies(): { busy: number; total: number } {
	const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
	const total = cpu.reduce((a, b) => a + b, 0);
	const idle = cpu[3] + cpu[4];
	return { busy: total - idle, total };
}

/** What Squid did per download: bytes per read call, CPU seconds per GB moved, and how busy the machine's cores were. */
async function withSquidCounters(container: string, download: () => Promise<number>): Promise<{ speed: number; bytesPerRead: number; cpuSecondsPerGB: number; machineBusyCores: number }> {
	const before = await squidCounters(container);
	const j0 = machineJiffies();
	const speed = await download();
	const j1 = machineJiffies();
	const after = await squidCounters(container);
	const machineBusyCores = Math.round(((j1.busy - j0.busy) / (j1.total - j0.total)) * os.cpus().length * 100) / 100;
	const reads = after.readCalls - before.readCalls;
	const gb = (after.bytesRead - before.bytesRead) / 1e9;
	return { speed, machineBusyCores, bytesPerRead: reads > 0 ? Math.round((after.bytesRead - before.bytesRead) / reads) : 0, cpuSecondsPerGB: gb > 0 ? Math.round(((after.cpuSeconds - before.cpuSeconds) / gb) * 100) / 100 : 0 };
}

async function measureThroughput(setup: Setup, results: Results, details: Details): Promise<void> {
	const rounds = 5;
	const tunnel: number[] = [];
	const plainProxy: number[] = [];
	const directTunnelPort: number[] = [];
	const directWebPort: number[] = [];
	for (let i = 0; i < rounds; i++) {
		directTunnelPort.push(await download(setup.plain, '', `http://${BULK}:8443/big.bin`));
		tunnel.push(await download(setup.locked, TUNNEL_ARGS, `http://${BULK}:8443/big.bin`));
		directWebPort.push(await download(setup.plain, '', `http://${BULK}/big.bin`));
		plainProxy.push(await download(setup.locked, PLAIN_PROXY_ARGS, `http://${BULK}/big.bin`));
	}
	// One more of each with Squid's counters, to say where the time goes (docs/benchmarks.md).
	const tunnelProfile = await withSquidCounters(setup.locked.container, () => download(setup.locked, TUNNEL_ARGS, `http://${BULK}:8443/big.bin`));
	const plainProfile = await withSquidCounters(setup.locked.container, () => download(setup.locked, PLAIN_PROXY_ARGS, `http://${BULK}/big.bin`));
	const directProfile = await withSquidCounters(setup.locked.container, () => download(setup.plain, '', `http://${BULK}:8443/big.bin`));
	details.squidDuringDownloads = {
		tunnel: { bytesPerRead: tunnelProfile.bytesPerRead, cpuSecondsPerGB: tunnelProfile.cpuSecondsPerGB, machineBusyCores: tunnelProfile.machineBusyCores },
		plainHttp: { bytesPerRead: plainProfile.bytesPerRead, cpuSecondsPerGB: plainProfile.cpuSecondsPerGB, machineBusyCores: plainProfile.machineBusyCores },
		directWithoutAirlock: { machineBusyCores: directProfile.machineBusyCores },
	};
	results.throughputRatio = median(tunnel) / median(directTunnelPort);
	results.throughputRatioPlainHttp = median(plainProxy) / median(directWebPort);
	const mb = (v: number[]): number => Math.round(median(v) / 1e6);
	details.throughput = { unit: 'MB/s (median of 5)', directPort8443: mb(directTunnelPort), tunnel: mb(tunnel), directPort80: mb(directWebPort), plainHttpProxy: mb(plainProxy) };
	compare({ topology: 'single', what: 'throughput, 256 MiB in a CONNECT tunnel', airlock: `${mb(tunnel)} MB/s`, without: `${mb(directTunnelPort)} MB/s`, ratio: results.throughputRatio, target: { bound: 'min', value: 0.9 } });
	compare({ topology: 'single', what: 'throughput, 256 MiB plain HTTP via the proxy', airlock: `${mb(plainProxy)} MB/s`, without: `${mb(directWebPort)} MB/s`, ratio: results.throughputRatioPlainHttp, target: { bound: 'min', value: 0.9 } });
}

// ---------------------------------------------------------------------------------------------
// Latency: one curl process per block, a config file of N transfers, each a new connection
// (busybox httpd closes after every response, which also ends the tunnel); time_total each.

/** Runs a bash script with stdin in some container (the agent's user and environment are the runner's). */
export type ScriptRunner = (script: string, input: string) => Promise<{ stdout: string }>;

export async function requestTimes(ws: BuiltWorkspace | ScriptRunner, curlArgs: string, url: string, count: number): Promise<{ ms: number[]; connects: number }> {
	const config = `url = "${url}"\noutput = "/dev/null"\n`.repeat(count);
	const script = `f=$(mktemp) && cat > "$f" && curl -sS -f ${curlArgs} -w '%{time_total} %{num_connects} %{http_code}\\n' --config "$f"; rc=$?; rm -f "$f"; exit $rc`;
	const r = typeof ws === 'function' ? await ws(script, config) : await asAgentOk(ws.container, script, { proxy: false, input: config, timeoutMs: 300_000 });
	const rows = r.stdout.trim().split('\n').map((l) => l.split(' '));
	if (rows.length !== count || rows.some((row) => row[2] !== '200')) {
		throw new Error(`latency block: ${rows.length} of ${count} transfers, codes ${[...new Set(rows.map((row) => row[2]))].join(',')}`);
	}
	return { ms: rows.map((row) => Number(row[0]) * 1000), connects: rows.reduce((n, row) => n + Number(row[1]), 0) };
}

type Block = () => Promise<{ ms: number[]; connects: number }>;

/** Runs blocks of A and B alternately (ABBA…), so drift in machine load falls on both. */
async function latencySeries(blocks: number, a: Block, b: Block): Promise<{ a: number[]; b: number[]; connectsA: number; connectsB: number }> {
	const out = { a: [] as number[], b: [] as number[], connectsA: 0, connectsB: 0 };
	for (let i = 0; i < blocks; i++) {
		const first = i % 2 === 0;
		const ra = first ? await a() : undefined;
		const rb = await b();
		const ra2 = ra ?? (await a());
		out.a.push(...ra2.ms);
		out.b.push(...rb.ms);
		out.connectsA += ra2.connects;
		out.connectsB += rb.connects;
	}
	return out;
}

async function measureLatency(setup: Setup, results: Results, details: Details): Promise<void> {
	const blocks = 4;
	const perBlock = LATENCY_REQUESTS / blocks;
	const url = `http://${BULK}:8443/index.html`;
	const series = await latencySeries(blocks,
		() => requestTimes(setup.locked, TUNNEL_ARGS, url, perBlock),
		() => requestTimes(setup.plain, '', url, perBlock));
	results.addedLatencyMsP50 = percentile(series.a, 50) - percentile(series.b, 50);
	results.addedLatencyMsP99 = percentile(series.a, 99) - percentile(series.b, 99);
	results.latencyRatioP50 = percentile(series.a, 50) / percentile(series.b, 50);
	const r2 = (v: number): number => Math.round(v * 100) / 100;
	compare({ topology: 'single', what: 'latency p50, new connection each (2,000)', airlock: `${r2(percentile(series.a, 50))} ms`, without: `${r2(percentile(series.b, 50))} ms`, ratio: results.latencyRatioP50, target: { bound: 'max', value: 1.3 } });
	compare({ topology: 'single', what: 'latency p99', airlock: `${r2(percentile(series.a, 99))} ms`, without: `${r2(percentile(series.b, 99))} ms`, ratio: percentile(series.a, 99) / percentile(series.b, 99) });
	details.latency = {
		requestsEach: series.a.length,
		proxyMs: { p50: r2(percentile(series.a, 50)), p99: r2(percentile(series.a, 99)) },
		directMs: { p50: r2(percentile(series.b, 50)), p99: r2(percentile(series.b, 99)) },
		connectionsThroughProxy: series.connectsA,
		connectionsDirect: series.connectsB,
	};
}

// ---------------------------------------------------------------------------------------------
// 256 concurrent CONNECT tunnels from one curl (--parallel), each downloading 4 MiB.

/**
 * 256 simultaneous downloads, through CONNECT tunnels (locked) and direct (plain, the control).
 * The server is nginx (the load host), not busybox httpd: busybox listens with a backlog of 9,
 * so 256 simultaneous connections overflow its queue, the kernel drops SYNs and the last few
 * connections wait out SYN retries past curl's time limit — errors of the test host, with or
 * without Airlock (seen: ListenOverflows in the busybox host's /proc/net/netstat, none in the
 * locked container's).
 */
async function measureConcurrency(setup: Setup, results: Results, details: Details): Promise<void> {
	const rounds = 3;
	const bytes = MEDIUM_FILE_BYTES;
	const round = async (container: string, args: string): Promise<{ errors: number; stderr: string }> => {
		const config = `url = "http://${MANY}:8443/files/medium.bin"\noutput = "/dev/null"\n`.repeat(CONCURRENT_TUNNELS);
		const script = `f=$(mktemp) && cat > "$f" && curl -sS ${args} --max-time 60 --parallel --parallel-immediate --parallel-max ${CONCURRENT_TUNNELS} -w '%{http_code} %{exitcode} %{size_download}\\n' --config "$f"; rm -f "$f"; exit 0`;
		const r = await asAgentOk(container, script, { proxy: false, input: config, timeoutMs: 180_000 });
		const ok = r.stdout.trim().split('\n').filter((row) => row === `200 0 ${bytes}`).length;
		return { errors: CONCURRENT_TUNNELS - ok, stderr: r.stderr.split('\n').filter((l) => l.startsWith('curl:')).slice(0, 5).join(' | ') };
	};
	const throughProxy: number[] = [];
	const direct: number[] = [];
	// Idle: nothing through the proxy for a moment (the groups before leave it at rest).
	await new Promise((r) => setTimeout(r, 2000));
	const idle = await proxyRss(setup.locked.container);
	let peak = 0;
	for (let i = 0; i < rounds; i++) {
		const sampled = await peakRssDuring(setup.locked.container, () => round(setup.locked.container, TUNNEL_ARGS));
		const tunnelled = sampled.result;
		peak = Math.max(peak, sampled.peak);
		throughProxy.push(tunnelled.errors);
		const plain = await round(setup.plain.container, '');
		direct.push(plain.errors);
		for (const [what, r] of [['through the proxy', tunnelled], ['direct', plain]] as const) {
			if (r.errors > 0) {
				log(`concurrency round ${i + 1}, ${what}: ${r.errors} errors; curl said: ${r.stderr}`);
			}
		}
	}
	results.concurrentErrors = Math.max(...throughProxy);
	results.proxyRssIdleBytes = idle;
	results.proxyRssLoadBytes = peak;
	details.proxyRss = { idleMiB: Number(mib(idle).split(' ')[0]), peakUnderLoadMiB: Number(mib(peak).split(' ')[0]), what: 'VmRSS summed over the proxy user\'s processes, sampled every 250 ms during the tunnelled rounds' };
	details.concurrency = { rounds, tunnelsPerRound: CONCURRENT_TUNNELS, bytesEach: bytes, server: 'nginx (load host)', errorsPerRound: throughProxy, errorsPerRoundDirect: direct };
}

// ---------------------------------------------------------------------------------------------
// Approval to enforcement, through recordApproval and applyPolicy (what the editor and CLI run).

export function writeProjectPolicy(workspace: string, allow: readonly unknown[], baseline = false): void {
	fs.writeFileSync(path.join(workspace, '.devcontainer', 'airlock.yaml'), yamlStringify({ version: 1, mode: 'enforce', baseline, allow }));
}

const BULK_ENTRIES = [BULK, { host: BULK, ports: [8443], reason: 'benchmark tunnels' }];

/**
 * Starts a poller in the container that requests URL through the proxy every ~10 ms until it
 * answers 200 and then prints the container clock (the host's clock: same kernel) in ms.
 */
export function startPoller(container: string, url: string, as: { user: string; env: string[] } = { user: 'dev', env: Object.entries(proxyEnv(PROXY_PORT)).flatMap(([k, v]) => ['-e', `${k}=${v}`]) }): { ready: Promise<void>; answeredAtMs: Promise<number> } {
	const script = [
		'echo polling',
		'for i in $(seq 1 3000); do',
		`  if curl -sfk -o /dev/null --max-time 2 ${url}; then date +%s%N; exit 0; fi`,
		'  sleep 0.01',
		'done; exit 1',
	].join('\n');
	// curl reads only the lower-case http_proxy for http:// URLs; proxyEnv sets both spellings.
	const { ready, output } = startContainerPoller(['-u', as.user, ...as.env, container], script, url);
	const answeredAtMs = output.then((out) => {
		const ns = /(\d{16,})/.exec(out);
		if (!ns) {
			throw new Error(`poller for ${url} printed no time: ${out}`);
		}
		return nsToMs(ns[1]);
	});
	return { ready, answeredAtMs };
}

async function measureApproval(setup: Setup, results: Results, details: Details): Promise<void> {
	const env = { ...process.env, XDG_CONFIG_HOME: setup.configHome };
	const workspace = setup.locked.folder;
	const totals: number[] = [];
	const applyOnly: number[] = [];
	for (let i = 0; i < APPROVE_RUNS; i++) {
		writeProjectPolicy(workspace, [...BULK_ENTRIES, ...APPROVE_HOSTS.slice(0, i + 1)]);
		const plan = resolvePlan(workspace, env);
		const poller = startPoller(setup.locked.container, `http://${APPROVE_HOSTS[i]}/index.html`);
		await poller.ready;
		// Let the poller see a few 403s first, so the figure is not the poller's start-up.
		await new Promise((r) => setTimeout(r, 300));
		const t0 = Date.now();
		recordApproval(workspace, plan, { note: 'benchmark' }, env);
		const a0 = performance.now();
		await applyPolicy(setup.docker, setup.locked.container, canonicalText(plan.policy));
		applyOnly.push(performance.now() - a0);
		const answered = await poller.answeredAtMs;
		totals.push(answered - t0);
	}
	results.approveToEnforcedSeconds = seconds(median(totals));
	const floor = await bareExec(setup.docker, setup.locked.container, 'root');
	results.approveToEnforcedExecs = median(totals) / floor.apiMs;
	results.apply10Execs = median(applyOnly) / floor.apiMs;
	details.approveToEnforced = { runsMs: totals.map(Math.round), applyPolicyMs: applyOnly.map(Math.round) };
	details.bareExec = { ...(details.bareExec as object | undefined), single: { apiMs: Math.round(floor.apiMs), cliMs: Math.round(floor.cliMs) } };
	compare({ topology: 'single', what: 'approval recorded → new host answers (median of 5)', airlock: ms(median(totals)), without: `${ms(floor.apiMs)} (1 bare exec)`, ratio: results.approveToEnforcedExecs, target: { bound: 'max', value: 3 } });
	compare({ topology: 'single', what: 'applyPolicy, one host added to ~5', airlock: ms(median(applyOnly)), without: `${ms(floor.apiMs)} (1 bare exec)`, ratio: results.apply10Execs });
}

// ---------------------------------------------------------------------------------------------
// Block to editor: ProxyLogFollower + formatBlockedLine, the extension's path to its output channel.

async function measureBlockToEditor(setup: Setup, results: Results, details: Details): Promise<void> {
	const follower = new ProxyLogFollower({ docker: setup.docker, workspace: setup.locked.folder, from: 'end' });
	const shownAt = new Map<string, number>();
	follower.on('entry', (entry) => {
		if (isDenied(entry)) {
			const line = formatBlockedLine(entry);
			if (line.includes(entry.host) && !shownAt.has(entry.host)) {
				shownAt.set(entry.host, Date.now());
			}
		}
	});
	follower.start();
	try {
		await waitFor('the follower to follow', () => (follower.state === 'following' ? true : undefined));
		const delays: number[] = [];
		for (let i = 0; i < BLOCK_SAMPLES; i++) {
			const host = `blocked${i}.${DOMAIN}`;
			// A random pause, so requests do not fall into step with any polling interval on the way.
			await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1000)));
			const r = await asAgentOk(setup.locked.container, `date +%s%N; curl -sk -o /dev/null -w '%{http_connect}' --max-time 5 https://${host}/ || true`, { proxy: true });
			const [sentNs, code] = r.stdout.trim().split('\n');
			if (!code.includes('403')) {
				throw new Error(`expected a 403 from the proxy for ${host}, got ${r.stdout}`);
			}
			const sentMs = Number(BigInt(sentNs) / 1000n) / 1000;
			const seen = await waitFor(`the blocked line for ${host}`, () => shownAt.get(host), { attempts: 400, everyMs: 25 });
			delays.push(seen - sentMs);
		}
		results.blockToEditorSecondsP95 = seconds(percentile(delays, 95));
		details.blockToEditor = { samples: delays.length, p50Ms: Math.round(percentile(delays, 50)), p95Ms: Math.round(percentile(delays, 95)), maxMs: Math.round(Math.max(...delays)) };
	} finally {
		await follower.stop();
	}
}

// ---------------------------------------------------------------------------------------------
// A 10,000-entry allowlist: resolve (YAML + layers + plan), apply, and per-request latency.

function bigAllowlist(): unknown[] {
	const entries: unknown[] = [...BULK_ENTRIES];
	for (let i = 0; entries.length < ALLOWLIST_SIZE; i++) {
		// Mostly exact hosts across many domains, every tenth a wildcard (as presets mix them).
		entries.push(i % 10 === 0 ? `*.cdn${i}.mirror${i % 97}.example.net` : `pkg${i}.registry${i % 211}.example.com`);
	}
	return entries;
}

/** The canonical policy text the plan of a project policy allowing `allow` resolves to. */
export function policyTextFor(allow: readonly unknown[], env: NodeJS.ProcessEnv): string {
	const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-policy-'));
	try {
		fs.mkdirSync(path.join(workspace, '.devcontainer'));
		writeProjectPolicy(workspace, allow);
		return canonicalText(resolvePlan(workspace, env).policy);
	} finally {
		fs.rmSync(workspace, { recursive: true, force: true });
	}
}

async function measureAllowlist(setup: Setup, results: Results, details: Details): Promise<void> {
	const env = { ...process.env, XDG_CONFIG_HOME: setup.configHome };
	const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-10k-'));
	fs.mkdirSync(path.join(workspace, '.devcontainer'));
	let big: Plan;
	const resolveMs: number[] = [];
	const buildMs: number[] = [];
	try {
		writeProjectPolicy(workspace, bigAllowlist(), true);
		big = resolvePlan(workspace, env); // warm-up (module caches, JIT)
		for (let i = 0; i < 5; i++) {
			const t0 = performance.now();
			big = resolvePlan(workspace, env);
			resolveMs.push(performance.now() - t0);
			const layers = readLayers(workspace, env);
			const t1 = performance.now();
			buildPlan(layers);
			buildMs.push(performance.now() - t1);
		}
	} finally {
		fs.rmSync(workspace, { recursive: true, force: true });
	}
	results.allowlist10kResolveSeconds = seconds(median(resolveMs));

	const smallEntries = [...BULK_ENTRIES, ...Array.from({ length: 8 }, (_, i) => `pkg${i}.registry.example.com`)];
	const smallWorkspace = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-10-'));
	fs.mkdirSync(path.join(smallWorkspace, '.devcontainer'));
	writeProjectPolicy(smallWorkspace, smallEntries);
	const small = resolvePlan(smallWorkspace, env);
	fs.rmSync(smallWorkspace, { recursive: true, force: true });
	const bigText = canonicalText(big.policy);
	const smallText = canonicalText(small.policy);

	// Each 10k apply takes a while (see docs/benchmarks.md), so the order keeps their number low:
	// three measured applies (the small policy between them), then latency blocks big, small,
	// small, big.
	// The baseline: a 10-entry policy changed by one host, applied the same way (each a change).
	const smallPlusText = policyTextFor([...smallEntries, 'pkg-extra.registry.example.com'], env);
	const apply10Ms: number[] = [];
	await applyPolicy(setup.docker, setup.locked.container, smallText);
	for (let i = 0; i < 5; i++) {
		const t0 = performance.now();
		await applyPolicy(setup.docker, setup.locked.container, i % 2 === 0 ? smallPlusText : smallText);
		apply10Ms.push(performance.now() - t0);
	}
	const applyMs: number[] = [];
	for (let i = 0; i < 3; i++) {
		if (i > 0) {
			await applyPolicy(setup.docker, setup.locked.container, smallText);
		}
		const t0 = performance.now();
		await applyPolicy(setup.docker, setup.locked.container, bigText);
		applyMs.push(performance.now() - t0);
	}
	results.allowlist10kApplySeconds = seconds(median(applyMs));
	results.allowlist10kApplyRatio = median(applyMs) / median(apply10Ms);
	// Where the time goes, in the same run: airlock-ctl's own step timings (AIRLOCK_PROFILE=1) for a
	// 10-entry change and for the 10k policy replacing a 10-entry one (ends with the 10k applied).
	const profile = async (text: string): Promise<Record<string, number>> => {
		const r = await docker(['exec', '-i', '-u', 'root', '-e', 'AIRLOCK_PROFILE=1', setup.locked.container, '/usr/local/sbin/airlock-ctl', 'apply'], { input: text, timeoutMs: 120_000 });
		if (r.code !== 0) {
			throw new Error(`profiled apply exited ${r.code}: ${r.stderr}`);
		}
		const steps: Record<string, number> = {};
		for (const m of r.stderr.matchAll(/airlock-ctl: profile: (.+?)\s+(-?\d+) ms/g)) {
			steps[m[1].trim()] = (steps[m[1].trim()] ?? 0) + Number(m[2]);
		}
		return steps;
	};
	await profile(smallText);
	const apply10Steps = await profile(smallPlusText);
	const apply10kSteps = await profile(bigText);
	const floor = await bareExec(setup.docker, setup.locked.container, 'root');
	compare({ topology: 'single', what: 'applyPolicy of 10,000 entries vs of 10 (median)', airlock: ms(median(applyMs)), without: ms(median(apply10Ms)), ratio: results.allowlist10kApplyRatio, target: { bound: 'max', value: 1.5 } });
	compare({ topology: 'single', what: 'applyPolicy of 10,000 entries, in bare execs', airlock: ms(median(applyMs)), without: `${ms(floor.apiMs)} (1 bare exec)`, ratio: median(applyMs) / floor.apiMs });

	const url = `http://${BULK}:8443/index.html`;
	const perBlock = 500;
	// Squid's reconfigure reopens its listening socket: new connections can be refused for a
	// moment after an apply (docs/benchmarks.md). Latency is measured once it answers again.
	const block = async (): Promise<number[]> => {
		await asAgentOk(setup.locked.container, `for i in $(seq 1 500); do curl -sf -o /dev/null --max-time 2 ${TUNNEL_ARGS} ${url} && exit 0; sleep 0.02; done; exit 1`, { proxy: false });
		return (await requestTimes(setup.locked, TUNNEL_ARGS, url, perBlock)).ms;
	};
	const withBig: number[] = [...(await block())];
	await applyPolicy(setup.docker, setup.locked.container, smallText);
	const withSmall: number[] = [...(await block()), ...(await block())];
	await applyPolicy(setup.docker, setup.locked.container, bigText);
	withBig.push(...(await block()));
	await applyPolicy(setup.docker, setup.locked.container, smallText);
	results.allowlist10kLatencyRatio = percentile(withBig, 50) / percentile(withSmall, 50);
	const series = { a: withBig, b: withSmall };
	details.allowlist10k = {
		entries: big.entries.length,
		canonicalBytes: Buffer.byteLength(bigText),
		resolvePlanMs: resolveMs.map(Math.round),
		buildPlanOnlyMs: buildMs.map(Math.round),
		applyPolicyMs: applyMs.map(Math.round),
		apply10EntriesMs: apply10Ms.map(Math.round),
		applyStepsMs: { tenEntryChange: apply10Steps, tenThousandReplacingTen: apply10kSteps },
		latencyP50Ms: { allowlist10k: Math.round(percentile(series.a, 50) * 100) / 100, allowlist10: Math.round(percentile(series.b, 50) * 100) / 100 },
		latencyP99Ms: { allowlist10k: Math.round(percentile(series.a, 99) * 100) / 100, allowlist10: Math.round(percentile(series.b, 99) * 100) / 100 },
	};
}

// ---------------------------------------------------------------------------------------------
// Sizes.

async function measureSizes(setup: Setup, results: Results, details: Details): Promise<void> {
	const vsix = path.join(REPO_ROOT, 'airlock.vsix');
	results.vsixBytes = fs.statSync(vsix).size;
	const size = async (image: string): Promise<number> => Number((await dockerOk(['image', 'inspect', '--format', '{{.Size}}', image])).stdout.trim());
	const withFeature = await size(setup.locked.image);
	const without = await size(setup.plain.image);
	results.imageBytesAddedMinimalBase = withFeature - without;
	// Timed first builds (no layer cache), without then with: same base, same run.
	const b0 = performance.now();
	const gitWithout = await buildImageOnly({ name: 'git-base-plain', dockerfile: GIT_BASE_DOCKERFILE, noCache: true });
	const b1 = performance.now();
	const gitWith = await buildImageOnly({ name: 'git-base-airlock', dockerfile: GIT_BASE_DOCKERFILE, airlock: { allow: BULK }, noCache: true });
	const b2 = performance.now();
	results.imageBuildRatio = (b2 - b1) / (b1 - b0);
	results.imageBuildSecondsAdded = seconds(b2 - b1 - (b1 - b0));
	details.imageBuild = { withFeatureMs: Math.round(b2 - b1), withoutMs: Math.round(b1 - b0), how: 'devcontainer build --no-cache of the base with git, without then with the Feature' };
	compare({ topology: 'single', what: 'first image build (base with git, no cache)', airlock: ms(b2 - b1), without: ms(b1 - b0), ratio: results.imageBuildRatio });
	try {
		const gitWithBytes = await size(gitWith);
		const gitWithoutBytes = await size(gitWithout);
		results.imageBytesAdded = gitWithBytes - gitWithoutBytes;
		compare({ topology: 'single', what: 'image size (base with git)', airlock: mib(gitWithBytes), without: mib(gitWithoutBytes), ratio: gitWithBytes / gitWithoutBytes });
		details.sizes = {
			vsix,
			gitBase: { imageWithFeatureBytes: gitWithBytes, imageWithoutBytes: gitWithoutBytes },
			minimalBase: { imageWithFeatureBytes: withFeature, imageWithoutBytes: without },
		};
	} finally {
		await docker(['image', 'rm', '-f', gitWith, gitWithout], { timeoutMs: 120_000 });
	}
}

// ---------------------------------------------------------------------------------------------

const GROUPS: Readonly<Record<string, (setup: Setup, results: Results, details: Details) => Promise<void>>> = {
	sizes: measureSizes,
	throughput: measureThroughput,
	latency: measureLatency,
	concurrency: measureConcurrency,
	approval: measureApproval,
	block: measureBlockToEditor,
	allowlist: measureAllowlist,
	start: measureStart,
	exfil: (setup, results, details) => measureExfil(loopSetup(setup), results, details),
	sidecar: (setup, results, details) => measureSidecar(setup, results, details),
	request: (setup, results, details) => measureRequestToNotification(loopSetup(setup), results, details),
};

function loopSetup(setup: Setup): LoopSetup {
	return { docker: setup.docker, locked: setup.locked, domain: DOMAIN, bulkName: BULK };
}

function formatValue(figure: Figure, value: number | undefined): string {
	if (value === undefined || Number.isNaN(value)) {
		return 'not measured';
	}
	if (figure.unit === 'B') {
		return `${(value / 1024 / 1024).toFixed(2)} MiB`;
	}
	return `${value.toFixed(figure.digits)}${figure.unit ? ' ' + figure.unit : ''}`;
}

function printRows(header: string[], rows: string[][]): void {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
	process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
}

function isMet(bound: 'max' | 'min', value: number, target: number | undefined): string {
	if (target === undefined || Number.isNaN(value)) {
		return '—';
	}
	return (bound === 'max' ? value <= target : value >= target) ? 'met' : 'MISSED';
}

function printTable(results: Results): void {
	const rows = FIGURES.map((f) => {
		const value = results[f.key];
		const met = value === undefined ? '—' : isMet(f.bound, value, f.target);
		return [f.key, formatValue(f, value), f.target === undefined ? '—' : `${f.bound === 'max' ? '≤' : '≥'} ${formatValue(f, f.target)}`, met, f.label];
	});
	printRows(['figure', 'value', 'target', 'met', 'what'], rows);
}

/** The side-by-side table: each figure with Airlock and without it (or its floor), and the ratio. */
function printComparisons(): void {
	if (comparisons.length === 0) {
		return;
	}
	process.stdout.write('\nSame run, side by side (ratio = with Airlock / without; "bare exec" = one `docker exec … true` through the engine API, the floor for anything applied from the host):\n');
	printRows(['topology', 'what', 'with Airlock', 'without / floor', 'ratio', 'target', 'met'], comparisons.map((c) => [
		c.topology, c.what, c.airlock, c.without, c.ratio.toFixed(2),
		c.target ? `${c.target.bound === 'max' ? '≤' : '≥'} ${c.target.value}` : '—',
		c.target ? isMet(c.target.bound, c.ratio, c.target.value) : '—',
	]));
}

function machine(): Record<string, unknown> {
	return { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version };
}

async function main(): Promise<void> {
	const only = process.env.AIRLOCK_BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
	const testRun = newTestRun('bench');
	const results: Results = {};
	const details: Details = {};
	const configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-config-'));
	const started = Date.now();
	let failed: unknown;
	try {
		const network = await createTestNetwork(testRun, BENCH_NETWORK);
		const bulk = await startBulkHost(testRun, network, 10);
		const many = await startLoadHost(testRun, network, 11);
		const addHosts = { ...namesTo(bulk.ipv4, [BULK, ...APPROVE_HOSTS]), ...namesTo(many.ipv4, [MANY]) };
		log('building the workspaces (devcontainer up, with and without the Feature)');
		const locked = await buildWorkspace(testRun, { name: 'locked', network, addHosts, airlock: { allow: `${BULK},${BULK}:8443,${MANY}:8443` } });
		const plain = await buildWorkspace(testRun, { name: 'plain', network, addHosts });
		const setup: Setup = { testRun, docker: createDockerClient().docker, locked, plain, configHome };
		const engine = await dockerOk(['version', '--format', '{{.Server.Version}}']);
		const squid = await docker(['exec', locked.container, 'squid', '-v']);
		details.machine = { ...machine(), docker: engine.stdout.trim(), squid: /Version (\S+)/.exec(squid.stdout)?.[1] ?? 'unknown' };
		for (const [name, measure] of Object.entries(GROUPS)) {
			if (only && !only.includes(name)) {
				continue;
			}
			log(`measuring ${name}`);
			const t0 = Date.now();
			try {
				await measure(setup, results, details);
			} catch (err) {
				failed ??= err;
				log(`${name} failed: ${(err as Error).stack ?? String(err)}`);
			}
			log(`${name} took ${Math.round((Date.now() - t0) / 1000)} s`);
		}
	} catch (err) {
		failed = err;
		log(`setup failed: ${(err as Error).stack ?? String(err)}`);
	} finally {
		await removeEverything(testRun);
		fs.rmSync(configHome, { recursive: true, force: true });
		const left = await leftovers(testRun);
		if (left.containers.length + left.networks.length + left.volumes.length > 0) {
			failed ??= new Error(`left behind: ${JSON.stringify(left)}`);
		}
	}
	details.totalSeconds = Math.round((Date.now() - started) / 1000);
	const out = path.join(REPO_ROOT, 'bench', 'results.json');
	fs.mkdirSync(path.dirname(out), { recursive: true });
	const ordered: Record<string, unknown> = {};
	for (const f of FIGURES) {
		if (results[f.key] !== undefined) {
			ordered[f.key] = Number(results[f.key].toFixed(f.digits === 0 ? 0 : 4));
		}
	}
	fs.writeFileSync(out, JSON.stringify({ ...ordered, measuredAt: new Date().toISOString(), details }, null, 2) + '\n');
	printTable(results);
	printComparisons();
	process.stdout.write(`\nDetails: ${JSON.stringify(details, null, 1).replace(/\n\s*/g, ' ')}\nWrote ${path.relative(process.cwd(), out)}\n`);
	if (failed) {
		process.exitCode = 1;
	}
}

void main();
