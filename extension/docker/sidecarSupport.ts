import { spawnSync } from 'node:child_process';
import type Docker from 'dockerode';
import { describeCause } from './errors';

/**
 * Whether this machine can run the sidecar topology (docs/sidecar.md), and why in one sentence:
 * an engine that answers (20.10 or newer: internal networks, the `inhibit_ipv4` bridge option,
 * health checks Compose can wait on) and Docker Compose for the devcontainer CLI and VS Code to
 * bring the project up (`docker compose` or `docker-compose`).
 */
export interface SidecarSupport {
	readonly supported: boolean;
	readonly why: string;
}

function composeAvailable(env: NodeJS.ProcessEnv): string | undefined {
	for (const [cmd, args] of [['docker', ['compose', 'version']], ['docker-compose', ['version']]] as const) {
		const r = spawnSync(cmd, [...args], { env, encoding: 'utf8', timeout: 15_000 });
		if (r.status === 0) {
			return `${cmd} ${args[0] === 'compose' ? 'compose' : ''}`.trim();
		}
	}
	return undefined;
}

export async function sidecarSupport(docker: Docker, env: NodeJS.ProcessEnv = process.env): Promise<SidecarSupport> {
	let version: string;
	try {
		version = String((await docker.version()).Version ?? '');
	} catch (err) {
		return { supported: false, why: `the single topology: the Docker engine did not answer (${describeCause(err)}), so the sidecar could not be checked` };
	}
	const [major, minor] = version.split('.').map(Number);
	if (!(major > 20 || (major === 20 && minor >= 10))) {
		return { supported: false, why: `the single topology: Docker ${version} is older than 20.10, which the sidecar's internal network needs` };
	}
	const compose = composeAvailable(env);
	if (compose === undefined) {
		return { supported: false, why: 'the single topology: no Docker Compose here (docker compose or docker-compose), which the sidecar topology runs on' };
	}
	return { supported: true, why: `the sidecar topology: the proxy in a container of its own, so the agent may be root and holds no NET_ADMIN (Docker ${version}, ${compose})` };
}
