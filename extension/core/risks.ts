/**
 * Risk notes for the plan: one sentence per concern a reviewer should weigh before approving a
 * host. Matching is on whole labels (`notpastebin.com` is not `pastebin.com`), and a wildcard
 * gets the notes of every risky name it covers (`*.githubusercontent.com` covers
 * raw.githubusercontent.com).
 */
export type RiskKind = 'user-content' | 'paste' | 'object-storage' | 'tunnel-service' | 'broad-wildcard' | 'publish' | 'non-http-port' | 'exfil-warn';

export interface RiskNote {
	kind: RiskKind;
	message: string;
}

/** How a listed domain is matched: only that name, that name and every name under it, or only names under it. */
type Scope = 'exact' | 'subtree' | 'below';

interface DomainRisk {
	readonly domain: string;
	readonly scope: Scope;
	readonly kind: RiskKind;
	/** The sentence for `host`, an allowed name that matched `domain`. */
	readonly message: (host: string, domain: string) => string;
}

const WEB_PORTS = new Set([80, 443]);

// --- Hosts that serve content anyone can put there -------------------------------------------

/** `host`, or `host (part of domain)` when the match was on a parent domain. */
function named(host: string, domain: string): string {
	return host === domain ? host : `${host} (part of ${domain})`;
}

const plantedFiles = (what: string) => (host: string) =>
	`${host} ${what}: an agent can fetch code or instructions anyone planted there, and encode data in the requests it makes`;
const anyoneRunsSites = (_host: string, domain: string) =>
	`anyone can run a web server under ${domain}: allowing it gives an agent a two-way channel to servers an attacker controls`;

const USER_CONTENT: readonly DomainRisk[] = [
	...['raw.githubusercontent.com'].map((domain) => rule(domain, 'exact', 'user-content', plantedFiles("serves any user's repository files"))),
	...['gist.github.com', 'gist.githubusercontent.com'].map((domain) =>
		rule(domain, 'exact', 'user-content', plantedFiles("serves anyone's gists, and with a token takes new ones"))),
	...['objects.githubusercontent.com', 'release-assets.githubusercontent.com', 'github-releases.githubusercontent.com'].map((domain) =>
		rule(domain, 'exact', 'user-content', plantedFiles("serves any user's release downloads"))),
	rule('codeload.github.com', 'exact', 'user-content', plantedFiles('serves an archive of any public repository')),
	...['user-images.githubusercontent.com', 'private-user-images.githubusercontent.com', 'media.githubusercontent.com'].map((domain) =>
		rule(domain, 'exact', 'user-content', plantedFiles('serves files anyone attached to issues, comments or repositories'))),
	...['cdn.jsdelivr.net', 'unpkg.com', 'esm.sh', 'raw.githack.com', 'rawcdn.githack.com', 'cdn.statically.io', 'gitcdn.link'].map((domain) =>
		rule(domain, 'exact', 'user-content', plantedFiles("serves any package's or repository's files"))),
	rule('gitlab.com', 'exact', 'user-content', plantedFiles("serves any user's repositories, snippets and raw files")),
	rule('bitbucket.org', 'exact', 'user-content', plantedFiles("serves any user's repositories and raw files")),
	rule('huggingface.co', 'exact', 'user-content', plantedFiles("serves any user's models, datasets and Spaces")),
	// Site hosting where every customer gets a name under the provider's domain.
	...[
		'github.io', 'gitlab.io', 'pages.dev', 'workers.dev', 'vercel.app', 'netlify.app', 'herokuapp.com', 'web.app', 'firebaseapp.com',
		'appspot.com', 'azurewebsites.net', 'azurestaticapps.net', 'onrender.com', 'fly.dev', 'run.app', 'repl.co', 'replit.dev', 'glitch.me',
		'ondigitalocean.app', 'surge.sh', 'deno.dev', 'val.run', 'railway.app', 'up.railway.app', 'hf.space',
	].map((domain) => rule(domain, 'subtree', 'user-content', anyoneRunsSites)),
];

