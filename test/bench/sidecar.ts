/**
 * The sidecar topology's figures for `npm run bench` (group `sidecar`), each next to the same work
 * without Airlock, or the floor it is counted in, measured in the same run (issue #14):
 *
 *   agent start    `docker start` of the stopped agent with the proxy and the gate running (what an
 *                  agent restart costs) until a request through the proxy answers, against the plain
 *                  workspace's start until its direct request answers; 5 alternated pairs.
 *   apply          applyPolicy into the proxy container (as its proxy user, as the CLI does), a
 *                  10-entry policy changed by one host, in bare execs into the same container.
 *   approval       recordApproval + applyPolicy of a host added to the workspace's airlock.yaml until
 *                  a poller in the agent gets 200 through the proxy, in bare execs.
 *   latency        a new CONNECT tunnel per request through the proxy container against the plain
 *                  container's direct request to the same test host (attached to the sidecar's
 *                  network for this), 2 × 500 each, alternated.
 *   throughput     64 MiB from the test host through a CONNECT tunnel to the proxy container
 *                  against the plain container's direct download of the same file (busybox httpd
 *                  on both sides, so only the proxy differs), 3 alternated pairs.
 *   memory         the proxy container's processes, idle and peak while 64 tunnels run at once.
 *
 * The workspace is the e2e suite's (`createSidecar`: the real devcontainer CLI and Compose, via
 * `airlock up`), on its own network range.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { recordApproval } from '../../extension/core/approvals';
import { canonicalText } from '../../extension/core/enforcedPolicy';
import { resolvePlan } from '../../extension/core/plan';
import { applyPolicy } from '../../extension/docker/control';
import { docker, dockerOk, newTestRun, removeEverything, type TestRun } from '../e2e/lib/docker';
import { runOk } from '../e2e/lib/process';
import { createSidecar, SIDECAR_DOCKERFILE, type SidecarWorkspace } from '../e2e/lib/sidecarWorkspace';
import { DEV_IMAGE, devcontainerBin, REPO_ROOT } from '../e2e/lib/workspace';
import type { TestNetworkPlan } from '../e2e/lib/testNetwork';
// bench.ts is the entry point and imports this module; these are only used once it has loaded.
import {
	bareExec, compare, mib, ms, peakRssDuring, policyTextFor, proxyRss, requestTimes, timeStart,
	type Details, type Results, type Setup,
} from './bench';
import { median, nsToMs, percentile, startContainerPoller } from './lib/harness';

/** Free in every suite's plan (see the ranges in test/e2e and test/reliability). */
const SIDECAR_BENCH_NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.240/28', subnetV6: '2001:db8:ac::/64' };
const DOMAIN = 'airlock-bench-sidecar.example';
const WEB = `web.${DOMAIN}`;
const APPROVE_RUNS = 3;
const APPROVE_HOSTS = Array.from({ length: APPROVE_RUNS }, (_, i) => `approve${i + 1}.${DOMAIN}`);
const PROXY = 'http://airlock-proxy:3128';
const START_PAIRS = 5;
const THROUGHPUT_MIB = 64;
const FEATURE_DIR = path.join(REPO_ROOT, 'devcontainer-feature', 'src', 'airlock');

function log(message: string): void {
	process.stderr.write(`bench: sidecar: ${message}\n`);
}

/** Bash in the agent's container as root, with the environment Compose gives it (the proxy variables). */
function inAgent(sc: SidecarWorkspace, script: string, input = '', timeoutMs = 300_000): Promise<{ stdout: string }> {
	return dockerOk(['exec', '-i', sc.agent, 'bash', '-c', script], { input, timeoutMs });
}

/** One agent start: stopped before and after. Milliseconds to the first answer through the proxy. */
async function timeAgentStart(sc: SidecarWorkspace): Promise<number> {
	const poll = `for i in $(seq 1 1000); do curl -sf --proxytunnel -x ${PROXY} -o /dev/null --max-time 2 http://${WEB}:8443/index.html && exit 0; sleep 0.01; done; exit 1`;
	const started = performance.now();
	await dockerOk(['start', sc.agent]);
	await inAgent(sc, poll, '', 60_000);
	const elapsed = performance.now() - started;
	await dockerOk(['stop', '-t', '2', sc.agent], { timeoutMs: 60_000 });
	return elapsed;
}

