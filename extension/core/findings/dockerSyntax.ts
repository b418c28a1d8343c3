import type { MountType } from './settings';

/*
 * The small languages Docker and Compose share for mounts, ports and environment entries,
 * parsed the way the engine reads them. Shared by the `docker run` argument reader and the
 * Compose reader.
 */

export interface ParsedMount {
	readonly type: MountType;
	readonly source?: string;
	readonly target?: string;
	readonly readonly: boolean;
}

/** True when the first part of a short volume spec is a host path rather than a named volume. */
function looksLikeHostPath(source: string): boolean {
	return /^[./~$\\]/.test(source) || /^[A-Za-z]:[\\/]/.test(source) || source.includes('/');
}

/**
 * `-v SRC:DST[:OPTS]` and Compose's short volume syntax. A Windows drive (`C:\x`) stays in one
 * piece; one part alone is an anonymous volume at that target.
 */
export function parseShortVolume(spec: string): ParsedMount {
	const parts = spec.split(':');
	if (parts.length > 1 && /^[A-Za-z]$/.test(parts[0]) && /^[\\/]/.test(parts[1])) {
		parts.splice(0, 2, `${parts[0]}:${parts[1]}`);
	}
	if (parts.length === 1) {
		return { type: 'volume', target: parts[0], readonly: false };
	}
	const [source, target, options = ''] = parts;
	const readonly = options.split(',').some((o) => o === 'ro' || o === 'readonly');
	return { type: looksLikeHostPath(source) ? 'bind' : 'volume', source, target, readonly };
}

/** `--mount type=bind,source=…,target=…,readonly` (the keys and spellings Docker accepts). */
export function parseMountFlag(spec: string): ParsedMount {
	let type: string | undefined;
	let source: string | undefined;
	let target: string | undefined;
	let readonly = false;
	for (const part of spec.split(',')) {
		const eq = part.indexOf('=');
		const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
		const value = eq === -1 ? undefined : part.slice(eq + 1).trim();
		if (key === 'type') {
			type = value;
		} else if (key === 'source' || key === 'src') {
			source = value;
		} else if (key === 'target' || key === 'dst' || key === 'destination') {
			target = value;
		} else if ((key === 'readonly' || key === 'ro') && (value === undefined || value === 'true' || value === '1')) {
			readonly = true;
		}
	}
	return { type: mountType(type ?? 'volume'), ...(source !== undefined ? { source } : {}), ...(target !== undefined ? { target } : {}), readonly };
}

export function mountType(type: string): MountType {
	const t = type.toLowerCase();
	return t === 'bind' || t === 'volume' || t === 'tmpfs' || t === 'npipe' ? t : 'other';
}

/**
 * `-p [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]` and Compose's short port syntax: the host
 * address it binds, undefined when none is given (every interface).
 */
export function publishHostIp(spec: string): string | undefined {
	if (spec.startsWith('[')) {
		const end = spec.indexOf(']');
		return end === -1 ? undefined : spec.slice(1, end);
	}
	const parts = spec.split(':');
	return parts.length >= 3 ? parts.slice(0, parts.length - 2).join(':') : undefined;
}

/** True when a published port is bound on every interface of the host (no address, 0.0.0.0, ::). */
export function publishedOnAllInterfaces(hostIp: string | undefined): boolean {
	return hostIp === undefined || hostIp === '' || hostIp === '0.0.0.0' || hostIp === '::' || hostIp === '[::]';
}

/** `NAME=VALUE`, or `NAME` alone: the value is then taken from the host's environment. */
export function parseEnvEntry(entry: string): { name: string; value: string; fromHost: boolean } {
	const eq = entry.indexOf('=');
	return eq === -1 ? { name: entry, value: '', fromHost: true } : { name: entry.slice(0, eq), value: entry.slice(eq + 1), fromHost: false };
}

/** `--cap-add cap_sys_admin` and `SYS_ADMIN` name the same capability. */
export function normalizeCapability(name: string): string {
	return name.trim().toUpperCase().replace(/^CAP_/, '');
}