// --- Paste, file-drop and request-capture services -------------------------------------------

const pasteSite = (host: string, domain: string) =>
	`${named(host, domain)} is a paste or file-drop service: an agent can upload data there without an account and anyone with the link can read it`;
const requestCapture = (host: string, domain: string) =>
	`${named(host, domain)} records every request sent to it for its owner to read: a ready-made exfiltration endpoint`;

const PASTE: readonly DomainRisk[] = [
	...[
		'pastebin.com', 'paste.ee', 'hastebin.com', 'hastebin.skyra.pw', 'termbin.com', 'transfer.sh', '0x0.st', 'file.io', 'ix.io', 'sprunge.us',
		'dpaste.com', 'dpaste.org', 'paste.rs', 'rentry.co', 'rentry.org', 'controlc.com', 'privatebin.net', 'paste.debian.net', 'bpa.st',
		'pastes.dev', 'paste.mozilla.org', 'pastebin.pl', 'justpaste.it', 'ghostbin.co', 'temp.sh', 'catbox.moe', 'gofile.io', 'bashupload.com',
		'oshi.at', 'uguu.se', 'pixeldrain.com', 'tmpfiles.org', 'filebin.net', 'wetransfer.com', 'anonfiles.com', 'sendspace.com', 'mediafire.com',
	].map((domain) => rule(domain, 'subtree', 'paste', pasteSite)),
	...[
		'webhook.site', 'requestbin.com', 'requestcatcher.com', 'beeceptor.com', 'hookbin.com', 'pipedream.net', 'ptsv3.com', 'interact.sh',
		'oast.fun', 'oast.pro', 'oast.live', 'oast.site', 'oast.online', 'oast.me', 'burpcollaborator.net', 'oastify.com', 'canarytokens.com',
		'dnslog.cn', 'ceye.io',
	].map((domain) => rule(domain, 'subtree', 'paste', requestCapture)),
];

// --- Tunnel services -------------------------------------------------------------------------

const tunnel = (host: string, domain: string) =>
	`${named(host, domain)} is a tunnel service: anyone can expose a server under ${domain}, so an agent can reach a machine an attacker runs, or publish ports of this container`;

const TUNNELS: readonly DomainRisk[] = [
	'ngrok.io', 'ngrok.app', 'ngrok.dev', 'ngrok-free.app', 'ngrok-free.dev', 'ngrok.pizza', 'ngrok.com', 'trycloudflare.com', 'loca.lt',
	'localtunnel.me', 'serveo.net', 'serveousercontent.com', 'localhost.run', 'lhr.life', 'lhr.rocks', 'bore.pub', 'pinggy.io', 'pinggy.link',
	'pinggy.online', 'tunnelmole.net', 'tunnelmole.com', 'localxpose.io', 'loclx.io', 'telebit.cloud', 'pagekite.me', 'devtunnels.ms',
	'tunnels.api.visualstudio.com', 'zrok.io', 'sharedwithexpose.com', 'expose.dev', 'playit.gg', 'tailscale.net', 'ts.net', 'tunnelto.dev',
	'localtonet.com', 'ngrok-agent.com', 'ngrok.link',
].map((domain) => rule(domain, 'subtree', 'tunnel-service', tunnel));

// --- Object storage --------------------------------------------------------------------------

const sharedStorage = (host: string) =>
	`${host} is shared object storage that serves every customer's buckets: an agent can download from or upload to any bucket, an attacker's included`;
const cloudStorage = (host: string, domain: string) =>
	`${named(host, domain)} is cloud object storage: check the bucket belongs to the tool's publisher, because whoever owns it can serve anything there and collect uploads`;