/** COUNT CONNECTs the proxy refuses (a name not allowed), one curl, a new connection each: ms per request. */
async function refusedTimes(sc: SidecarWorkspace, count: number): Promise<number[]> {
	const config = `url = "http://refused.${DOMAIN}:8443/index.html"\noutput = "/dev/null"\n`.repeat(count);
	const script = `f=$(mktemp) && cat > "$f" && curl -s --proxytunnel -x ${PROXY} -w '%{time_total} %{http_connect}\\n' --config "$f"; rm -f "$f"; exit 0`;
	const rows = (await inAgent(sc, script, config)).stdout.trim().split('\n').map((l) => l.split(' '));
	if (rows.length !== count || rows.some((row) => row[1] !== '403')) {
		throw new Error(`refused block: ${rows.length} of ${count} transfers, CONNECT codes ${[...new Set(rows.map((row) => row[1]))].join(',')}`);
	}
	return rows.map((row) => Number(row[0]) * 1000);
}

/**
 * airlock-ctl's own step timings (AIRLOCK_PROFILE=1) of three one-host changes applied into the
 * proxy container as its proxy user, as applyPolicy does: the median of each step, and of the
 * whole exec from the host. Ends with B applied.
 */
async function profiledApplies(sc: SidecarWorkspace, textA: string, textB: string): Promise<Record<string, number>> {
	const runs: Record<string, number>[] = [];
	for (const text of [textA, textB, textA, textB]) {
		const t0 = performance.now();
		const r = await docker(['exec', '-i', '-u', 'proxy', '-e', 'AIRLOCK_PROFILE=1', sc.proxy, '/usr/local/sbin/airlock-ctl', 'apply'], { input: text, timeoutMs: 120_000 });
		const execMs = performance.now() - t0;
		if (r.code !== 0) {
			throw new Error(`profiled apply exited ${r.code}: ${r.stderr}`);
		}
		const steps: Record<string, number> = { wholeExec: execMs };
		for (const m of r.stderr.matchAll(/airlock-ctl: profile: (.+?)\s+(-?\d+) ms/g)) {
			steps[m[1].trim()] = (steps[m[1].trim()] ?? 0) + Number(m[2]);
		}
		runs.push(steps);
	}
	const profiled = runs.slice(1);
	return Object.fromEntries(Object.keys(profiled[0]).map((k) => [k, Math.round(median(profiled.map((p) => p[k] ?? 0)))]));
}

interface PollAttempt { readonly startMs: number; readonly code: string; readonly tookMs: number }

/**
 * Like bench's startPoller (a request every 10 ms through the proxy, as root with the agent's own
 * proxy variables), but it keeps each attempt: its start on the container clock, the HTTP code
 * and curl's time_total, so the approval's timeline after applyPolicy can be read.
 */
function startTracingPoller(container: string, url: string): { ready: Promise<void>; done: Promise<{ answeredAtMs: number; attempts: PollAttempt[] }> } {
	const script = [
		'echo polling',
		'for i in $(seq 1 3000); do',
		'  s=$(date +%s%N)',
		`  r=$(curl -sk -o /dev/null -w '%{http_code} %{time_total}' --max-time 2 ${url})`,
		'  echo "try $s $r"',
		'  case $r in 200*) date +%s%N | sed "s/^/ok /"; exit 0 ;; esac',
		'  sleep 0.01',
		'done; exit 1',
	].join('\n');
	const { ready, output } = startContainerPoller([container], script, url);
	const done = output.then((out) => {
		const ok = /^ok (\d{16,})$/m.exec(out);
		if (!ok) {
			throw new Error(`poller for ${url} printed no answer time: ${out.slice(-2000)}`);
		}
		const attempts = [...out.matchAll(/^try (\d{16,}) (\d{3}) ([\d.]+)$/gm)].map((m) => ({ startMs: nsToMs(m[1]), code: m[2], tookMs: Number(m[3]) * 1000 }));
		return { answeredAtMs: nsToMs(ok[1]), attempts };
	});
	return { ready, done };
}

