/**
 * A keep-alive web server for load tests: nginx-light on the dev base image (busybox httpd,
 * the e2e test host's server, closes after every response, forks per request and listens with
 * a backlog of 9 — 256 simultaneous connections overflow it and the kernel drops SYNs — which
 * would measure busybox rather than the proxy). Cached as an image like the e2e test host.
 *
 *   const host = await startLoadHost(run, net, 4);   // port 80 and 8443, plain HTTP, keep-alive
 *   host.ipv4                                        // every path answers one line, except /files/medium.bin (4 MiB)
 */
import { docker, dockerOk, SUITE_LABEL, type TestRun } from '../../e2e/lib/docker';
import type { TestNetwork } from '../../e2e/lib/testNetwork';
import { MEDIUM_FILE_BYTES, waitFor } from '../../bench/lib/harness';

export const LOAD_HOST_IMAGE = 'airlock-reliability/loadhost:bookworm';
const BASE_IMAGE = 'airlock-test/debian-dev:bookworm';

const NGINX_CONF = [
	'worker_processes 2;',
	'events { worker_connections 4096; }',
	'http {',
	'  access_log off;',
	'  keepalive_requests 1000000;',
	'  keepalive_timeout 75s;',
	'  sendfile on;',
	'  server {',
	'    listen 80 backlog=4096; listen 8443 backlog=4096;',
	'    location / { default_type text/plain; return 200 "airlock-load ok\\n"; }',
	'    location /files/ { root /srv; default_type application/octet-stream; }',
	'  }',
	'}',
].join('\n');

async function ensureLoadHostImage(): Promise<void> {
	if ((await docker(['image', 'inspect', LOAD_HOST_IMAGE])).code === 0) {
		return;
	}
	const dockerfile = [
		`FROM ${BASE_IMAGE}`,
		`LABEL ${SUITE_LABEL}=cache`,
		'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light \\',
		' && rm -rf /var/lib/apt/lists/*',
		'',
	].join('\n');
	// Host networking for the build: the engine's default bridge may be absent on this machine.
	await dockerOk(['build', '--network', 'host', '-q', '-t', LOAD_HOST_IMAGE, '-'], { input: dockerfile, timeoutMs: 600_000 });
}

export interface LoadHost {
	readonly container: string;
	readonly ipv4: string;
}

export async function startLoadHost(testRun: TestRun, network: TestNetwork, hostNumber: number): Promise<LoadHost> {
	await ensureLoadHostImage();
	const ipv4 = network.hostV4(hostNumber);
	const container = `airlock-e2e-${testRun.id}-load`;
	const script = [
		`mkdir -p /srv/files && head -c ${MEDIUM_FILE_BYTES} /dev/urandom > /srv/files/medium.bin`,
		`cat > /tmp/nginx.conf <<'CONF'\n${NGINX_CONF}\nCONF`,
		"exec nginx -c /tmp/nginx.conf -g 'daemon off;'",
	].join('\n');
	await dockerOk(['run', '-d', ...testRun.labelArgs, '--name', container, '--network', network.name, '--ip', ipv4, '--ip6', network.hostV6(hostNumber),
		LOAD_HOST_IMAGE, 'bash', '-c', script]);
	await waitFor(`nginx on ${ipv4}`, async () => {
		const r = await docker(['exec', container, 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/80 && exec 4<>/dev/tcp/127.0.0.1/8443']);
		return r.code === 0 ? true : undefined;
	}, { attempts: 120, everyMs: 250 });
	return { container, ipv4 };
}