const OBJECT_STORAGE: readonly DomainRisk[] = [
	rule('storage.googleapis.com', 'exact', 'object-storage', sharedStorage),
	rule('storage.cloud.google.com', 'exact', 'object-storage', sharedStorage),
	...['storage.googleapis.com', 'blob.core.windows.net', 'dfs.core.windows.net', 'cloudflarestorage.com', 'r2.dev', 'digitaloceanspaces.com',
		'backblazeb2.com', 'wasabisys.com', 'linodeobjects.com', 'storage.yandexcloud.net', 'objectstorage.oraclecloud.com', 'myqcloud.com',
		'aliyuncs.com'].map((domain) => rule(domain, 'below', 'object-storage', cloudStorage)),
];

// --- Registries an agent can publish to ------------------------------------------------------

const publishTo = (what: string) => (host: string, domain: string) => `with a token an agent can publish to ${named(host, domain)}: ${what}`;

const PUBLISH: readonly DomainRisk[] = [
	...['registry.npmjs.org', 'registry.yarnpkg.com', 'npm.pkg.github.com'].map((d) => rule(d, 'exact', 'publish', publishTo('an npm package pushed here reaches everyone who installs it'))),
	...['upload.pypi.org', 'test.pypi.org'].map((d) => rule(d, 'exact', 'publish', publishTo('a Python package uploaded here reaches everyone who installs it'))),
	rule('crates.io', 'exact', 'publish', publishTo('a crate published here reaches everyone who depends on it')),
	rule('rubygems.org', 'exact', 'publish', publishTo('a gem pushed here reaches everyone who installs it')),
	rule('www.nuget.org', 'exact', 'publish', publishTo('a NuGet package pushed here reaches everyone who restores it')),
	...['central.sonatype.com', 'oss.sonatype.org', 's01.oss.sonatype.org', 'maven.pkg.github.com', 'plugins.gradle.org'].map((d) =>
		rule(d, 'exact', 'publish', publishTo('an artifact published here reaches every build that resolves it'))),
	...['ghcr.io', 'registry-1.docker.io', 'index.docker.io', 'quay.io', 'gcr.io', 'public.ecr.aws', 'docker.pkg.github.com'].map((d) =>
		rule(d, 'exact', 'publish', publishTo('an image pushed here reaches everyone who pulls it'))),
	rule('pkg.dev', 'subtree', 'publish', publishTo('an artifact pushed to Artifact Registry reaches everyone who pulls it')),
	...['github.com', 'api.github.com', 'uploads.github.com'].map((d) =>
		rule(d, 'exact', 'publish', publishTo('pushes, releases, gists and issues reach everyone who can see the repository'))),
	...['marketplace.visualstudio.com', 'open-vsx.org'].map((d) => rule(d, 'exact', 'publish', publishTo('an extension published here reaches everyone who installs it'))),
	...['hex.pm', 'pub.dev', 'packagist.org', 'galaxy.ansible.com', 'api.anaconda.org'].map((d) =>
		rule(d, 'exact', 'publish', publishTo('a package published here reaches everyone who installs it'))),
	rule('huggingface.co', 'exact', 'publish', publishTo('models and datasets pushed here reach everyone who can see the repository')),
];

const DOMAIN_RISKS: readonly DomainRisk[] = [...USER_CONTENT, ...PASTE, ...OBJECT_STORAGE, ...TUNNELS, ...PUBLISH];

/**
 * The rules indexed by domain, so a host is checked against the few rules on its own name and
 * its parents instead of every rule (a 10,000-entry plan would otherwise make ~1.5 M checks).
 * `ON_DOMAIN`: rules whose domain is the key; `BELOW_DOMAIN`: rules whose domain lies strictly
 * under the key. Notes keep the order of DOMAIN_RISKS.
 */
const RULE_ORDER = new Map<DomainRisk, number>(DOMAIN_RISKS.map((r, i) => [r, i]));
const ON_DOMAIN = new Map<string, DomainRisk[]>();
const BELOW_DOMAIN = new Map<string, DomainRisk[]>();
for (const r of DOMAIN_RISKS) {
	pushTo(ON_DOMAIN, r.domain, r);
	for (const parent of selfAndParents(r.domain).slice(1)) {
		pushTo(BELOW_DOMAIN, parent, r);
	}
}

