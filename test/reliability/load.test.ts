/*
 * Load and soak through the proxy of a locked container, as the agent would make it: curl
 * processes run inside the container as the remote user, through 127.0.0.1:3128. The server is
 * nginx (keep-alive) on the test network, so the proxy is what is measured.
 *
 * - 64 parallel clients × 10,000 requests (half plain HTTP via the proxy, half inside CONNECT
 *   tunnels): 0 errors.
 * - A soak of AIRLOCK_SOAK_SECONDS (default 600; CI runs the default) with a steady load
 *   (curl --rate): Squid's memory stays flat. Flat means: after a warm-up (the first fifth,
 *   at most 60 s), the median RSS of the last quarter of the samples is within
 *   max(10 % of the first quarter's median, 4 MiB) of the first quarter's median.
 */
import * as assert from 'node:assert/strict';
import { asAgent, asRoot, buildWorkspace, median, type BuiltWorkspace } from '../bench/lib/harness';
import { DENIED, DOMAIN, FEATURE_ALLOW, createWorld, type World } from './lib/fixture';
import { startLoadHost } from './lib/loadHost';

const LOAD = `load.${DOMAIN}`;
const CLIENTS = 64;
const REQUESTS_PER_CLIENT = 10_000;
const SOAK_SECONDS = Number(process.env.AIRLOCK_SOAK_SECONDS ?? 600);
const SOAK_SAMPLE_MS = 5_000;
const MIB = 1024 * 1024;

function figure(text: string): void {
	process.stdout.write(`      figure: ${text}\n`);
}

/**
 * A bash script that starts `clients` curl processes as background jobs and prints, per client,
 * `client=N lines=L ok=O exit=E` (ok = responses with the expected status). Every curl is
 * bounded per transfer (--max-time) and the whole by `timeout`.
 */
function clientsScript(options: { clients: number; requests: number; totalSeconds: number; rate?: string; clientArgs: (c: number) => { args: string; url: string; expect: string } }): string {
	const lines = ['dir=$(mktemp -d)', 'pids=()'];
	for (let c = 1; c <= options.clients; c++) {
		const { args, url, expect } = options.clientArgs(c);
		const rate = options.rate ? `--rate ${options.rate} ` : '';
		lines.push(`( timeout ${options.totalSeconds} curl -s --max-time 10 ${rate}${args} -o /dev/null -w '%{http_code}\\n' '${url}?c=${c}&n=[1-${options.requests}]' > "$dir/${c}.out" 2>"$dir/${c}.err"; echo $? > "$dir/${c}.rc"; echo '${expect}' > "$dir/${c}.expect" ) &`);
		lines.push('pids+=($!)');
	}
	lines.push('wait "${pids[@]}"');
	lines.push(`for c in $(seq 1 ${options.clients}); do e=$(cat "$dir/$c.expect"); echo "client=$c lines=$(wc -l < "$dir/$c.out") ok=$(grep -cx "$e" "$dir/$c.out") exit=$(cat "$dir/$c.rc") err=$(head -c 200 "$dir/$c.err" | tr '\\n' ' ')"; done`);
	lines.push('rm -rf "$dir"');
	return lines.join('\n');
}

interface ClientResult {
	client: number;
	lines: number;
	ok: number;
	exit: number;
	err: string;
}

function parseClients(stdout: string): ClientResult[] {
	return [...stdout.matchAll(/^client=(\d+) lines=(\d+) ok=(\d+) exit=(\d+) err=(.*)$/gm)].map((m) => ({ client: Number(m[1]), lines: Number(m[2]), ok: Number(m[3]), exit: Number(m[4]), err: m[5] }));
}

/** Resident memory of every Squid process in the container, in bytes. */
async function squidRss(container: string): Promise<number> {
	const r = await asRoot(container, ['bash', '-c', 'total=0; for d in /proc/[0-9]*; do [ "$(cat "$d/comm" 2>/dev/null)" = squid ] || continue; kb=$(awk \'/^VmRSS:/ {print $2}\' "$d/status" 2>/dev/null); total=$((total + ${kb:-0})); done; echo "$total"']);
	return Number(r.stdout.trim()) * 1024;
}

