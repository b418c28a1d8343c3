import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';

/**
 * The Feature's policy path outside a container: the validation that lock and apply run
 * (lib/policy.pl with the generated lib/grammar.pl, called by airlock_validate_policy in
 * lib/common.sh) held to the bash line-by-line reference (airlock_validate_policy_full in
 * test/unit/policy-reference.sh, with lib/grammar.sh): same verdict, same message; and the Squid ACL lists (lib/policy.pl).
 */

const root = resolve(__dirname, '..', '..', '..');
const lib = join(root, 'devcontainer-feature', 'src', 'airlock', 'lib');
/** The bash reference check (airlock_validate_policy_full), kept with the tests, not shipped. */
const referenceCheck = join(root, 'test', 'unit', 'policy-reference.sh');

function bash(script: string, args: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
	const r = spawnSync('bash', ['-c', `set -u; . "$1/common.sh"; . "$1/grammar.sh"; . "$1/squid.sh"; . "$2"; shift 2; ${script}`, 'bash', lib, referenceCheck, ...args], {
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

	/** 0 and no output when valid; 1 and "line N: …" otherwise. `reference`: the bash check. */
	function validate(text: string | Buffer, reference = false): { status: number | null; stdout: string } {
		writeFileSync(join(dir, 'new'), text);
		const r = bash(reference ? 'airlock_validate_policy_full "$1"' : 'airlock_validate_policy "$1"', [join(dir, 'new')]);
		assert.equal(r.stderr, '');
		return r;
	}

	it('policy.pl gives the bash reference check\'s verdict and message on generated policies', () => {
		const good = ['allow a.example.com', 'allow b.example.com:22', 'allow *.c.example.org', 'exfil-warn *.c.example.org', 'allow *.c.example.org:22'];
		const bad = ['allow localhost', 'allow 10.0.0.1', 'allow evil..com', 'allow A.example.com', 'exfil-warn *.z.example.org', 'exfil-warn a.example.com',
			'exfil-warn *.c.example.org:22', 'allow x.example.com:0', 'deny a.example.com', 'allow a.example.com extra', 'allow a.example.com\r', '', 'allow ',
			'allow a.example.com\0', 'allow münchen.de', 'mode enforce', 'airlock-policy 1'];
		const line = fc.constantFrom(...good, ...bad);
		const policy = fc.record({
			header: fc.constantFrom('airlock-policy 1', 'airlock-policy 2', ''),
			mode: fc.constantFrom('mode enforce', 'mode audit', 'mode x', ''),
			lines: fc.array(line, { maxLength: 6 }),
			sorted: fc.boolean(),
			end: fc.constantFrom('\n', '', '\n\n', '\r\n'),
			headerOnly: fc.boolean(),
		});
		fc.assert(fc.property(policy, (p) => {
			const lines = p.sorted ? sortedUnique(p.lines) : p.lines;
			const text = p.headerOnly ? `${p.header}${p.end}` : `${[p.header, p.mode, ...lines].join('\n')}${p.end}`;
			const fast = validate(text);
			const reference = validate(text, true);
			assert.equal(fast.status, reference.status, `policy.pl ${fast.stdout} vs bash ${reference.stdout} for ${JSON.stringify(text)}`);
			assert.equal(fast.stdout, reference.stdout);
		}), { numRuns: Number(process.env.AIRLOCK_POLICY_RUNS ?? 60) });
	});

	it('refuses an empty file, a missing final newline, NUL bytes and CRs with the reference messages', () => {
		for (const text of ['', '\n', 'airlock-policy 1', 'airlock-policy 1\nmode enforce', Buffer.from('airlock-policy 1\nmode enforce\nallow a\0.com\n'),
			'airlock-policy 1\nmode enforce\nallow a.com\r\n', 'airlock-policy 1\n', 'airlock-policy 1\nmode enforce\n']) {
			const fast = validate(text);
			const reference = validate(text, true);
			assert.deepEqual(fast, reference, JSON.stringify(text.toString()));
		}
		assert.equal(validate('airlock-policy 1\nmode enforce\n').status, 0, 'positive control');
		assert.equal(validate('').stdout, 'line 1: (empty): expected "airlock-policy 1"\n');
	});

	it('checks a 10,000-entry policy with the same verdicts as the reference, naming the bad line', () => {
		const hosts = sortedUnique(Array.from({ length: 10_000 }, (_, i) => `allow pkg${i}.registry.example.com`));
		assert.equal(validate(`${HEADER}${hosts.join('\n')}\n`).status, 0);
		const broken = [...hosts];
		broken[7000] = 'allow pkg7000.registry.example.com.';
		const text = `${HEADER}${broken.join('\n')}\n`;
		const fast = validate(text);
		assert.equal(fast.status, 1);
		assert.equal(fast.stdout, validate(text, true).stdout);
		assert.match(fast.stdout, /^line 7003: pkg7000\.registry\.example\.com\.: empty label/);
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

	describe('policy.pl apply (the usual apply, in one process)', () => {
		const tool = join(lib, 'policy.pl');
		const base = `${HEADER}allow a.example.com\nallow git.example.com:22\n`;
		let work: string;
		let policy: string;
		let squidDir: string;
		let log: string;
		let pidFile: string;
		let fakeSquid: ReturnType<typeof spawn> | undefined;

		beforeEach(() => {
			work = mkdtempSync(join(tmpdir(), 'airlock-apply-unit-'));
			policy = join(work, 'policy');
			squidDir = join(work, 'squid');
			log = join(work, 'cache.log');
			pidFile = join(work, 'squid.pid');
			mkdirSync(squidDir);
			writeFileSync(policy, base);
			writeFileSync(join(squidDir, 'squid.conf'), '# generated\n');
			writeFileSync(log, '');
			assert.equal(spawnSync('perl', [tool, 'lists', policy, squidDir]).status, 0);
		});
		afterEach(() => {
			fakeSquid?.kill('SIGKILL');
			fakeSquid = undefined;
			rmSync(work, { recursive: true, force: true });
		});

		function apply(text: string | Buffer): { status: number | null; stdout: string; stderr: string } {
			const r = spawnSync('perl', [tool, 'apply', policy, squidDir, 'proxy', pidFile, log], { input: text, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
			return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
		}
		const listed = (file: string): string[] => readFileSync(join(squidDir, file), 'utf8').trim().split('\n');

		it('answers the hash of the policy in force without touching anything', () => {
			const before = readFileSync(join(squidDir, 'web.names'), 'utf8');
			const r = apply(base);
			assert.equal(r.status, 0, r.stderr);
			const hash = bash('airlock_policy_hash "$1"', [policy]).stdout;
			assert.equal(r.stdout, `same ${hash}\n`);
			assert.equal(readFileSync(join(squidDir, 'web.names'), 'utf8'), before);
		});

		it('a host added: writes the lists and the policy, signals Squid and waits until it listens again', async () => {
			// A stand-in "squid" (its command line names it so) that logs what Squid logs on SIGHUP.
			const script = join(work, 'fake-squid');
			writeFileSync(script, `trap 'echo "$(date) Accepting HTTP Socket connections at conn1" >>"${log}"' HUP\nwhile :; do sleep 0.05; done\n`);
			chmodSync(script, 0o755);
			fakeSquid = spawn('bash', [script], { stdio: 'ignore' });
			writeFileSync(pidFile, `${fakeSquid.pid}\n`);
			await new Promise((r) => setTimeout(r, 200));
			const next = `${HEADER}allow a.example.com\nallow b.example.com\nallow git.example.com:22\n`;
			const r = apply(next);
			assert.equal(r.status, 0, r.stderr);
			assert.equal(r.stderr, '');
			const hash = bash('printf %s "$1" >"$2"; airlock_policy_hash "$2"', [next, join(work, 'expected')]).stdout;
			assert.equal(r.stdout, `applied ${hash} 3\n`);
			assert.equal(readFileSync(policy, 'utf8'), next);
			assert.ok(listed('web.names').includes('b.example.com'));
			assert.match(readFileSync(log, 'utf8'), /Accepting HTTP Socket connections/, 'Squid got SIGHUP before apply returned');
			assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('.policy')), [], 'no staged copy left behind');
		});

		it('a port or mode change comes back staged: the policy in force and the lists stay', () => {
			for (const next of [`${HEADER}allow a.example.com\nallow git.example.com:2222\n`, `airlock-policy 1\nmode audit\nallow a.example.com\nallow git.example.com:22\n`]) {
				const r = apply(next);
				assert.equal(r.status, 0, r.stderr);
				const staged = /^staged (.+)\n$/.exec(r.stdout)?.[1];
				assert.ok(staged, r.stdout);
				assert.equal(readFileSync(staged, 'utf8'), next);
				assert.equal(readFileSync(policy, 'utf8'), base);
				assert.deepEqual(listed('port-22.names'), ['empty-list.airlock.invalid', 'git.example.com']);
				rmSync(staged);
			}
		});

		it('refuses invalid and oversized text with the line, and changes nothing', () => {
			const before = readFileSync(join(squidDir, 'web.names'), 'utf8');
			const bad = apply(`${HEADER}allow a.example.com\nallow x.localhost\n`);
			assert.equal(bad.status, 2);
			assert.match(bad.stderr, /^airlock-ctl: apply: line 4: x\.localhost: special name localhost/);
			const big = apply(Buffer.alloc(1024 * 1024 + 1, 'a'));
			assert.equal(big.status, 2);
			assert.match(big.stderr, /line 1: \(policy\): larger than 1 MiB/);
			assert.equal(readFileSync(policy, 'utf8'), base);
			assert.equal(readFileSync(join(squidDir, 'web.names'), 'utf8'), before);
			assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('.policy')), []);
		});

		it('a list that cannot be written (here: a directory in its place) keeps the policy in force', () => {
			rmSync(join(squidDir, 'web.apex'));
			mkdirSync(join(squidDir, 'web.apex'));
			const r = apply(`${HEADER}allow a.example.com\nallow b.example.com\nallow git.example.com:22\n`);
			assert.equal(r.status, 1);
			assert.match(r.stderr, /^airlock-ctl: apply: line 1: \(policy\): cannot write [^\n]*web\.apex: [^\n]*; the previous policy stays enforced\. Fix what it names [^\n]* and apply again\.\n$/);
			assert.equal(readFileSync(policy, 'utf8'), base);
			assert.deepEqual(listed('web.names'), ['a.example.com', 'empty-list.airlock.invalid'], 'the lists of the policy in force are back');
			assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('.policy')), [], 'no staged copy left behind');
			assert.deepEqual(readdirSync(squidDir).filter((f) => f.includes('.tmp.')), [], 'no temporary list left behind');
		});

		it('lists: the lists of a port no longer in the policy are removed', () => {
			writeFileSync(join(work, 'no-port'), `${HEADER}allow a.example.com\n`);
			assert.ok(existsSync(join(squidDir, 'port-22.names')));
			assert.equal(spawnSync('perl', [tool, 'lists', join(work, 'no-port'), squidDir]).status, 0);
			assert.equal(existsSync(join(squidDir, 'port-22.names')), false);
			assert.equal(existsSync(join(squidDir, 'port-22.apex')), false);
			assert.deepEqual(listed('web.names'), ['a.example.com', 'empty-list.airlock.invalid']);
		});
	});
});