function pushTo(map: Map<string, DomainRisk[]>, key: string, r: DomainRisk): void {
	const list = map.get(key);
	if (list) {
		list.push(r);
	} else {
		map.set(key, [r]);
	}
}

/** `a.b.c` → [`a.b.c`, `b.c`, `c`]. */
function selfAndParents(name: string): string[] {
	const names = [name];
	for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
		names.push(name.slice(dot + 1));
	}
	return names;
}

/** The rules that can match `name` or cover it as a parent domain, in DOMAIN_RISKS order. */
function rulesOnNameOrParents(name: string): DomainRisk[] {
	return selfAndParents(name).flatMap((n) => ON_DOMAIN.get(n) ?? []);
}

function inRuleOrder(rules: DomainRisk[]): DomainRisk[] {
	if (rules.length < 2) {
		return rules;
	}
	return [...new Set(rules)].sort((a, b) => (RULE_ORDER.get(a) ?? 0) - (RULE_ORDER.get(b) ?? 0));
}

/**
 * Domains where the provider hands out names to any customer: a wildcard on them (or under them)
 * allows whatever any customer runs.
 */
const MULTI_TENANT_PROVIDERS: readonly string[] = [
	'amazonaws.com', 'cloudfront.net', 'awsapprunner.com', 'on.aws', 'googleapis.com', 'googleusercontent.com', 'appspot.com', 'run.app',
	'cloudfunctions.net', 'web.app', 'firebaseapp.com', 'windows.net', 'azurewebsites.net', 'azureedge.net', 'azurefd.net', 'cloudapp.net',
	'cloudapp.azure.com', 'trafficmanager.net', 'azurestaticapps.net', 'githubusercontent.com', 'github.io', 'gitlab.io', 'herokuapp.com',
	'herokudns.com', 'vercel.app', 'netlify.app', 'pages.dev', 'workers.dev', 'r2.dev', 'fastly.net', 'fastlylb.net', 'akamaized.net',
	'akamaihd.net', 'edgekey.net', 'edgesuite.net', 'b-cdn.net', 'cloudflare.net', 'digitaloceanspaces.com', 'ondigitalocean.app',
	'onrender.com', 'fly.dev', 'repl.co', 'replit.dev', 'glitch.me', 'deno.dev', 'railway.app', 'hf.space', 'blob.core.windows.net',
];

/** An S3 endpoint: a host under amazonaws.com with a label `s3` or `s3-…` (s3.eu-west-1, s3-accesspoint, bucket.s3…). */
function s3Label(labels: readonly string[]): number {
	return labels.findIndex((l) => l === 's3' || l.startsWith('s3-'));
}

function isUnder(host: string, domain: string): boolean {
	return host.endsWith(`.${domain}`);
}

function rule(domain: string, scope: Scope, kind: RiskKind, message: (host: string, domain: string) => string): DomainRisk {
	return { domain, scope, kind, message };
}

/** Does `host` (exact, not a wildcard) match `r`? */
function matchesHost(host: string, r: DomainRisk): boolean {
	switch (r.scope) {
		case 'exact':
			return host === r.domain;
		case 'subtree':
			return host === r.domain || isUnder(host, r.domain);
		case 'below':
			return isUnder(host, r.domain);
	}
}

/** Does the wildcard `*.base` allow at least one name that `r` matches? */
function wildcardCovers(base: string, r: DomainRisk): boolean {
	if (isUnder(r.domain, base)) {
		return true;
	}
	// `*.base` matches only names strictly under base, so it reaches names under r.domain when
	// r.domain is base itself or one of its parents.
	return r.scope !== 'exact' && (r.domain === base || isUnder(base, r.domain));
}