describe('reliability: load and soak through the proxy', function () {
	this.timeout((SOAK_SECONDS + 900) * 1000);
	let world: World;
	let ws: BuiltWorkspace;
	const proxy = '-x http://127.0.0.1:3128';
	const tunnel = `--proxytunnel ${proxy}`;

	before(async () => {
		world = await createWorld('load');
		const load = await startLoadHost(world.testRun, world.network, 4);
		ws = await buildWorkspace(world.testRun, {
			name: 'reliability-load', network: world.network, addHosts: { ...world.addHosts, [LOAD]: load.ipv4 },
			airlock: { allow: `${FEATURE_ALLOW},${LOAD},${LOAD}:8443` },
		});
	});

	after(async () => {
		await world?.cleanup();
	});

	it(`${CLIENTS} parallel clients × ${REQUESTS_PER_CLIENT} requests through the proxy: 0 errors`, async () => {
		// Positive control first: one request each way.
		const control = await asAgent(ws.container, `curl -sSf ${proxy} http://${LOAD}/ && curl -sSf ${tunnel} http://${LOAD}:8443/`, { proxy: false });
		assert.equal(control.stdout, 'airlock-load ok\nairlock-load ok\n', `positive control failed (exit ${control.code}): ${control.stderr}`);
		const script = clientsScript({
			clients: CLIENTS, requests: REQUESTS_PER_CLIENT, totalSeconds: 900,
			clientArgs: (c) => (c % 2 === 0 ? { args: proxy, url: `http://${LOAD}/r`, expect: '200' } : { args: tunnel, url: `http://${LOAD}:8443/r`, expect: '200' }),
		});
		const started = Date.now();
		const r = await asAgent(ws.container, script, { proxy: false, timeoutMs: 960_000 });
		const seconds = (Date.now() - started) / 1000;
		const clients = parseClients(r.stdout);
		assert.equal(clients.length, CLIENTS, `client summaries: ${r.stdout.slice(-2000)} ${r.stderr.slice(-2000)}`);
		const total = clients.reduce((n, c) => n + c.lines, 0);
		const ok = clients.reduce((n, c) => n + c.ok, 0);
		const expected = CLIENTS * REQUESTS_PER_CLIENT;
		figure(`${total} requests in ${seconds.toFixed(0)} s (${Math.round(total / seconds)}/s), ${total - ok} errors, ${expected - total} missing`);
		const failing = clients.filter((c) => c.lines !== REQUESTS_PER_CLIENT || c.ok !== c.lines || c.exit !== 0);
		assert.deepEqual(failing, [], 'clients with errors');
		assert.equal(ok, expected);
	});

	it(`soak for ${SOAK_SECONDS} s with a steady load: Squid's memory stays flat`, async () => {
		// 6 allowed clients (3 plain, 3 tunnelled) and 2 denied ones, each at a steady rate.
		const denied = new Set([7, 8]);
		const perClientRate = '100/s';
		const script = clientsScript({
			clients: 8, requests: 1_000_000, totalSeconds: SOAK_SECONDS, rate: perClientRate,
			clientArgs: (c) => denied.has(c)
				? { args: proxy, url: `http://${DENIED}/r`, expect: '403' }
				: c % 2 === 0 ? { args: proxy, url: `http://${LOAD}/r`, expect: '200' } : { args: tunnel, url: `http://${LOAD}:8443/r`, expect: '200' },
		});
		const samples: { atMs: number; rss: number }[] = [];
		const started = Date.now();
		const load = asAgent(ws.container, script, { proxy: false, timeoutMs: (SOAK_SECONDS + 120) * 1000 });
		let finished = false;
		void load.then(() => (finished = true));
		// Sample until the load ends (bounded by its own timeout, and here by count).
		const maxSamples = Math.ceil(SOAK_SECONDS * 1000 / SOAK_SAMPLE_MS) + 30;
		for (let i = 0; i < maxSamples && !finished; i++) {
			samples.push({ atMs: Date.now() - started, rss: await squidRss(ws.container) });
			await Promise.race([load, new Promise((r) => setTimeout(r, SOAK_SAMPLE_MS))]);
		}
		const r = await load;
		const clients = parseClients(r.stdout);
		assert.equal(clients.length, 8, `client summaries: ${r.stdout.slice(-2000)} ${r.stderr.slice(-2000)}`);
		const total = clients.reduce((n, c) => n + c.lines, 0);
		const wrong = clients.reduce((n, c) => n + (c.lines - c.ok), 0);
		// timeout ends the clients: exit 124 is the planned end of the soak.
		const crashed = clients.filter((c) => c.exit !== 124 && c.exit !== 0);

		const warmupMs = Math.min(60_000, (SOAK_SECONDS * 1000) / 5);
		const steady = samples.filter((s) => s.atMs >= warmupMs).map((s) => s.rss);
		assert.ok(steady.length >= 8, `too few samples after warm-up (${steady.length}); AIRLOCK_SOAK_SECONDS=${SOAK_SECONDS} is too short`);
		const quarter = Math.max(1, Math.floor(steady.length / 4));
		const firstQuarter = median(steady.slice(0, quarter));
		const lastQuarter = median(steady.slice(-quarter));
		const allowedGrowth = Math.max(0.1 * firstQuarter, 4 * MIB);
		const mib = (b: number): string => (b / MIB).toFixed(1);
		figure(`${total} requests in ${SOAK_SECONDS} s (${wrong} with an unexpected status), ${samples.length} RSS samples every ${SOAK_SAMPLE_MS / 1000} s`);
		figure(`Squid RSS MiB: min ${mib(Math.min(...samples.map((s) => s.rss)))}, max ${mib(Math.max(...samples.map((s) => s.rss)))}; after ${warmupMs / 1000} s warm-up: first quarter median ${mib(firstQuarter)}, last quarter median ${mib(lastQuarter)}, growth ${mib(lastQuarter - firstQuarter)} (allowed ${mib(allowedGrowth)})`);
		figure(`samples (MiB): ${samples.map((s) => mib(s.rss)).join(' ')}`);
		assert.deepEqual(crashed, [], 'clients that ended with an error');
		assert.equal(wrong, 0, 'requests with an unexpected status during the soak');
		assert.ok(total > 0);
		assert.ok(lastQuarter - firstQuarter <= allowedGrowth, `Squid's memory grew by ${mib(lastQuarter - firstQuarter)} MiB (allowed ${mib(allowedGrowth)})`);
	});
});
