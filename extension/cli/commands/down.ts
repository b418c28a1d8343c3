import type Docker from 'dockerode';
import type { Command } from '../command';
import { EXIT_CHECK_FAILED, EXIT_OK, CliError } from '../command';
import { connectDocker } from '../../docker/connect';
import { describeCause, engineStatusCode, shortId } from '../../docker/errors';
import { listWorkspaceContainers } from '../../docker/findContainer';
import { COMPOSE_PROJECT_LABEL } from '../../docker/labels';
import { withDockerErrors } from './status';

const BUILT_IN_NETWORKS = new Set(['bridge', 'host', 'none']);

interface Removal {
	removed: string[];
	kept: string[];
	failed: string[];
}

/** Every container to remove: the workspace's, plus the other services of its Compose project. */
async function containersToRemove(docker: Docker, workspace: string): Promise<Map<string, { name: string; project?: string }>> {
	const found = await listWorkspaceContainers(docker, workspace, { includeStopped: true });
	const targets = new Map<string, { name: string; project?: string }>();
	const projects = new Set<string>();
	for (const c of found) {
		const project = c.labels[COMPOSE_PROJECT_LABEL];
		targets.set(c.id, { name: c.name, ...(project ? { project } : {}) });
		if (project) {
			projects.add(project);
		}
	}
	for (const project of projects) {
		for (const info of await docker.listContainers({ all: true, filters: { label: [`${COMPOSE_PROJECT_LABEL}=${project}`] } })) {
			targets.set(info.Id, { name: (info.Names?.[0] ?? info.Id).replace(/^\//, ''), project });
		}
	}
	return targets;
}

async function removeEverything(docker: Docker, workspace: string): Promise<Removal> {
	const result: Removal = { removed: [], kept: [], failed: [] };
	const targets = await containersToRemove(docker, workspace);
	const projects = new Set([...targets.values()].map((t) => t.project).filter((p): p is string => p !== undefined));
	const networks = new Set<string>();
	const namedVolumes = new Set<string>();
	const images = new Set<string>();

	for (const [id, target] of targets) {
		let info: Docker.ContainerInspectInfo;
		try {
			info = await docker.getContainer(id).inspect();
		} catch (err) {
			// Gone already (removed by someone else in between): nothing to do.
			if (engineStatusCode(err) !== 404) {
				result.failed.push(`container ${target.name} (${shortId(id)}): ${describeCause(err)}`);
			}
			continue;
		}
		for (const name of Object.keys(info.NetworkSettings?.Networks ?? {})) {
			networks.add(name);
		}
		for (const mount of info.Mounts ?? []) {
			// Anonymous volumes (64 hex names) go with the container (v: true); named ones may hold data.
			if (mount.Type === 'volume' && mount.Name && !/^[0-9a-f]{64}$/.test(mount.Name)) {
				namedVolumes.add(mount.Name);
			}
		}
		images.add(info.Config.Image);
		try {
			await docker.getContainer(id).remove({ force: true, v: true });
			result.removed.push(`container ${target.name} (${shortId(id)}) and its anonymous volumes`);
		} catch (err) {
			if (engineStatusCode(err) !== 404) {
				result.failed.push(`container ${target.name} (${shortId(id)}): ${describeCause(err)}`);
			}
		}
	}

	for (const name of networks) {
		if (BUILT_IN_NETWORKS.has(name)) {
			continue;
		}
		const network = docker.getNetwork(name);
		let info: { Labels?: Record<string, string>; Containers?: Record<string, unknown> };
		try {
			info = (await network.inspect()) as typeof info;
		} catch (err) {
			if (engineStatusCode(err) !== 404) {
				result.failed.push(`network ${name}: ${describeCause(err)}`);
			}
			continue;
		}
		const project = info.Labels?.[COMPOSE_PROJECT_LABEL];
		if (!project || !projects.has(project)) {
			result.kept.push(`network ${name} (not created for this workspace)`);
		} else if (Object.keys(info.Containers ?? {}).length > 0) {
			result.kept.push(`network ${name} (other containers still use it)`);
		} else {
			try {
				await network.remove();
				result.removed.push(`network ${name}`);
			} catch (err) {
				result.failed.push(`network ${name}: ${describeCause(err)}`);
			}
		}
	}

	for (const name of namedVolumes) {
		const volume = docker.getVolume(name);
		let info: Docker.VolumeInspectInfo;
		try {
			info = await volume.inspect();
		} catch (err) {
			if (engineStatusCode(err) !== 404) {
				result.failed.push(`volume ${name}: ${describeCause(err)}`);
			}
			continue;
		}
		const project = info.Labels?.[COMPOSE_PROJECT_LABEL];
		if (!project || !projects.has(project)) {
			result.kept.push(`volume ${name} (named; may hold data — remove it with \`docker volume rm ${name}\`)`);
			continue;
		}
		try {
			await volume.remove();
			result.removed.push(`volume ${name}`);
		} catch (err) {
			result.failed.push(`volume ${name}: ${describeCause(err)}`);
		}
	}
	for (const image of images) {
		result.kept.push(`image ${image} (build cache for the next \`airlock up\`; \`docker image rm ${image}\` frees it)`);
	}
	return result;
}

export const downCommand: Command = {
	name: 'down',
	summary: 'remove the workspace\'s containers (running or stopped), their anonymous volumes and the networks created for them',
	options: {
		json: { type: 'boolean', description: 'print what was removed and kept as JSON' },
	},
	async run(ctx) {
		const result = await withDockerErrors(async () => {
			const { docker } = await connectDocker(ctx.env);
			return removeEverything(docker, ctx.workspace);
		});
		if (ctx.values.json) {
			ctx.stdout.write(JSON.stringify(result) + '\n');
		} else if (result.removed.length === 0 && result.failed.length === 0) {
			ctx.stdout.write(`Nothing to remove: no container for ${ctx.workspace}.\n`);
		} else {
			for (const line of result.removed) {
				ctx.stdout.write(`removed ${line}\n`);
			}
			for (const line of result.kept) {
				ctx.stdout.write(`kept    ${line}\n`);
			}
		}
		if (result.failed.length > 0) {
			throw new CliError(`could not remove: ${result.failed.join('; ')}`, EXIT_CHECK_FAILED, 'stop whatever holds them (see `docker ps -a`) and run `airlock down` again');
		}
		return EXIT_OK;
	},
};