export async function measureSidecar(setup: Setup, results: Results, details: Details): Promise<void> {
	log('bringing up the workspace (airlock up: Compose, the proxy and the gate)');
	// A run of its own: its test network is named after the run, and the bench's already exists.
	const testRun = newTestRun('bench-sidecar');
	const sc = await createSidecar(testRun, {
		name: 'bench-sidecar', network: SIDECAR_BENCH_NETWORK, allowed: WEB,
		alsoAllow: [`{ host: ${WEB}, ports: [8443], reason: "benchmark tunnels" }`], resolverNames: APPROVE_HOSTS,
	});
	const out: Record<string, unknown> = {};
	details.sidecar = out;
	const benchLabel = `airlock.bench.run=${testRun.id}`;
	try {
		out.firstBuildAndUp = await measureFirstBuildAndUp(testRun, sc, benchLabel, results);
		await sc.control();

		// Memory, idle.
		await new Promise((r) => setTimeout(r, 2000));
		results.sidecarProxyRssIdleBytes = await proxyRss(sc.proxy);

		// Applies, in bare execs into the proxy container.
		const floor = await bareExec(setup.docker, sc.proxy, 'proxy');
		const base = [WEB, { host: WEB, ports: [8443], reason: 'benchmark tunnels' }, ...Array.from({ length: 8 }, (_, i) => `pkg${i}.registry.example.com`)];
		const textA = policyTextFor(base, sc.env);
		const textB = policyTextFor([...base, 'pkg-extra.registry.example.com'], sc.env);
		await applyPolicy(setup.docker, sc.proxy, textA, 'proxy');
		const applyMs: number[] = [];
		for (let i = 0; i < 5; i++) {
			const t0 = performance.now();
			await applyPolicy(setup.docker, sc.proxy, i % 2 === 0 ? textB : textA, 'proxy');
			applyMs.push(performance.now() - t0);
		}
		results.sidecarApply10Execs = median(applyMs) / floor.apiMs;
		compare({ topology: 'sidecar', what: 'applyPolicy, one host added to 10', airlock: ms(median(applyMs)), without: `${ms(floor.apiMs)} (1 bare exec)`, ratio: results.sidecarApply10Execs });

		// Approval → enforced, the host's path: the workspace's policy, recordApproval, applyPolicy.
		const policyFile = path.join(sc.folder, '.devcontainer', 'airlock.yaml');
		await applyPolicy(setup.docker, sc.proxy, canonicalText(resolvePlan(sc.folder, sc.env).policy), 'proxy');
		const totals: number[] = [];
		const approvalApplyMs: number[] = [];
		const traces: string[][] = [];
		for (const host of APPROVE_HOSTS) {
			fs.appendFileSync(policyFile, `  - ${host}\n`);
			const plan = resolvePlan(sc.folder, sc.env);
			const poller = startTracingPoller(sc.agent, `http://${host}/index.html`);
			await poller.ready;
			await new Promise((r) => setTimeout(r, 300));
			const t0 = Date.now();
			recordApproval(sc.folder, plan, { note: 'benchmark' }, sc.env);
			await applyPolicy(setup.docker, sc.proxy, canonicalText(plan.policy), 'proxy');
			const applied = Date.now();
			approvalApplyMs.push(applied - t0);
			const { answeredAtMs, attempts } = await poller.done;
			totals.push(answeredAtMs - t0);
			// The poller's attempts from just before the approval, relative to it (ms): when each
			// curl started, what it got, and how long it took — where the time after the apply goes.
			traces.push(attempts.filter((a) => a.startMs >= t0 - 50).map((a) => `${Math.round(a.startMs - t0)}:${a.code}:${Math.round(a.tookMs)}`));
		}
		results.sidecarApproveToEnforcedExecs = median(totals) / floor.apiMs;
		const answeredFirst = totals.filter((t, i) => t < approvalApplyMs[i]).length;
		compare({ topology: 'sidecar', what: `the approvals' applyPolicy (the host answered before it returned in ${answeredFirst} of ${APPROVE_RUNS})`, airlock: ms(median(approvalApplyMs)), without: `${ms(floor.apiMs)} (1 bare exec)`, ratio: median(approvalApplyMs) / floor.apiMs });
		compare({ topology: 'sidecar', what: `approval recorded → new host answers (median of ${APPROVE_RUNS})`, airlock: ms(median(totals)), without: `${ms(floor.apiMs)} (1 bare exec)`, ratio: results.sidecarApproveToEnforcedExecs, target: { bound: 'max', value: 3 } });

		// Latency: the plain container joins the sidecar's network for a direct baseline to the same host.
		await dockerOk(['network', 'connect', sc.net.name, setup.plain.container]);
		const through: number[] = [];
		const direct: number[] = [];
		const refused: number[] = [];
		const tunnelSpeed: number[] = [];
		const directSpeed: number[] = [];
		try {
			const agentRun = (script: string, input: string): Promise<{ stdout: string }> => inAgent(sc, script, input);
			for (let i = 0; i < 2; i++) {
				const a = (): Promise<{ ms: number[] }> => requestTimes(agentRun, `--proxytunnel -x ${PROXY}`, `http://${WEB}:8443/index.html`, 500);
				const b = (): Promise<{ ms: number[] }> => requestTimes(setup.plain, '', `http://${sc.web.ipv4}:8443/index.html`, 500);
				if (i === 0) {
					through.push(...(await a()).ms);
					direct.push(...(await b()).ms);
					refused.push(...(await refusedTimes(sc, 500)));
				} else {
					refused.push(...(await refusedTimes(sc, 500)));
					direct.push(...(await b()).ms);
					through.push(...(await a()).ms);
				}
			}
			// Throughput: the same file, through the tunnel and direct, alternated.
			await dockerOk(['exec', sc.web.container, 'sh', '-c', `dd if=/dev/zero of=/srv/www/big.bin bs=1M count=${THROUGHPUT_MIB} 2>/dev/null`]);
			const speedOf = (stdout: string): number => {
				const [speed, size] = stdout.trim().split(' ').map(Number);
				if (size !== THROUGHPUT_MIB * 1024 * 1024) {
					throw new Error(`a throughput download got ${size} bytes`);
				}
				return speed;
			};
			const download = `curl -sS -f -o /dev/null -w '%{speed_download} %{size_download}'`;
			for (let i = 0; i < 3; i++) {
				tunnelSpeed.push(speedOf((await inAgent(sc, `${download} --proxytunnel -x ${PROXY} http://${WEB}:8443/big.bin`, '', 120_000)).stdout));
				directSpeed.push(speedOf((await dockerOk(['exec', setup.plain.container, 'sh', '-c', `${download} --noproxy '*' http://${sc.web.ipv4}:8443/big.bin`], { timeoutMs: 120_000 })).stdout));
			}
		} finally {
			await docker(['network', 'disconnect', sc.net.name, setup.plain.container]);
		}
		const mbs = (v: number[]): string => `${Math.round(median(v) / 1e6)} MB/s`;
		results.sidecarThroughputRatio = median(tunnelSpeed) / median(directSpeed);
		compare({ topology: 'sidecar', what: `throughput, ${THROUGHPUT_MIB} MiB in a CONNECT tunnel (median of 3)`, airlock: mbs(tunnelSpeed), without: mbs(directSpeed), ratio: results.sidecarThroughputRatio, target: { bound: 'min', value: 0.9 } });
		const r2 = (v: number): number => Math.round(v * 100) / 100;
		results.sidecarLatencyRatioP50 = percentile(through, 50) / percentile(direct, 50);
		compare({ topology: 'sidecar', what: 'latency p50, new connection each (1,000)', airlock: `${r2(percentile(through, 50))} ms`, without: `${r2(percentile(direct, 50))} ms`, ratio: results.sidecarLatencyRatioP50, target: { bound: 'max', value: 1.3 } });
		// Where the proxy's share goes: a CONNECT the proxy refuses itself (403, no upstream) is the
		// agent → proxy container hop plus Squid's own handling; the rest is its connection upstream.
		compare({ topology: 'sidecar', what: 'latency p50, a CONNECT the proxy refuses (403, no upstream)', airlock: `${r2(percentile(refused, 50))} ms`, without: `${r2(percentile(direct, 50))} ms`, ratio: percentile(refused, 50) / percentile(direct, 50) });
		compare({ topology: 'sidecar', what: 'latency p99', airlock: `${r2(percentile(through, 99))} ms`, without: `${r2(percentile(direct, 99))} ms`, ratio: percentile(through, 99) / percentile(direct, 99) });

		// Memory under load: 64 tunnels at once (the busybox host's small listen backlog makes some
		// wait; the figure is the proxy's memory, not the host's errors).
		const load = `f=$(mktemp) && cat > "$f" && curl -sS --proxytunnel -x ${PROXY} --max-time 20 --parallel --parallel-immediate --parallel-max 64 -w '%{http_code}\\n' --config "$f"; rm -f "$f"; exit 0`;
		const sampled = await peakRssDuring(sc.proxy, () => inAgent(sc, load, `url = "http://${WEB}:8443/index.html"\noutput = "/dev/null"\n`.repeat(640), 180_000));
		results.sidecarProxyRssLoadBytes = sampled.peak;
		const answered = sampled.result.stdout.split('\n').filter((l) => l === '200').length;
		compare({ topology: 'sidecar', what: 'proxy memory (RSS), idle → peak under 64 tunnels', airlock: `${mib(results.sidecarProxyRssIdleBytes)} → ${mib(sampled.peak)}`, without: '—', ratio: sampled.peak / results.sidecarProxyRssIdleBytes });

		// Agent start with the proxy running, against the plain container's start.
		await dockerOk(['stop', '-t', '2', sc.agent, setup.plain.container], { timeoutMs: 60_000 });
		const agentMs: number[] = [];
		const plainMs: number[] = [];
		for (let i = 0; i < START_PAIRS; i++) {
			if (i % 2 === 0) {
				agentMs.push(await timeAgentStart(sc));
				plainMs.push(await timeStart(setup.plain));
			} else {
				plainMs.push(await timeStart(setup.plain));
				agentMs.push(await timeAgentStart(sc));
			}
		}
		await dockerOk(['start', sc.agent, setup.plain.container]);
		results.sidecarAgentStartRatio = median(agentMs) / median(plainMs);
		compare({ topology: 'sidecar', what: 'agent start (proxy running) → first request answered', airlock: ms(median(agentMs)), without: ms(median(plainMs)), ratio: results.sidecarAgentStartRatio, target: { bound: 'max', value: 1.2 } });

		Object.assign(out, {
			bareExec: { apiMs: Math.round(floor.apiMs), cliMs: Math.round(floor.cliMs) },
			apply10Ms: applyMs.map(Math.round),
			approveToEnforcedMs: totals.map(Math.round),
			approvalApplyPolicyMs: approvalApplyMs,
			approvalPollerTrace: traces,
			throughputMBps: { tunnel: tunnelSpeed.map((v) => Math.round(v / 1e6)), direct: directSpeed.map((v) => Math.round(v / 1e6)) },
			latencyMs: { throughP50: r2(percentile(through, 50)), directP50: r2(percentile(direct, 50)), refusedByProxyP50: r2(percentile(refused, 50)), throughP99: r2(percentile(through, 99)), directP99: r2(percentile(direct, 99)) },
			applyStepsMs: await profiledApplies(sc, textA, textB),
			proxyRssMiB: { idle: Number(mib(results.sidecarProxyRssIdleBytes).split(' ')[0]), peak: Number(mib(sampled.peak).split(' ')[0]), loadAnswered: answered, loadRequests: 640 },
			agentStartMs: agentMs.map(Math.round),
			plainStartMs: plainMs.map(Math.round),
		});
	} finally {
		await docker(['start', setup.plain.container]);
		await sc.remove();
		await removeEverything(testRun);
		// Every image this group built descends from a base carrying the run's label.
		const images = (await docker(['image', 'ls', '-q', '--filter', `label=${benchLabel}`])).stdout.split('\n').filter(Boolean);
		if (images.length > 0) {
			await docker(['rmi', '-f', ...new Set(images)], { timeoutMs: 120_000 });
		}
	}
}

