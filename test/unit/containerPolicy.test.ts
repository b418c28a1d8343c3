import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';

/**
 * The Feature's policy path in bash, outside a container: the validation that an apply runs
 * (lib/common.sh: a quick pass that checks only the lines not already enforced, and the full
 * line-by-line check it falls back to) and the Squid ACL lists (lib/squid.sh, one awk pass).
 * The quick pass is an optimisation only: it must never accept what the full check refuses.
 */

const root = resolve(__dirname, '..', '..', '..');
const lib = join(root, 'devcontainer-feature', 'src', 'airlock', 'lib');

function bash(script: string, args: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
	const r = spawnSync('bash', ['-c', `set -u; . "$1/common.sh"; . "$1/grammar.sh"; . "$1/squid.sh"; shift; ${script}`, 'bash', lib, ...args], {
		env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', SHLVL: '1' },
		maxBuffer: 64 * 1024 * 1024,
	});
	return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const HEADER = 'airlock-policy 1\nmode enforce\n';
const sortedUnique = (lines: readonly string[]): string[] => [...new Set(lines)].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : Buffer.from(a) > Buffer.from(b) ? 1 : 0));

describe('container policy path (lib/common.sh, lib/squid.sh)', function () {
	this.timeout(120_000);
	let dir: string;
	before(() => {
		dir = mkdtempSync(join(tmpdir(), 'airlock-policy-unit-'));
	});
	after(() => {
		rmSync(dir, { recursive: true, force: true });
	});

	/** 0 and no output when valid; 1 and "line N: …" otherwise. With `enforced`, the apply's quick pass may decide. */
	function validate(text: string, enforced?: string): { status: number | null; stdout: string } {
		writeFileSync(join(dir, 'new'), text);
		if (enforced !== undefined) {
			writeFileSync(join(dir, 'enforced'), enforced);
		}
		const r = bash(enforced === undefined ? 'airlock_validate_policy "$1"' : 'airlock_validate_policy "$1" "$2"', [join(dir, 'new'), join(dir, 'enforced')]);
		assert.equal(r.stderr, '');
		return r;
	}

	it('the quick pass (lines already enforced skip the grammar) never accepts what the full check refuses', () => {
		const good = ['allow a.example.com', 'allow b.example.com:22', 'allow *.c.example.org', 'exfil-warn *.c.example.org'];
		const bad = ['allow localhost', 'allow 10.0.0.1', 'allow evil..com', 'allow A.example.com', 'exfil-warn *.z.example.org', 'exfil-warn a.example.com',
			'allow x.example.com:0', 'deny a.example.com', 'allow a.example.com extra', 'allow a.example.com\r', ''];
		const line = fc.constantFrom(...good, ...bad);
		const policy = fc.record({
			header: fc.constantFrom('airlock-policy 1', 'airlock-policy 2'),
			mode: fc.constantFrom('mode enforce', 'mode audit', 'mode x'),
			lines: fc.array(line, { maxLength: 6 }),
			sorted: fc.boolean(),
		});
		// The enforced policy passed this validation when it was applied (or installed: install.sh
		// validates it too), so it holds valid lines only.
		fc.assert(fc.property(policy, fc.array(fc.constantFrom(...good.filter((l) => l.startsWith('allow'))), { maxLength: 4 }), (p, enforcedLines) => {
			const lines = p.sorted ? sortedUnique(p.lines) : p.lines;
			const text = `${[p.header, p.mode, ...lines].join('\n')}\n`;
			const enforced = `${HEADER}${sortedUnique(enforcedLines).join('\n')}\n`;
			const full = validate(text);
			const quick = validate(text, enforced);
			assert.equal(quick.status, full.status, `quick ${quick.stdout} vs full ${full.stdout} for ${JSON.stringify(text)} over ${JSON.stringify(enforced)}`);
			assert.equal(quick.stdout, full.stdout);
		}), { numRuns: Number(process.env.AIRLOCK_POLICY_RUNS ?? 40) });
	});

	it('names the line of a bad entry deep in a long policy that only adds to the enforced one', () => {
		const hosts = Array.from({ length: 2000 }, (_, i) => `allow pkg${i}.registry.example.com`);
		const enforced = `${HEADER}${sortedUnique(hosts).join('\n')}\n`;
		const added = sortedUnique([...hosts, 'allow new.example.com']);
		assert.equal(validate(`${HEADER}${added.join('\n')}\n`, enforced).status, 0);
		const broken = sortedUnique([...hosts, 'allow pkg1000.registry.example.com.']);
		const r = validate(`${HEADER}${broken.join('\n')}\n`, enforced);
		assert.equal(r.status, 1);
		assert.match(r.stdout, new RegExp(`^line ${broken.indexOf('allow pkg1000.registry.example.com.') + 3}: pkg1000\\.registry\\.example\\.com\\.: `));
	});

	it('writes the ACL lists: web and per port, apexes subtracted unless listed, exact names only under a wildcard', () => {
		const policy = `airlock-policy 1\nmode enforce\n${[
			'allow *.a.example.com', 'allow *.b.example.org', 'allow *.b.example.org:22', 'allow a.example.com', 'allow b.example.org:22',
			'allow deep.x.a.example.com', 'allow git.example.net:22', 'allow git.example.net:7999', 'allow x.example.io', 'exfil-warn *.b.example.org',
		].join('\n')}\n`;
		writeFileSync(join(dir, 'policy'), policy);
		const out = join(dir, 'lists');
		const r = bash('mkdir -p "$2" && airlock_squid_write_lists "$1" "$2"', [join(dir, 'policy'), out]);
		assert.equal(r.status, 0, r.stderr);
		const files = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8').trim().split('\n').filter(Boolean)]));
		const e = 'empty-list.airlock.invalid';
		assert.deepEqual(files, {
			// a.example.com is listed and is *.a.example.com's apex: `.a.example.com` alone matches both
			// (Squid refuses a list with both: "is a subdomain of").
			'web.names': ['.a.example.com', '.b.example.org', 'deep.x.a.example.com', e, 'x.example.io'],
			'web.apex': ['b.example.org', e],
			'port-22.names': ['.b.example.org', e, 'git.example.net'],
			'port-22.apex': [e],
			'port-7999.names': [e, 'git.example.net'],
			'port-7999.apex': [e],
			// Only exact hosts a wildcard also matches: the others are never scored.
			'exact.names': ['a.example.com', 'b.example.org', 'deep.x.a.example.com', e],
			'wild-scored.names': ['.a.example.com', e],
			'wild-warn.names': ['.b.example.org', e],
			'exfil.bases': ['a.example.com', 'b.example.org'],
		});
	});
});
