import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { InvalidInputError } from '../errors';
import { DEFAULT_IMAGE, DEFAULT_REMOTE_USER } from './desired';

/**
 * What a new devcontainer.json starts from when the repository has none: the Dockerfile or
 * Compose file already in `.devcontainer/` (the user's own choice of image), or the devcontainers
 * base image when there is neither. Never a registry image the user did not choose over a file
 * that is there.
 */
export interface InitialConfig {
	readonly value: Record<string, unknown>;
	/** One line for the person: what the config was made from. */
	readonly why: string;
}

const COMPOSE_NAMES = ['docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml'];
const LIKELY_SERVICES = ['app', 'dev', 'devcontainer', 'workspace'];

function isFile(p: string): boolean {
	try {
		return fs.statSync(p).isFile();
	} catch {
		return false;
	}
}

/** The user a Dockerfile leaves the image with, or the first one it creates; never root. */
export function remoteUserOfDockerfile(text: string): string | undefined {
	const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
	let lastUser: string | undefined;
	let created: string | undefined;
	for (const raw of lines) {
		const line = raw.trim();
		const user = /^USER\s+([^\s:]+)/i.exec(line);
		if (user) {
			lastUser = user[1];
		}
		const add = /\b(?:useradd|adduser)\b((?:\s+(?:-{1,2}[A-Za-z-]+(?:[= ](?!-)\S+)?))*)\s+([a-z_][a-z0-9_-]*)\s*(?:&&|;|$)/.exec(line);
		if (add && created === undefined) {
			created = add[2];
		}
	}
	const candidate = lastUser !== undefined && lastUser !== 'root' && lastUser !== '0' && !lastUser.startsWith('$') ? lastUser : created;
	return candidate === 'root' ? undefined : candidate;
}

export function initialConfigFor(workspace: string): InitialConfig {
	const name = path.basename(path.resolve(workspace));
	const dir = path.join(workspace, '.devcontainer');
	const dockerfile = path.join(dir, 'Dockerfile');
	if (isFile(dockerfile)) {
		const user = remoteUserOfDockerfile(fs.readFileSync(dockerfile, 'utf8'));
		if (user === undefined) {
			throw new InvalidInputError([{
				file: dockerfile, line: 1, column: 1, entry: 'remoteUser',
				message: 'the Dockerfile names no non-root user for the agent (no USER and no useradd/adduser), and Airlock cannot lock a root session',
				hint: 'create .devcontainer/devcontainer.json with { "build": { "dockerfile": "Dockerfile" }, "remoteUser": "<a non-root user of the image>" }, then approve again',
			}]);
		}
		return {
			value: { name, build: { dockerfile: 'Dockerfile' }, remoteUser: user, containerUser: 'root' },
			why: `made from .devcontainer/Dockerfile (remote user ${user}, from the Dockerfile)`,
		};
	}
	const composeName = COMPOSE_NAMES.find((n) => isFile(path.join(dir, n)));
	if (composeName !== undefined) {
		const file = path.join(dir, composeName);
		const doc = parseDocument(fs.readFileSync(file, 'utf8'));
		const services = doc.get('services');
		const names = isMap(services) ? services.items.map((i) => String((i.key as { value?: unknown })?.value ?? i.key)) : [];
		const service = names.length === 1 ? names[0] : LIKELY_SERVICES.find((s) => names.includes(s));
		if (service === undefined) {
			throw new InvalidInputError([{
				file, line: 1, column: 1, entry: 'service',
				message: names.length === 0 ? 'the Compose file has no services' : `the Compose file has ${names.length} services (${names.join(', ')}) and none is clearly the dev container`,
				hint: 'create .devcontainer/devcontainer.json with { "dockerComposeFile": "' + composeName + '", "service": "<the service you work in>", "workspaceFolder": "/workspaces/${localWorkspaceFolderBasename}", "remoteUser": "<a non-root user>" }',
			}]);
		}
		const user = doc.getIn(['services', service, 'user']);
		const remoteUser = typeof user === 'string' && user !== 'root' && !/^0(:|$)/.test(user) ? user.split(':')[0] : DEFAULT_REMOTE_USER;
		return {
			value: { name, dockerComposeFile: composeName, service, workspaceFolder: '/workspaces/${localWorkspaceFolderBasename}', remoteUser },
			why: `made from .devcontainer/${composeName} (service ${service}, remote user ${remoteUser}${typeof user === 'string' ? '' : ' — check it is a user of that image'})`,
		};
	}
	return { value: { name, image: DEFAULT_IMAGE, remoteUser: DEFAULT_REMOTE_USER }, why: `the devcontainers base image ${DEFAULT_IMAGE} (no Dockerfile or Compose file in .devcontainer)` };
}
