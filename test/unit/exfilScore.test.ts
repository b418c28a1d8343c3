import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { getDomain } from 'tldts';
import { parse as parseYaml } from 'yaml';
import { describeSignal, entropyBits, scoreTarget, scoredLabels } from '../../extension/core/exfil/score';
import { CREDENTIAL_PATTERNS } from '../../extension/core/exfil/rules';
import { exfilCases } from './helpers/exfilCorpus';

/**
 * The exfiltration scorer: the host one (TypeScript) and the proxy's (Perl, generated from the
 * same rules) give the same answers on the shared vectors and on random names; the measured
 * false-positive and detection rates are the ones docs/exfil-scoring.md publishes.
 */

const root = resolve(__dirname, '..', '..', '..');
const helper = join(root, 'devcontainer-feature', 'src', 'airlock', 'lib', 'exfil-score.pl');
const fixtures = join(root, 'test', 'fixtures', 'exfil');

interface Vector {
	note: string;
	host: string;
	url?: string;
	base?: string;
	signals: string[];
}

const vectors = JSON.parse(readFileSync(join(fixtures, 'vectors.json'), 'utf8')) as Vector[];

/** Runs the Perl helper over protocol lines; returns one answer per line. */
function runHelper(lines: readonly string[], bases: readonly string[]): string[] {
	const dir = mkdtempSync(join(tmpdir(), 'airlock-exfil-'));
	try {
		const basesFile = join(dir, 'bases');
		writeFileSync(basesFile, bases.map((b) => b + '\n').join(''));
		const result = spawnSync('perl', [helper, basesFile], { input: lines.map((l) => l + '\n').join(''), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
		assert.equal(result.error, undefined, `perl: ${String(result.error)} (the Feature's scorer needs Perl, which Debian's squid already depends on)`);
		assert.equal(result.stderr, '', 'the helper wrote to stderr');
		assert.equal(result.status, 0);
		const answers = result.stdout.split('\n');
		assert.equal(answers.pop(), '');
		assert.equal(answers.length, lines.length, 'one answer per request');
		return answers;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** The protocol line Squid sends (tokens URL-escaped, as Squid does for spaces and %). */
function protocolLine(channel: number, host: string, url: string | undefined): string {
	const escape = (s: string): string => s.replace(/%/g, '%25').replace(/ /g, '%20');
	return `${channel} ${escape(host)} ${url === undefined ? `${escape(host)}:443` : escape(url)} -`;
}

function signalsOf(answer: string): string[] {
	const m = /^\d+ (OK|ERR)(?: exfil=(\S+) message=\S+)?$/.exec(answer);
	assert.ok(m, `not a helper answer: ${answer}`);
	return m[1] === 'OK' ? [] : (m[2] ?? '').split(',');
}

describe('exfiltration scorer: shared vectors, host and proxy twins', () => {
	it('the vectors cover every signal the scorer can give, benign names and the documented limits', () => {
		const seen = new Set(vectors.flatMap((v) => v.signals.map((s) => (s.startsWith('credential:') ? 'credential' : s))));
		for (const s of ['entropy', 'hex-label', 'base32-label', 'encoded-payload', 'long-subdomain', 'credential']) {
			assert.ok(seen.has(s), `no vector gives ${s}`);
		}
		assert.ok(vectors.filter((v) => v.signals.length === 0).length >= 8, 'benign vectors');
		assert.ok(vectors.some((v) => v.note.startsWith('limit:')), 'the limits are written down as vectors too');
	});

	it('TypeScript: every vector scores as recorded', () => {
		for (const v of vectors) {
			assert.deepEqual(scoreTarget({ host: v.host, url: v.url, base: v.base }).signals, v.signals, v.note);
		}
	});

	it('Perl (the proxy helper): every vector scores as recorded, through the Squid helper protocol', () => {
		const bases = [...new Set(vectors.map((v) => v.base).filter((b): b is string => b !== undefined))];
		const answers = runHelper(vectors.map((v, i) => protocolLine(i + 1, v.host, v.url)), bases);
		vectors.forEach((v, i) => {
			assert.ok(answers[i].startsWith(`${i + 1} `), `channel id echoed: ${answers[i]}`);
			assert.deepEqual(signalsOf(answers[i]), v.signals, `${v.note}: ${answers[i]}`);
		});
	});

	it('TypeScript and Perl agree on random names and URLs (the algorithm, not only the vectors)', function () {
		this.timeout(60_000);
		const chars = (alphabet: string, min: number, max: number): fc.Arbitrary<string> => fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));
		const piece = fc.oneof(
			chars('abcdefghijklmnopqrstuvwxyz', 2, 12),
			chars('abcdefghijklmnopqrstuvwxyz0123456789', 6, 40),
			chars('0123456789abcdef', 12, 50),
			chars('abcdefghijklmnopqrstuvwxyz234567', 10, 30),
			fc.constantFrom('ghp-', 'sk-ant-api03-', 'eyj', 'akia', 'xoxb-1234567-'),
		);
		const label = fc.array(piece, { minLength: 1, maxLength: 3 }).map((p) => p.join('-').replace(/^-+|-+$/g, '').slice(0, 63) || 'x');
		const hosts = fc.sample(fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => `${ls.join('.')}.wild.example.net`), { numRuns: 400, seed: 12 });
		const query = fc.array(fc.oneof(piece, fc.constantFrom('%2567hp%255F', '%5F', 'ghp_', 'AIza', '-----BEGIN%20RSA%20PRIVATE%20KEY', '&k=')), { maxLength: 6 }).map((p) => p.join(''));
		const urls = fc.sample(fc.tuple(label, query).map(([l, q]) => ({ host: `${l}.wild.example.net`, url: `http://${l}.wild.example.net/p?q=${q}` })), { numRuns: 200, seed: 13 });
		const targets = [...hosts.map((host) => ({ host, url: undefined as string | undefined })), ...urls];
		const answers = runHelper(targets.map((t, i) => protocolLine(i + 1, t.host, t.url)), ['wild.example.net']);
		let suspects = 0;
		targets.forEach((t, i) => {
			const ts = scoreTarget({ host: t.host, url: t.url, base: 'wild.example.net' }).signals;
			suspects += ts.length > 0 ? 1 : 0;
			assert.deepEqual(signalsOf(answers[i]), ts, `${t.host} ${t.url ?? ''}`);
		});
		assert.ok(suspects > 20 && suspects < targets.length - 20, `the sample has both verdicts (${suspects} suspect of ${targets.length})`);
	});

	it('the helper fails closed: a line it cannot read is answered as suspect', () => {
		const answers = runHelper(['7', '8 -', '', 'garbage'], []);
		assert.deepEqual(answers, ['7 ERR exfil=scorer-error message=scorer-error', '8 ERR exfil=scorer-error message=scorer-error', '0 ERR exfil=scorer-error message=scorer-error', '0 ERR exfil=scorer-error message=scorer-error']);
	});

	it('the committed helper is what the generator writes from rules.ts (no drift)', () => {
		const result = spawnSync(process.execPath, [join(root, 'scripts', 'gen-feature-scorer.mjs'), '--check'], { encoding: 'utf8' });
		assert.equal(result.status, 0, result.stderr);
	});

	it('never throws and always answers, whatever the input', () => {
		fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.option(fc.string({ maxLength: 300 })), fc.option(fc.string({ maxLength: 40 })), (host, url, base) => {
			const s = scoreTarget({ host, url: url ?? undefined, base: base ?? undefined });
			assert.equal(s.suspect, s.signals.length > 0);
		}), { numRuns: 500 });
	});

	it('entropy is Shannon entropy per character; labels are those left of the base', () => {
		assert.equal(entropyBits('aaaa'), 0);
		assert.ok(Math.abs(entropyBits('ab') - 1) < 1e-12);
		assert.ok(Math.abs(entropyBits('0123456789abcdef') - 4) < 1e-12);
		assert.deepEqual(scoredLabels('a.b.cdn.example.com', 'cdn.example.com'), ['a', 'b']);
		assert.deepEqual(scoredLabels('a.b.example.com'), ['a', 'b']);
		assert.deepEqual(scoredLabels('cdn.example.com', 'cdn.example.com'), []);
	});

	it('every signal has words for the editor', () => {
		for (const s of ['entropy', 'hex-label', 'base32-label', 'encoded-payload', 'long-subdomain', 'scorer-error', ...CREDENTIAL_PATTERNS.map((p) => `credential:${p.name}`)]) {
			assert.notEqual(describeSignal(s), s, s);
		}
	});
});

