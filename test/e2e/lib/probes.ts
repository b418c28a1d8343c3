/**
 * Probes that run inside the workspace as the remote user, and the assertions that tell a block
 * from a broken network. Every probe is bounded (curl --max-time, read -t, timeout) so a
 * black-holed packet shows up as a failed assertion, never as a hung test.
 *
 *   const out = await viaProxy(ws, 'https://allowed.example/');   // CurlOutcome
 *   assertTunnelled(out) / assertProxyDenied(out) / assertRefused(out)
 *   const udp = await udpProbe(ws, '127.0.0.11', 53); assertUdpRefused(udp)
 *   const log = await accessLog(ws)                                   // parsed JSON lines
 */
import * as assert from 'node:assert/strict';
import type { Workspace } from './workspace';
import { describeRun, type RunResult } from './process';

/** Shell-quotes one argument for bash. */
export function shq(value: string): string {
	return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface CurlOutcome {
	/** curl's exit code (0 ok, 6 resolve, 7 connect refused, 28 timeout, 56 proxy CONNECT refused). */
	readonly exit: number;
	/** Final HTTP status (0 when none). */
	readonly httpCode: number;
	/** The proxy's answer to CONNECT (0 when no CONNECT). */
	readonly connectCode: number;
	readonly body: string;
	readonly stderr: string;
	readonly raw: RunResult;
}

// Not starting with "@": curl -w reads its format from a file then.
const MARK = '#airlock-e2e#';

/** Runs curl as the remote user; `direct` removes every proxy variable first. */
export async function curlAsAgent(ws: Workspace, url: string, options: { direct?: boolean; extraArgs?: string[] } = {}): Promise<CurlOutcome> {
	const args = ['-sS', '-k', '--connect-timeout', '5', '--max-time', '8', '-w', `${MARK}%{http_code} %{http_connect}`, ...(options.extraArgs ?? []), url];
	const env = options.direct ? 'env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy -u ALL_PROXY -u all_proxy ' : '';
	const noproxy = options.direct ? "--noproxy '*' " : '';
	const script = `${env}curl ${noproxy}${args.map(shq).join(' ')}; echo "${MARK}exit=$?"`;
	const raw = await ws.exec(script, 30_000);
	const exitMatch = new RegExp(`${MARK}exit=(\\d+)`).exec(raw.stdout);
	if (!exitMatch) {
		throw new Error(`probe did not run: ${describeRun('devcontainer exec', [script], raw)}`);
	}
	const codes = new RegExp(`${MARK}(\\d{3}) (\\d{3})`).exec(raw.stdout);
	const body = raw.stdout.split(MARK)[0];
	return {
		exit: Number(exitMatch[1]),
		httpCode: codes ? Number(codes[1]) : 0,
		connectCode: codes ? Number(codes[2]) : 0,
		body,
		stderr: raw.stderr,
		raw,
	};
}

export const viaProxy = (ws: Workspace, url: string, extraArgs: string[] = []): Promise<CurlOutcome> => curlAsAgent(ws, url, { extraArgs });
export const direct = (ws: Workspace, url: string): Promise<CurlOutcome> => curlAsAgent(ws, url, { direct: true });

function show(outcome: CurlOutcome): string {
	return `curl exit ${outcome.exit}, http ${outcome.httpCode}, connect ${outcome.connectCode}\nstderr: ${outcome.stderr}\nbody: ${outcome.body.slice(0, 500)}`;
}

/** The request went through (HTTPS through a CONNECT tunnel, or plain HTTP via the proxy). */
export function assertThrough(outcome: CurlOutcome, expectedBody: string): void {
	assert.equal(outcome.exit, 0, show(outcome));
	assert.equal(outcome.httpCode, 200, show(outcome));
	assert.equal(outcome.body, expectedBody, show(outcome));
}

/** The proxy refused with 403 (CONNECT: curl exit 56 and connect code 403; plain HTTP: 403 page). */
export function assertProxyDenied(outcome: CurlOutcome): void {
	if (outcome.exit === 56) {
		assert.equal(outcome.connectCode, 403, show(outcome));
		assert.match(outcome.stderr, /CONNECT tunnel failed, response 403/, show(outcome));
	} else {
		assert.equal(outcome.exit, 0, `expected a 403 from the proxy: ${show(outcome)}`);
		assert.equal(outcome.httpCode, 403, show(outcome));
		assert.match(outcome.body, /blocked by Airlock/, show(outcome));
	}
}

/** Refused at once by the firewall: connection refused (tcp-reset), not a timeout. */
export function assertRefused(outcome: CurlOutcome): void {
	assert.equal(outcome.exit, 7, `expected "connection refused" (curl exit 7): ${show(outcome)}`);
	assert.match(outcome.stderr, /Couldn't connect to server|Connection refused/, show(outcome));
}

/** Name resolution failed (curl exit 6), as it does when DNS is closed. */
export function assertCouldNotResolve(outcome: CurlOutcome): void {
	assert.equal(outcome.exit, 6, `expected "could not resolve host" (curl exit 6): ${show(outcome)}`);
	assert.match(outcome.stderr, /Could not resolve host/, show(outcome));
}

export interface ScriptOutcome {
	readonly status: string;
	readonly detail: string;
	readonly raw: RunResult;
}

/**
 * Sends one UDP datagram (a DNS query for example.com) as the remote user and waits up to 3 s
 * for anything back. status: "answered" | "timeout" | "refused" (with the error in detail).
 */
export async function udpProbe(ws: Workspace, host: string, port: number): Promise<ScriptOutcome> {
	const query = '\\x13\\x37\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07example\\x03com\\x00\\x00\\x01\\x00\\x01';
	const script = [
		`exec 3<>/dev/udp/${host}/${port} || { echo "${MARK}refused open"; exit 0; }`,
		`printf '%b' '${query}' >&3 2>/tmp/udp-send.err || { echo "${MARK}refused $(cat /tmp/udp-send.err)"; exit 0; }`,
		'if IFS= read -r -t 3 -N 1 _ <&3 2>/tmp/udp-read.err; then echo "' + MARK + 'answered"',
		'else rc=$?; if [ "$rc" -gt 128 ]; then echo "' + MARK + 'timeout"; else echo "' + MARK + 'refused $(cat /tmp/udp-read.err)"; fi; fi',
	].join('\n');
	const raw = await ws.exec(script, 30_000);
	const m = new RegExp(`${MARK}(\\w+) ?(.*)`).exec(raw.stdout);
	if (!m) {
		throw new Error(`udp probe did not run: ${describeRun('devcontainer exec', [script], raw)}`);
	}
	return { status: m[1], detail: m[2], raw };
}

/** Refused at once: ECONNREFUSED (ICMP port unreachable) or EPERM (REJECT on OUTPUT). */
export function assertUdpRefused(outcome: ScriptOutcome): void {
	assert.equal(outcome.status, 'refused', `expected a refusal, got ${outcome.status} ${outcome.detail}`);
	assert.match(outcome.detail, /Connection refused|Operation not permitted/, outcome.detail);
}

/** One proxy log line (docs/architecture.md §3). */
export interface LogLine {
	time: number;
	client: string;
	method: string;
	host: string;
	port: number;
	verdict: 'allow' | 'deny';
	enforced: boolean;
	rule: string;
	status: number;
	bytes: number;
}

/** Reads /var/log/airlock/access.log as the remote user; every line must be a JSON object. */
export async function accessLog(ws: Workspace): Promise<LogLine[]> {
	const raw = await ws.exec('cat /var/log/airlock/access.log', 30_000);
	assert.equal(raw.code, 0, describeRun('cat access.log', [], raw));
	return raw.stdout
		.split('\n')
		.filter((line) => line.length > 0)
		.map((line) => {
			try {
				return JSON.parse(line) as LogLine;
			} catch {
				throw new assert.AssertionError({ message: `access.log line is not JSON: ${line}` });
			}
		});
}

/** The last log line for HOST:PORT (and METHOD), polling briefly: Squid logs when a transaction ends. */
export async function lastLogFor(ws: Workspace, host: string, port: number, method?: string): Promise<LogLine> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const lines = (await accessLog(ws)).filter((l) => l.host === host && l.port === port && (!method || l.method === method));
		if (lines.length > 0) {
			return lines[lines.length - 1];
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new assert.AssertionError({ message: `no access.log line for ${method ?? ''} ${host}:${port}` });
}
