/*
 * The agent's loop in the sidecar topology (issue 12 asks for every topology): the proxy runs in
 * a container of its own beside a root agent, so the exfiltration scorer, the log the host reads
 * for usage and proposals, and the request book must work through it too. test/e2e/sidecar.test.ts
 * already proves a request with its reason reaches the CLI and an approval applies live there;
 * this file covers the rest, with one sidecar for every case (about 1-2 minutes with a warm cache):
 *
 * - a suspect name under an allowed wildcard is refused as exfil-suspect and the test resolver
 *   never hears of it, while a benign hashed name under the same wildcard is allowed and resolved;
 * - `exfil: warn` lets a suspect through, flagged in the log;
 * - a rejected request stays blocked and is not raised again;
 * - usage per entry and `airlock propose` read the proxy's log beside the agent.
 */
import * as assert from 'node:assert/strict';
import { containerLogs, leftovers, newTestRun, removeEverything } from './lib/docker';
import { createSidecar, showCurl, type SidecarWorkspace } from './lib/sidecarWorkspace';
import type { TestNetworkPlan } from './lib/testNetwork';
import { pageBody } from './lib/testHosts';
import { scoreTarget } from '../../extension/core/exfil/score';

const NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.240/28', subnetV6: '2001:db8:ac::/64' };
/** The test resolver answers every name under the zone (dnsmasq --address covers subdomains). */
const ZONE = 'airlock-loop-sidecar.example';
const ALLOWED = `allowed.${ZONE}`;
const DENIED = `denied.${ZONE}`;
const REJECTED = `tracker.${ZONE}`;
const WILD = `cdn.${ZONE}`;
const WARN = `warn.${ZONE}`;
const BENIGN_HASHED = `6aa30f8b08e16409b46e0173d6de2f56.${WILD}`;
const SUSPECT_HEX = `da39a3ee5e6b4b0d3255bfef95601890afd80709.${WILD}`;
const SUSPECT_WARNED = `da39a3ee5e6b4b0d3255bfef95601890afd80709.${WARN}`;

interface RawLine {
	host: string;
	port: number;
	verdict: string;
	rule: string;
	status: number;
	exfil?: string;
}

