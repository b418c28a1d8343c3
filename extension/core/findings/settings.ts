/**
 * One container setting as a reader found it, in the shape the rules share whether it came from
 * devcontainer.json, a `docker run` argument, a Dockerfile or a Compose file. Every setting keeps
 * where it was written (file, line, column) and how, so a finding can point at it.
 */
export interface SourceAt {
	/** Absolute path. */
	readonly file: string;
	/** 1-based. */
	readonly line: number;
	/** 1-based, in UTF-16 code units (what editors count). */
	readonly column: number;
}

interface Written {
	/** The setting as written, e.g. `--network=host` or `network_mode: host`. */
	readonly written: string;
	readonly at: SourceAt;
	/** The Compose service it belongs to (Compose configs only). */
	readonly service?: string;
}

export type MountType = 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'other';

export type ContainerSetting =
	/** `--network`, `network_mode`: host, none, bridge, a network name, `container:X`, `service:X`. */
	| (Written & { readonly kind: 'network'; readonly mode: string })
	| (Written & { readonly kind: 'privileged' })
	| (Written & { readonly kind: 'mount'; readonly type: MountType; readonly source?: string; readonly target?: string; readonly readonly: boolean })
	/** `--pid`, `pid`. */
	| (Written & { readonly kind: 'pid'; readonly mode: string })
	/** `--ipc`, `ipc`. */
	| (Written & { readonly kind: 'ipc'; readonly mode: string })
	/** `--device`, `devices`, `--device-cgroup-rule`: `path` is the host side (or the rule). */
	| (Written & { readonly kind: 'device'; readonly path: string })
	/** `--cap-add`, `capAdd`, `cap_add`: upper case, without `CAP_`. */
	| (Written & { readonly kind: 'capability'; readonly name: string })
	| (Written & { readonly kind: 'security-opt'; readonly value: string })
	/** `-p`, `appPort`, `ports`: `hostIp` undefined means every interface. `all`: `-P`. */
	| (Written & { readonly kind: 'publish'; readonly hostIp?: string; readonly all?: boolean })
	/** A dev container Feature, by its id as written. */
	| (Written & { readonly kind: 'feature'; readonly id: string })
	/** `image`, a Dockerfile's final `FROM`, a Compose service's `image`. */
	| (Written & { readonly kind: 'image'; readonly name: string })
	/** `containerEnv`, `remoteEnv`, `-e`, Compose `environment`. */
	| (Written & { readonly kind: 'env'; readonly name: string; readonly value: string });

/** How the workspace folder is mounted into the agent's container. */
export interface WorkspaceMount {
	readonly writable: boolean;
	readonly written: string;
	readonly at: SourceAt;
}

/** What a reader learned from a workspace's dev container configuration. */
export interface ReadConfiguration {
	/** The devcontainer.json that was read, or where `airlock generate` would create it. */
	readonly configFile: string;
	readonly configExists: boolean;
	readonly kind: 'image' | 'dockerfile' | 'compose' | 'none';
	/** Where settings with no line of their own point (the config's opening brace). */
	readonly root: SourceAt;
	/** The agent's container. */
	readonly settings: readonly ContainerSetting[];
	/** Compose only: the other services that run with it (runServices, or every service). */
	readonly siblings: readonly { readonly service: string; readonly settings: readonly ContainerSetting[] }[];
	/** The workspace bind mount, when the config has one (every image and Dockerfile config does). */
	readonly workspaceMount?: WorkspaceMount;
}
