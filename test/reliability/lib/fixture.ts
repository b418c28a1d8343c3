/**
 * The reliability suite's world: its own test network (RELIABILITY_NETWORK), one web host that
 * plays the internet, and locked workspaces built by the real devcontainer CLI with the local
 * Feature. Probes run as the remote user with `docker exec`, bounded by curl's own time limits.
 *
 *   const world = await createWorld('faults');
 *   const ws = await world.lockedWorkspace('faults');
 *   await assertAllowedThroughProxy(ws.container, world);       // positive control
 *   await assertDirectRefused(ws.container, world);
 *   await world.cleanup();                                      // removes everything by label, asserts nothing is left
 */
import * as assert from 'node:assert/strict';
import { leftovers, newTestRun, removeEverything, type TestRun } from '../../e2e/lib/docker';
import { createTestNetwork, type TestNetwork } from '../../e2e/lib/testNetwork';
import { ensureTestHostImage, pageBody, startWebHost, type WebHost } from '../../e2e/lib/testHosts';
import { RELIABILITY_NETWORK, asAgent, buildWorkspace, namesTo, type BuiltWorkspace } from '../../bench/lib/harness';

export const DOMAIN = 'airlock-reliability.example';
/** Allowlisted (80, 443 and CONNECT to 8443). */
export const ALLOWED = `allowed.${DOMAIN}`;
/** Resolves to the same test host, but is not allowlisted. */
export const DENIED = `denied.${DOMAIN}`;
export const FEATURE_ALLOW = `${ALLOWED},${ALLOWED}:8443`;

export interface World {
	readonly testRun: TestRun;
	readonly network: TestNetwork;
	readonly web: WebHost;
	readonly addHosts: Readonly<Record<string, string>>;
	/** Builds (devcontainer up) a locked workspace; the folder name is prefixed by the suite. */
	lockedWorkspace(name: string): Promise<BuiltWorkspace>;
	cleanup(): Promise<void>;
}

export async function createWorld(suite: string, webHostNumber = 2): Promise<World> {
	const testRun = newTestRun(`reliability-${suite}`);
	await ensureTestHostImage();
	const network = await createTestNetwork(testRun, RELIABILITY_NETWORK);
	const web = await startWebHost(testRun, network, { hostNumber: webHostNumber, hostName: 'web' });
	const addHosts = namesTo(web.ipv4, [ALLOWED, DENIED]);
	return {
		testRun,
		network,
		web,
		addHosts,
		lockedWorkspace: (name) => buildWorkspace(testRun, { name: `reliability-${name}`, network, addHosts, airlock: { allow: FEATURE_ALLOW } }),
		async cleanup() {
			await removeEverything(testRun);
			const left = await leftovers(testRun);
			assert.deepEqual(left, { containers: [], networks: [], volumes: [] }, `left behind by ${testRun.id}`);
		},
	};
}

/** What `useLockedWorld` fills in before the suite's tests run. */
export interface LockedWorld {
	world: World;
	ws: BuiltWorkspace;
}

/**
 * Registers a suite's hooks: a world and one locked workspace named `suite` before the tests,
 * everything removed (and checked gone) after. The returned object is filled in by `before`.
 */
export function useLockedWorld(suite: string): LockedWorld {
	const locked = {} as LockedWorld;
	before(async () => {
		locked.world = await createWorld(suite);
		locked.ws = await locked.world.lockedWorkspace(suite);
	});
	after(async () => {
		await locked.world?.cleanup();
	});
	return locked;
}

export interface Curl {
	readonly exit: number;
	readonly code: string;
	readonly body: string;
	readonly stderr: string;
}

const MARK = '#airlock-reliability#';

/** One curl as the agent; `proxy` sets HTTP(S)_PROXY as the generated devcontainer.json does. */
export async function agentCurl(container: string, url: string, options: { proxy: boolean }): Promise<Curl> {
	const noproxy = options.proxy ? '' : "--noproxy '*' ";
	const script = `curl ${noproxy}-sS -k --connect-timeout 5 --max-time 8 -w '${MARK}%{http_code}/%{http_connect}' '${url}'; echo "${MARK}exit=$?"`;
	const r = await asAgent(container, script, { proxy: options.proxy, timeoutMs: 30_000 });
	const exit = new RegExp(`${MARK}exit=(\\d+)`).exec(r.stdout);
	assert.ok(exit, `probe did not run: ${r.stdout}\n${r.stderr}`);
	const code = new RegExp(`${MARK}(\\d{3}/\\d{3})`).exec(r.stdout)?.[1] ?? '';
	return { exit: Number(exit[1]), code, body: r.stdout.split(MARK)[0], stderr: r.stderr };
}

function show(c: Curl): string {
	return `curl exit ${c.exit}, codes ${c.code}, stderr ${c.stderr.trim()}, body ${c.body.slice(0, 200)}`;
}

/** Positive control: HTTPS through the proxy to the allowlisted host answers with its page. */
export async function assertAllowedThroughProxy(container: string): Promise<void> {
	const c = await agentCurl(container, `https://${ALLOWED}/index.html`, { proxy: true });
	assert.equal(c.exit, 0, show(c));
	assert.equal(c.body, pageBody('web'), show(c));
}

/** The proxy refuses a host that is not allowlisted with a 403 (a block, not a timeout). */
export async function assertDeniedByProxy(container: string): Promise<void> {
	const c = await agentCurl(container, `https://${DENIED}/index.html`, { proxy: true });
	assert.equal(c.exit, 56, show(c));
	assert.match(c.code, /\/403$/, show(c));
}

/** A direct request (no proxy) is refused at once by the firewall: curl exit 7, not 28. */
export async function assertDirectRefused(container: string, world: World): Promise<void> {
	const c = await agentCurl(container, `http://${world.web.ipv4}/index.html`, { proxy: false });
	assert.equal(c.exit, 7, `expected "connection refused": ${show(c)}`);
}