/**
 * The sidecar's first image build and first `up`, nothing cached, against a plain dev container
 * of the same Dockerfile, in the same run:
 *
 *   build  `docker build --no-cache` of the workspace's Dockerfile (what the plain container
 *          needs), then of the proxy image on the image that Dockerfile starts from (the
 *          Feature's sidecar/Dockerfile, as Compose builds it): (agent + proxy) / agent.
 *   up     `airlock up` (the devcontainer CLI and Compose: the agent image, the proxy image, the
 *          gate, the proxy and the agent, each health check) against `devcontainer up` of a
 *          plain workspace (its image, its container). Each starts from a base image of its own
 *          (the dev image plus this run's label), so neither finds a layer cached.
 */
async function measureFirstBuildAndUp(testRun: TestRun, sc: SidecarWorkspace, benchLabel: string, results: Results): Promise<Record<string, number>> {
	const base = async (suffix: string): Promise<string> => {
		const tag = `airlock-bench-base:${testRun.id}-${suffix}`;
		await dockerOk(['build', '-q', '--label', benchLabel, '-t', tag, '-'], { input: `FROM ${DEV_IMAGE}\n`, timeoutMs: 120_000 });
		return tag;
	};
	const timed = async (work: () => Promise<unknown>): Promise<number> => {
		const t0 = performance.now();
		await work();
		return performance.now() - t0;
	};
	const context = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-build-'));
	try {
		log('first builds, no cache: the workspace image, then the proxy image on its base');
		fs.writeFileSync(path.join(context, 'Dockerfile'), SIDECAR_DOCKERFILE);
		const build = ['build', '-q', '--no-cache', '--network', 'host', '--label', benchLabel];
		const agentBuildMs = await timed(() => dockerOk([...build, '-t', `airlock-bench-agent:${testRun.id}`, context], { timeoutMs: 900_000 }));
		const proxyBuildMs = await timed(() => dockerOk([...build, '--build-arg', `BASE_IMAGE=${DEV_IMAGE}`, '-t', `airlock-bench-proxy:${testRun.id}`, '-f', path.join(FEATURE_DIR, 'sidecar', 'Dockerfile'), FEATURE_DIR], { timeoutMs: 900_000 }));
		results.sidecarFirstBuildRatio = (agentBuildMs + proxyBuildMs) / agentBuildMs;
		compare({ topology: 'sidecar', what: 'first image build, no cache: agent + proxy image / agent image', airlock: ms(agentBuildMs + proxyBuildMs), without: ms(agentBuildMs), ratio: results.sidecarFirstBuildRatio });

		log('first up, nothing cached: devcontainer up of a plain workspace, then airlock up');
		const plain = path.join(context, 'plain');
		fs.mkdirSync(path.join(plain, '.devcontainer'), { recursive: true });
		fs.writeFileSync(path.join(plain, '.devcontainer', 'Dockerfile'), SIDECAR_DOCKERFILE.replace(`FROM ${DEV_IMAGE}`, `FROM ${await base('plain')}`));
		fs.writeFileSync(path.join(plain, '.devcontainer', 'devcontainer.json'), JSON.stringify({
			name: 'bench-plain-first-up', build: { dockerfile: 'Dockerfile', options: ['--network=host'] }, remoteUser: 'dev', runArgs: ['--network', sc.net.name, ...testRun.labelArgs],
		}, null, 2) + '\n');
		const dockerfile = path.join(sc.folder, '.devcontainer', 'Dockerfile');
		fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, 'utf8').replace(`FROM ${DEV_IMAGE}`, `FROM ${await base('sidecar')}`));
		const plainUpMs = await timed(() => runOk(devcontainerBin(), ['up', '--workspace-folder', plain, '--log-level', 'info'], { timeoutMs: 900_000 }));
		await sc.up();
		results.sidecarFirstUpRatio = sc.lastUpMs / plainUpMs;
		compare({ topology: 'sidecar', what: 'first up, nothing cached: airlock up / devcontainer up of a plain container', airlock: ms(sc.lastUpMs), without: ms(plainUpMs), ratio: results.sidecarFirstUpRatio });
		const plainIds = (await docker(['ps', '-a', '-q', '--filter', `label=devcontainer.local_folder=${plain}`])).stdout.split('\n').filter(Boolean);
		if (plainIds.length > 0) {
			await docker(['rm', '-f', '-v', ...plainIds], { timeoutMs: 120_000 });
		}
		return { agentBuildMs: Math.round(agentBuildMs), proxyBuildMs: Math.round(proxyBuildMs), sidecarUpMs: Math.round(sc.lastUpMs), plainUpMs: Math.round(plainUpMs) };
	} finally {
		fs.rmSync(context, { recursive: true, force: true });
	}
}
