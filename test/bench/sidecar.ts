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
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { recordApproval } from '../../extension/core/approvals';
import { canonicalText } from '../../extension/core/enforcedPolicy';
import { resolvePlan } from '../../extension/core/plan';
import { applyPolicy } from '../../extension/docker/control';
import { docker, dockerOk, newTestRun, removeEverything } from '../e2e/lib/docker';
import { createSidecar, type SidecarWorkspace } from '../e2e/lib/sidecarWorkspace';
import type { TestNetworkPlan } from '../e2e/lib/testNetwork';
// bench.ts is the entry point and imports this module; these are only used once it has loaded.
import {
	bareExec, compare, mib, ms, peakRssDuring, policyTextFor, proxyRss, requestTimes, startPoller, timeStart,
	type Details, type Results, type Setup,
} from './bench';
import { median, percentile } from './lib/harness';

/** Free in every suite's plan (see the ranges in test/e2e and test/reliability). */
const SIDECAR_BENCH_NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.240/28', subnetV6: '2001:db8:ac::/64' };
const DOMAIN = 'airlock-bench-sidecar.example';
const WEB = `web.${DOMAIN}`;
const APPROVE_RUNS = 3;
const APPROVE_HOSTS = Array.from({ length: APPROVE_RUNS }, (_, i) => `approve${i + 1}.${DOMAIN}`);
const PROXY = 'http://airlock-proxy:3128';
const START_PAIRS = 5;
const THROUGHPUT_MIB = 64;

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
	try {
		await sc.up();
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
		for (const host of APPROVE_HOSTS) {
			fs.appendFileSync(policyFile, `  - ${host}\n`);
			const plan = resolvePlan(sc.folder, sc.env);
			const poller = startPoller(sc.agent, `http://${host}/index.html`, { user: 'root', env: [] });
			await poller.ready;
			await new Promise((r) => setTimeout(r, 300));
			const t0 = Date.now();
			recordApproval(sc.folder, plan, { note: 'benchmark' }, sc.env);
			await applyPolicy(setup.docker, sc.proxy, canonicalText(plan.policy), 'proxy');
			totals.push((await poller.answeredAtMs) - t0);
		}
		results.sidecarApproveToEnforcedExecs = median(totals) / floor.apiMs;
		compare({ topology: 'sidecar', what: `approval recorded → new host answers (median of ${APPROVE_RUNS})`, airlock: ms(median(totals)), without: `${ms(floor.apiMs)} (1 bare exec)`, ratio: results.sidecarApproveToEnforcedExecs, target: { bound: 'max', value: 3 } });

		// Latency: the plain container joins the sidecar's network for a direct baseline to the same host.
		await dockerOk(['network', 'connect', sc.net.name, setup.plain.container]);
		const through: number[] = [];
		const direct: number[] = [];
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
				} else {
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
			throughputMBps: { tunnel: tunnelSpeed.map((v) => Math.round(v / 1e6)), direct: directSpeed.map((v) => Math.round(v / 1e6)) },
			latencyMs: { throughP50: r2(percentile(through, 50)), directP50: r2(percentile(direct, 50)), throughP99: r2(percentile(through, 99)), directP99: r2(percentile(direct, 99)) },
			proxyRssMiB: { idle: Number(mib(results.sidecarProxyRssIdleBytes).split(' ')[0]), peak: Number(mib(sampled.peak).split(' ')[0]), loadAnswered: answered, loadRequests: 640 },
			agentStartMs: agentMs.map(Math.round),
			plainStartMs: plainMs.map(Math.round),
		});
	} finally {
		await docker(['start', setup.plain.container]);
		await sc.remove();
		await removeEverything(testRun);
	}
}