function s3Notes(host: string, wildcardBase: string | undefined): RiskNote[] {
	const name = wildcardBase ?? host;
	if (name !== 'amazonaws.com' && !isUnder(name, 'amazonaws.com')) {
		return [];
	}
	const labels = name.split('.');
	const at = s3Label(labels.slice(0, -2));
	if (wildcardBase !== undefined) {
		// `*.amazonaws.com` and `*.<region>.amazonaws.com` allow s3.<…>; `*.s3….amazonaws.com` allows every bucket.
		const regionOnly = labels.length === 3 && /^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(labels[0]);
		if (at >= 0 || name === 'amazonaws.com' || regionOnly) {
			return [{ kind: 'object-storage', message: `${host} covers Amazon S3 endpoints, which serve every customer's buckets: an agent can download from or upload to any bucket, an attacker's included` }];
		}
		return [];
	}
	if (at < 0) {
		return [];
	}
	return [{ kind: 'object-storage', message: at === 0 ? sharedStorage(host) : cloudStorage(host, 'amazonaws.com') }];
}

function wildcardNotes(host: string, base: string): RiskNote[] {
	const provider = MULTI_TENANT_PROVIDERS.find((p) => base === p || isUnder(base, p));
	if (provider !== undefined) {
		return [{
			kind: 'broad-wildcard',
			message: `${host} allows every name under ${base}, which ${provider} shares among its customers and users: any of them can serve content there`,
		}];
	}
	return [{ kind: 'broad-wildcard', message: `${host} allows every name under ${base}, including names created after this review` }];
}

function portNotes(host: string, ports: readonly number[]): RiskNote[] {
	const notes: RiskNote[] = [];
	for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
		if (WEB_PORTS.has(port)) {
			continue;
		}
		notes.push(
			port === 22
				? { kind: 'non-http-port', message: `SSH tunnel: an SSH session to ${host}:22 can carry forwarded connections (-L, -R, -D) wherever ${host} permits, past the proxy's per-host checks` }
				: { kind: 'non-http-port', message: `${host}:${port} is not a web port: the proxy passes an opaque TCP stream there that it cannot inspect` },
		);
	}
	return notes;
}

/**
 * The risk notes for one allowed host (canonical; `*.x.y` for a wildcard) and its explicit
 * CONNECT ports (empty or undefined for the web ports only). Deterministic order, no duplicates.
 */
export function riskNotesFor(host: string, ports?: readonly number[]): RiskNote[] {
	const canonical = host.toLowerCase().replace(/\.$/, '');
	const wildcardBase = canonical.startsWith('*.') ? canonical.slice(2) : undefined;
	const notes: RiskNote[] = [];
	if (wildcardBase !== undefined) {
		notes.push(...wildcardNotes(canonical, wildcardBase));
	}
	const candidates = wildcardBase === undefined
		? inRuleOrder(rulesOnNameOrParents(canonical))
		: inRuleOrder([...(BELOW_DOMAIN.get(wildcardBase) ?? []), ...rulesOnNameOrParents(wildcardBase)]);
	for (const r of candidates) {
		if (wildcardBase === undefined) {
			if (matchesHost(canonical, r)) {
				notes.push({ kind: r.kind, message: r.message(canonical, r.domain) });
			}
		} else if (wildcardCovers(wildcardBase, r)) {
			const covered = r.scope === 'exact' ? r.domain : `names under ${r.domain}`;
			notes.push({ kind: r.kind, message: `${canonical} covers ${covered}; ${r.message(r.domain, r.domain)}` });
		}
	}
	notes.push(...s3Notes(canonical, wildcardBase));
	notes.push(...portNotes(canonical, ports ?? []));

	if (notes.length < 2) {
		return notes;
	}
	const seen = new Set<string>();
	return notes.filter((n) => {
		const key = `${n.kind}\u0000${n.message}`;
		if (seen.has(key)) {
			return false;
		}
		seen.add(key);
		return true;
	});
}
