/**
 * What a host path mounted into the container is: an engine's control socket (or a folder
 * holding one), a credential store, an SSH agent, a device. Paths are compared after the home
 * folder, however it is spelled (`~`, `$HOME`, `${localEnv:HOME}`, `/home/NAME`, `/Users/NAME`,
 * `/root`), is written as `~`.
 */

/** `${localEnv:HOME}${localEnv:USERPROFILE}/.ssh` → `~/.ssh`; backslashes become slashes. */
export function normalizeHostPath(source: string): string {
	let p = source.replace(/\\/g, '/');
	p = p.replace(/\$\{(?:localEnv|env):HOME\}\$\{(?:localEnv|env):USERPROFILE\}|\$\{(?:localEnv|env):USERPROFILE\}\$\{(?:localEnv|env):HOME\}/g, '~');
	p = p.replace(/\$\{(?:localEnv|env):(?:HOME|USERPROFILE)(?::[^}]*)?\}|\$\{HOME(?::?-[^}]*)?\}|\$HOME\b|%USERPROFILE%/g, '~');
	p = p.replace(/\$\{(?:localEnv|env):XDG_CONFIG_HOME(?::[^}]*)?\}|\$\{XDG_CONFIG_HOME(?::?-[^}]*)?\}|\$XDG_CONFIG_HOME\b/g, '~/.config');
	p = p.replace(/\$\{(?:localEnv|env):XDG_RUNTIME_DIR(?::[^}]*)?\}|\$\{XDG_RUNTIME_DIR(?::?-[^}]*)?\}|\$XDG_RUNTIME_DIR\b/g, '/run/user/UID');
	p = p.replace(/^(?:\/home\/[^/]+|\/Users\/[^/]+|\/root|[A-Za-z]:\/Users\/[^/]+)(?=\/|$)/, '~');
	p = p.replace(/\/+$/, '');
	return p === '' ? '/' : p;
}

/** File names of the control sockets of Docker, Podman, containerd, CRI-O and BuildKit. */
const ENGINE_SOCKET_NAMES = new Set(['docker.sock', 'docker-host.sock', 'dockershim.sock', 'cri-dockerd.sock', 'podman.sock', 'containerd.sock', 'crio.sock', 'buildkitd.sock', 'docker_engine', 'docker-cli.sock', 'docker.raw.sock']);

/**
 * Folders that hold an engine socket: mounting the folder mounts the socket. The home folder
 * counts because Docker Desktop, Colima, OrbStack, Rancher Desktop and Lima keep theirs there.
 */
const FOLDERS_WITH_ENGINE_SOCKETS = [
	'/', '/var', '/run', '/var/run', '/run/docker', '/var/run/docker', '/run/containerd', '/var/run/containerd', '/run/podman', '/var/run/podman',
	'/run/crio', '/var/run/crio', '/run/buildkit', '/run/user', '/run/user/UID', '/run/host-services',
	'~', '~/.docker', '~/.docker/run', '~/.colima', '~/.orbstack', '~/.orbstack/run', '~/.rd', '~/.lima', '~/.local/share/containers', '~/Library/Containers/com.docker.docker',
];

/** The engine socket a mount brings in (the path, or "a folder holding …"), or undefined. */
export function engineSocketIn(source: string): string | undefined {
	const p = normalizeHostPath(source);
	const base = p.split('/').pop() ?? '';
	if (ENGINE_SOCKET_NAMES.has(base) || /^\/\/\.\/pipe\/docker/i.test(p) || /\/(?:docker|podman|containerd)\/[^/]*\.sock$/.test(p) || /^\/run\/user\/[^/]+$/.test(p)) {
		return p;
	}
	return FOLDERS_WITH_ENGINE_SOCKETS.includes(p) ? `${p} (a folder that holds engine sockets)` : undefined;
}

/** Credential stores in the home folder: the first path segments after `~`. */
const HOME_SECRETS = [
	'.aws', '.ssh', '.config/gcloud', '.kube', '.docker', '.netrc', '.npmrc', '.config/gh', '.gnupg', '.git-credentials', '.azure', '.pypirc', '.config/hub',
	'.cargo/credentials', '.cargo/credentials.toml', '.terraform.d', '.vault-token', '.password-store', '.m2/settings.xml', '.gem/credentials', '.config/op',
	'.config/doctl', '.oci', '.kaggle', '.config/containers/auth.json', '.local/share/keyrings', '.config/rclone', '.s3cfg', '.boto', '.pgpass', '.my.cnf',
	'.yarnrc.yml', '.config/git/credentials', '.config/sops', '.config/helm',
];
/** Credential stores outside the home folder. */
const SYSTEM_SECRETS = ['/etc/ssh', '/etc/shadow', '/etc/gshadow', '/etc/sudoers', '/etc/kubernetes', '/etc/docker', '/etc/rancher', '/var/lib/kubelet', '/etc/letsencrypt', '/etc/ssl/private'];

/** Under which a path lies: itself or a parent, compared by whole segments. */
function within(p: string, folder: string): boolean {
	return p === folder || p.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

/** The credential store a mount brings in (the path as normalised), or undefined. */
export function hostSecretIn(source: string): string | undefined {
	const p = normalizeHostPath(source);
	if (p === '~' || p === '/' || p === '/home' || p === '/Users') {
		return `${p} (every credential in the home folder)`;
	}
	if (p === '/etc') {
		return `${p} (the host's system configuration, with its SSH host keys and password hashes)`;
	}
	if (HOME_SECRETS.some((s) => within(p, `~/${s}`)) || SYSTEM_SECRETS.some((s) => within(p, s))) {
		return p;
	}
	// A whole credential folder elsewhere on the host, e.g. /mnt/c/Users/me/.aws (not the workspace's own files).
	return /^(\/|[A-Za-z]:\/)/.test(p) && HOME_SECRETS.some((s) => new RegExp(`/${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/|$)`).test(p)) ? p : undefined;
}

/** Git's own credentials (shown as git-credential-forwarding rather than a generic secret). */
export function isGitCredentialStore(source: string): boolean {
	const p = normalizeHostPath(source);
	return ['~/.git-credentials', '~/.config/gh', '~/.config/hub', '~/.config/git/credentials'].some((s) => within(p, s));
}

/** An SSH agent's socket: `$SSH_AUTH_SOCK`, Docker Desktop's forwarded agent, a socket named like ssh-agent's. */
export function isSshAgentSocket(source: string): boolean {
	return /SSH_AUTH_SOCK/.test(source) || /\/run\/host-services\/ssh-auth\.sock$/.test(source) || /\/ssh-[^/]+\/agent\.\d+$/.test(source) || /\/S\.gpg-agent\.ssh$/.test(source);
}

/** Host paths that are devices (or every device). */
export function isDevicePath(source: string): boolean {
	const p = normalizeHostPath(source);
	return within(p, '/dev');
}

/** `/proc` of the host: its processes (their environment, their root folders). */
export function isHostProc(source: string): boolean {
	return within(normalizeHostPath(source), '/proc');
}