/** Every preset host, scored as if allowed by a wildcard on its registrable domain. */
function presetTargets(): { host: string; base?: string }[] {
	const dir = join(root, 'presets');
	return readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => {
		const preset = parseYaml(readFileSync(join(dir, f), 'utf8')) as { hosts: { host: string }[] };
		return preset.hosts.map((h) => {
			const host = h.host.replace(/^\*\./, 'publisher.');
			return { host, base: getDomain(host, { allowPrivateDomains: true }) ?? undefined };
		});
	});
}

function benignTargets(): { host: string; url?: string; base?: string }[] {
	return readFileSync(join(fixtures, 'benign.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((line) => {
		const [host, url] = line.trim().split(/\s+/);
		return { host, ...(url ? { url } : {}), base: getDomain(host, { allowPrivateDomains: true }) ?? undefined };
	});
}

describe('exfiltration scorer: measured rates (docs/exfil-scoring.md)', () => {
	it('no false positive on every preset host and the benign corpus (CDN and object-storage names with hashed labels, UUIDs in URLs)', () => {
		const targets = [...presetTargets(), ...benignTargets()];
		const flagged = targets.filter((t) => scoreTarget(t).suspect).map((t) => `${t.host}: ${scoreTarget(t).signals.join(',')}`);
		console.log(`      false positives: ${flagged.length} of ${targets.length} benign targets (${presetTargets().length} preset hosts)`);
		assert.deepEqual(flagged, [], 'update docs/exfil-scoring.md with the new rate if a threshold changed on purpose');
	});

	it('detects the encoded payloads and every credential format of the exfiltration corpus at the published rates', () => {
		const bySize = new Map<string, { n: number; hit: number }>();
		for (const c of exfilCases()) {
			const key = /credential|token|key|jwt/.test(c.kind) && !/bytes/.test(c.kind) ? (c.url ? 'credential in a URL' : 'credential in a name') : `${/(\d+) bytes/.exec(c.kind)?.[1] ?? '?'} bytes`;
			const row = bySize.get(key) ?? { n: 0, hit: 0 };
			row.n++;
			row.hit += scoreTarget(c).suspect ? 1 : 0;
			bySize.set(key, row);
		}
		const table = [...bySize.entries()].map(([k, v]) => `${k}: ${v.hit}/${v.n}`);
		console.log(`      detected: ${table.join('; ')}`);
		const rate = (k: string): number => (bySize.get(k)?.hit ?? 0) / (bySize.get(k)?.n ?? 1);
		assert.equal(rate('credential in a name'), 1);
		assert.equal(rate('credential in a URL'), 1);
		assert.ok(rate('64 bytes') >= 0.95, table.join('; '));
		assert.ok(rate('32 bytes') >= 0.75, table.join('; '));
		assert.ok(rate('24 bytes') >= 0.6, table.join('; '));
	});
});