describe('e2e sidecar: exfiltration signals, usage, propose and a rejected request through the proxy beside the agent', function () {
	this.timeout(1_800_000);
	const testRun = newTestRun('loopsc');
	let sc: SidecarWorkspace;

	/** curl -v of a request from the root agent through the proxy: the proxy's answer is in `< ` lines. */
	async function headers(url: string): Promise<{ exit: number; out: string }> {
		const r = await sc.inAgent(`curl -sS -k -v -o /dev/null --connect-timeout 5 --max-time 8 ${url} 2>&1; echo "exit=$?"`);
		const m = /exit=(\d+)\s*$/.exec(r.stdout);
		assert.ok(m, r.stdout + r.stderr);
		return { exit: Number(m[1]), out: r.stdout };
	}

	async function logLines(): Promise<RawLine[]> {
		const logs = await sc.airlock(['logs', '--json']);
		assert.equal(logs.code, 0, logs.stderr);
		return logs.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RawLine);
	}

	function last(lines: readonly RawLine[], host: string): RawLine {
		const found = lines.filter((l) => l.host === host).pop();
		assert.ok(found, `no log line for ${host}`);
		return found;
	}

	before(async function () {
		sc = await createSidecar(testRun, {
			name: 'loop-sidecar', network: NETWORK, allowed: ALLOWED, resolverNames: [ZONE],
			alsoAllow: [`"*.${WILD}"`, `{ host: "*.${WARN}", exfil: warn, reason: "reviewed: hashed build names" }`],
		});
		await sc.up();
	});

	afterEach(async function () {
		if (this.currentTest?.state === 'failed' && sc?.proxy) {
			console.log(`--- proxy ---\n${await containerLogs(sc.proxy, 60)}\n--- test host ---\n${await containerLogs(sc.web.container, 60)}`);
		}
	});

	after(async function () {
		this.timeout(300_000);
		await sc?.remove();
		await removeEverything(testRun);
		assert.deepEqual(await leftovers(testRun), { containers: [], networks: [], volumes: [] });
	});

	it('refuses a suspect name under an allowed wildcard before any lookup; a benign hashed name under it is allowed and resolved', async () => {
		await sc.control();
		const benign = await sc.curl(`https://${BENIGN_HASHED}/index.html`);
		assert.deepEqual([benign.exit, benign.http, benign.body], [0, 200, pageBody('web')], showCurl(benign));

		assert.ok(scoreTarget({ host: SUSPECT_HEX, base: WILD }).suspect);
		const suspect = await headers(`https://${SUSPECT_HEX}/`);
		assert.match(suspect.out, /^< HTTP\/1\.1 403 /m, suspect.out);
		assert.match(suspect.out, /^< X-Airlock-Reason: exfil-suspect\r?$/m, suspect.out);
		const line = last(await logLines(), SUSPECT_HEX);
		assert.deepEqual([line.verdict, line.rule, line.status], ['deny', 'exfil-suspect', 403]);
		assert.match(line.exfil ?? '', /hex-label/);

		const queries = await sc.web.dnsQueries();
		assert.ok(queries.includes(BENIGN_HASHED), `the benign name is looked up (positive control); queries: ${queries.join(', ')}`);
		assert.ok(!queries.includes(SUSPECT_HEX), `the resolver must never hear of ${SUSPECT_HEX}; queries: ${queries.join(', ')}`);
	});

	it('exfil: warn lets a suspect name under a reviewed wildcard through, flagged in the log', async () => {
		await sc.control();
		const warned = await sc.curl(`https://${SUSPECT_WARNED}/index.html`);
		assert.deepEqual([warned.exit, warned.http, warned.body], [0, 200, pageBody('web')], showCurl(warned));
		const line = last(await logLines(), SUSPECT_WARNED);
		assert.deepEqual([line.verdict, line.rule], ['allow', 'allowlisted']);
		assert.match(line.exfil ?? '', /hex-label/);
	});

	it('a rejected request stays blocked, and the agent asking again is not raised', async () => {
		await sc.control();
		const ask = await sc.inAgent(`airlock-request ${REJECTED} --why telemetry`, 'dev');
		assert.equal(ask.code, 0, ask.stdout + ask.stderr);
		const list = await sc.airlock(['requests', '--json']);
		assert.equal(list.code, 0, list.stderr);
		const id = (JSON.parse(list.stdout) as { requests: { id: string; target: string; why: string }[] }).requests.find((r) => r.target === REJECTED)?.id;
		assert.ok(id, list.stdout);
		const reject = await sc.airlock(['requests', 'reject', id]);
		assert.equal(reject.code, 0, reject.stdout + reject.stderr);
		const refused = await headers(`https://${REJECTED}/`);
		assert.match(refused.out, /^< HTTP\/1\.1 403 /m, `still refused after the rejection: ${refused.out}`);
		assert.match(refused.out, /^< X-Airlock-Reason: not-allowlisted\r?$/m, refused.out);
		assert.equal((await sc.inAgent(`airlock-request ${REJECTED} --why 'please, really'`, 'dev')).code, 0);
		const again = JSON.parse((await sc.airlock(['requests', '--json'])).stdout) as { requests: { target: string }[] };
		assert.ok(!again.requests.some((r) => r.target === REJECTED), 'not raised again while the rejection is fresh');
	});

	it('usage per entry and propose read the proxy log beside the agent', async () => {
		await sc.control();
		const denied = await headers(`https://${DENIED}/`);
		assert.match(denied.out, /^< X-Airlock-Reason: not-allowlisted\r?$/m, denied.out);

		const plan = await sc.airlock(['plan', '--usage', '--json']);
		assert.equal(plan.code, 0, plan.stderr);
		const entries = (JSON.parse(plan.stdout) as { entries: { host: string; usage: { count: number } | null }[] }).entries;
		assert.ok((entries.find((e) => e.host === ALLOWED)?.usage?.count ?? 0) >= 3, `uses of ${ALLOWED} counted: ${plan.stdout}`);
		assert.ok((entries.find((e) => e.host === `*.${WILD}`)?.usage?.count ?? 0) >= 1, 'uses under the wildcard count for it');

		const propose = await sc.airlock(['propose', '--json']);
		assert.equal(propose.code, 0, propose.stderr);
		const proposal = JSON.parse(propose.stdout) as { entries: { host: string }[]; skipped: { target: string; why: string }[]; diff: string };
		assert.ok(proposal.entries.some((e) => e.host === DENIED), propose.stdout);
		assert.ok(proposal.skipped.some((s) => s.target === SUSPECT_HEX && /exfiltration/.test(s.why)), propose.stdout);
		assert.match(proposal.diff, /^\+ {2}- (\{ host: )?denied\.airlock-loop-sidecar\.example/m, proposal.diff);
	});
});
