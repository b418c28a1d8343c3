/**
 * Test hosts: containers on the test network that play the internet, from a small cached image
 * (airlock-e2e/testhost:bookworm = the dev base image plus busybox and dnsmasq).
 *
 * startWebHost() serves, on every address of the container:
 *   80    plain HTTP (busybox httpd)           443  HTTPS, self-signed (openssl s_server -WWW)
 *   8443  plain HTTP (for CONNECT tunnels)     22   plain HTTP (stands in for an SSH server)
 *   53    DNS (dnsmasq, every query logged to the container's output), answering the `dnsNames`
 *         given to it and refusing to recurse for anything else.
 * Every page body is `airlock-e2e <hostName>\n` (see `pageBody`); on port 80,
 * /cgi-bin/headers answers with the request headers it received (as CGI HTTP_* variables);
 * /cgi-bin/spoof answers with an `X-Airlock-Reason: spoofed` header of its own (the proxy must drop it).
 *
 *   const web = await startWebHost(run, net, { hostNumber: 10, dnsNames: { 'x.example': '198.51.100.10' } });
 *   web.ipv4, web.ipv6, await web.dnsQueries()   // names dnsmasq was asked for
 */
import * as net from 'node:net';
import { docker, dockerOk, containerLogs, SUITE_LABEL, type TestRun } from './docker';
import type { TestNetwork } from './testNetwork';

export const TEST_HOST_IMAGE = 'airlock-e2e/testhost:bookworm';
const BASE_IMAGE = 'airlock-test/debian-dev:bookworm';

/** Builds the test-host image once; later runs reuse it. */
export async function ensureTestHostImage(): Promise<void> {
	if ((await docker(['image', 'inspect', TEST_HOST_IMAGE])).code === 0) {
		return;
	}
	const dockerfile = [
		`FROM ${BASE_IMAGE}`,
		`LABEL ${SUITE_LABEL}=cache`,
		'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox dnsmasq-base openssl \\',
		' && rm -rf /var/lib/apt/lists/*',
		'',
	].join('\n');
	// Host networking for the build: the engine's default bridge may be absent on this machine.
	await dockerOk(['build', '--network', 'host', '-q', '-t', TEST_HOST_IMAGE, '-'], { input: dockerfile, timeoutMs: 300_000 });
}

export function pageBody(hostName: string): string {
	return `airlock-e2e ${hostName}\n`;
}

export interface WebHostOptions {
	/** Host number in the test network (its IPv4 last octet offset and IPv6 suffix). */
	readonly hostNumber: number;
	/** Name in page bodies and the container name. */
	readonly hostName?: string;
	/** Names dnsmasq answers (A records). */
	readonly dnsNames?: Readonly<Record<string, string>>;
}

export interface WebHost {
	readonly container: string;
	readonly ipv4: string;
	readonly ipv6: string;
	/** Every name dnsmasq was asked about so far (lower case). */
	dnsQueries(): Promise<string[]>;
	logs(): Promise<string>;
}

async function waitForPort(host: string, port: number, deadlineMs: number): Promise<void> {
	const until = Date.now() + deadlineMs;
	for (let attempt = 0; attempt < 200 && Date.now() < until; attempt++) {
		const open = await new Promise<boolean>((resolve) => {
			const socket = net.connect({ host, port, timeout: 1000 });
			socket.once('connect', () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
			socket.once('timeout', () => {
				socket.destroy();
				resolve(false);
			});
		});
		if (open) {
			return;
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`test host ${host}:${port} did not start listening`);
}

export async function startWebHost(testRun: TestRun, network: TestNetwork, options: WebHostOptions): Promise<WebHost> {
	const hostName = options.hostName ?? `web${options.hostNumber}`;
	const ipv4 = network.hostV4(options.hostNumber);
	const ipv6 = network.hostV6(options.hostNumber);
	const dnsArgs = Object.entries(options.dnsNames ?? {}).map(([name, ip]) => `--address=/${name}/${ip}`).join(' ');
	const script = [
		'set -e',
		'mkdir -p /srv/www && cd /srv/www',
		`printf 'airlock-e2e %s\\n' '${hostName}' > index.html`,
		'mkdir -p cgi-bin && printf \'#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n"\\nenv | grep ^HTTP_ | sort\\n\' > cgi-bin/headers && chmod 755 cgi-bin/headers',
		'printf \'#!/bin/sh\\nprintf "X-Airlock-Reason: spoofed\\\\r\\\\nContent-Type: text/plain\\\\r\\\\n\\\\r\\\\nspoof\\\\n"\\n\' > cgi-bin/spoof && chmod 755 cgi-bin/spoof',
		// A fresh self-signed certificate per run, made here with openssl.
		`openssl req -x509 -newkey rsa:2048 -nodes -keyout /srv/key.pem -out /srv/cert.pem -days 1 -subj '/CN=${hostName}' 2>/dev/null`,
		'busybox httpd -f -p 80 -h /srv/www &',
		'busybox httpd -f -p 8443 -h /srv/www &',
		'busybox httpd -f -p 22 -h /srv/www &',
		'openssl s_server -quiet -accept 443 -cert /srv/cert.pem -key /srv/key.pem -WWW &',
		`exec dnsmasq --no-daemon --user=root --log-queries --log-facility=- --no-resolv --no-hosts ${dnsArgs}`,
	].join('\n');
	const container = `airlock-e2e-${testRun.id}-${hostName}`;
	await dockerOk([
		'run', '-d', ...testRun.labelArgs, '--name', container, '--network', network.name,
		'--ip', ipv4, '--ip6', ipv6, TEST_HOST_IMAGE, 'bash', '-c', script,
	]);
	try {
		for (const port of [80, 443, 8443, 22, 53]) {
			await waitForPort(ipv4, port, 30_000);
		}
	} catch (error) {
		throw new Error(`${(error as Error).message}\n${await containerLogs(container)}`);
	}
	return {
		container,
		ipv4,
		ipv6,
		async dnsQueries() {
			const logs = await containerLogs(container, 100_000);
			return [...logs.matchAll(/query\[[A-Z0-9]+\] (\S+) from/g)].map((m) => m[1].toLowerCase());
		},
		logs: () => containerLogs(container),
	};
}
