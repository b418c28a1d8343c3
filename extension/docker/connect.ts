import Docker from 'dockerode';
import * as fs from 'node:fs';
import { EngineUnreachableError } from './errors';

/** Where the engine is, as the user would write it: a socket path or a URL. */
export interface DockerEndpoint {
	readonly description: string;
	readonly options: Docker.DockerOptions;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** Reads `DOCKER_HOST` the way the docker CLI does (unix://, tcp://, http(s)://); default socket otherwise. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
	const host = env.DOCKER_HOST?.trim();
	if (!host) {
		return { description: DEFAULT_SOCKET, options: { socketPath: DEFAULT_SOCKET } };
	}
	if (host.startsWith('unix://')) {
		const socketPath = host.slice('unix://'.length) || DEFAULT_SOCKET;
		return { description: socketPath, options: { socketPath } };
	}
	if (host.startsWith('/')) {
		return { description: host, options: { socketPath: host } };
	}
	let url: URL;
	try {
		url = new URL(host);
	} catch {
		throw new EngineUnreachableError(host, new Error('DOCKER_HOST is not a unix://, tcp:// or http(s):// address'));
	}
	if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) {
		throw new EngineUnreachableError(host, new Error(`DOCKER_HOST scheme ${url.protocol} is not supported (use unix:// or tcp://)`));
	}
	// tcp:// means TLS when DOCKER_TLS_VERIFY is set, like the docker CLI.
	const tls = url.protocol === 'https:' || (url.protocol === 'tcp:' && Boolean(env.DOCKER_TLS_VERIFY));
	const options: Docker.DockerOptions = { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' };
	if (tls && env.DOCKER_CERT_PATH) {
		options.ca = fs.readFileSync(`${env.DOCKER_CERT_PATH}/ca.pem`);
		options.cert = fs.readFileSync(`${env.DOCKER_CERT_PATH}/cert.pem`);
		options.key = fs.readFileSync(`${env.DOCKER_CERT_PATH}/key.pem`);
	}
	return { description: host, options };
}

export interface DockerConnection {
	readonly docker: Docker;
	readonly endpoint: DockerEndpoint;
}

/** A client for the engine; does not contact it (use `connectDocker` to check it answers). */
export function createDockerClient(env: NodeJS.ProcessEnv = process.env): DockerConnection {
	const endpoint = dockerEndpoint(env);
	return { docker: new Docker(endpoint.options), endpoint };
}

/** A client whose engine answered a ping; throws EngineUnreachableError otherwise. */
export async function connectDocker(env: NodeJS.ProcessEnv = process.env): Promise<DockerConnection> {
	const connection = createDockerClient(env);
	await pingEngine(connection);
	return connection;
}

export async function pingEngine(connection: DockerConnection): Promise<void> {
	try {
		await connection.docker.ping();
	} catch (err) {
		throw new EngineUnreachableError(connection.endpoint.description, err);
	}
}
