import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { CANONICAL_HOST_PATTERN, HOST_SIDE_ONLY_CODES, SPECIAL_NAMES, checkHost, checkRuleText } from '../../extension/core/hostname';
import { anyHostInput, validHost } from './hostnameArbitraries';

/**
 * The container twin (devcontainer-feature/src/airlock/lib/grammar.sh) against the TypeScript
 * grammar, in the real shells the Feature runs under: dash (Debian's /bin/sh), bash (the
 * Feature's scripts) and, when installed, busybox ash (Alpine's). CI installs busybox.
 */

const root = resolve(__dirname, '..', '..', '..');
const grammarPath = join(root, 'devcontainer-feature', 'src', 'airlock', 'lib', 'grammar.sh');
const perlGrammarPath = join(root, 'devcontainer-feature', 'src', 'airlock', 'lib', 'grammar.pl');
const policyToolPath = join(root, 'devcontainer-feature', 'src', 'airlock', 'lib', 'policy.pl');

interface Shell {
	readonly name: string;
	readonly command: string;
	readonly args: readonly string[];
}

function available(command: string, args: readonly string[]): boolean {
	return spawnSync(command, [...args, '-c', 'exit 0']).status === 0;
}

// bash too: the Feature's own scripts (bash) source grammar.sh.
const shells: Shell[] = [
	{ name: 'dash', command: 'dash', args: [] },
	{ name: 'bash', command: 'bash', args: [] },
];
if (available('busybox', ['sh'])) {
	shells.push({ name: 'busybox ash', command: 'busybox', args: ['sh'] });
} else {
	console.log('    (busybox is not installed: the ash run is left out; apt-get install -y busybox)');
}

/** Runs `script` in `shell` with grammar.sh sourced; extra arguments become "$@". */
function runShell(shell: Shell, script: string, options: { input?: Buffer | string; args?: readonly string[]; locale?: string } = {}): { status: number | null; stdout: string } {
	const result = spawnSync(shell.command, [...shell.args, '-c', `. "$1"; shift; ${script}`, 'sh', grammarPath, ...(options.args ?? [])], {
		input: options.input,
		maxBuffer: 256 * 1024 * 1024,
		// SHLVL=1: bash sources ~/.bashrc when its stdin is a socket (Node's pipes are) at level 1.
		env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: options.locale ?? 'C', SHLVL: '1' },
	});
	assert.equal(result.error, undefined, `${shell.name}: ${String(result.error)}`);
	assert.equal(result.stderr.toString(), '', `${shell.name} wrote to stderr`);
	return { status: result.status, stdout: result.stdout.toString('utf8') };
}

/** The verdicts of `airlock_check_rules_stdin` for `lines`, one per line. */
function batchVerdicts(shell: Shell, lines: readonly string[], locale: string): string[] {
	const { status, stdout } = runShell(shell, 'airlock_check_rules_stdin', { input: lines.join('\n') + '\n', locale });
	assert.equal(status, 0);
	const verdicts = stdout.split('\n');
	assert.equal(verdicts.pop(), '', 'output ends with a newline');
	assert.equal(verdicts.length, lines.length, `${shell.name}: one verdict per line`);
	return verdicts;
}

/** Canonical rules every twin accepts. */
const GOOD_RULES = ['api.example.com', '*.example.org', 'github.com:22', 'github.com:65535', 'xn--mnchen-3ya.de', 'a.b'];
/** Hostile rules every twin refuses, each with a reason (some hold newlines: passed as arguments to the shells). */
const HOSTILE_RULES = [
	'a.com\nb.com', 'a.com\n', '\na.com', 'a.com\r', 'a.com #comment', '#a.com', 'a.com#', 'a com', ' a.com', 'a.com ', 'a.com\t',
	"'a.com'", '"a.com"', '`id`.com', '$(id).com', 'a.com;id', 'a.com|b', 'a.com&', 'a\\.com', '%0a.com',
	'127.0.0.1', '127.1', '0x7f.1', '2130706433', '::1', '[::1]', '10.0.0.0/8', '1.2.3.4:22', 'a.123',
	'localhost', 'x.localhost', 'metadata.google.internal', 'host.docker.internal', '*.internal', 'a.nip.io', 'printer.local',
	'.x.com', '*.*.x.com', '**.x.com', 'a.*.com', '*x.com', '*', '-a.com', 'a-.com', 'a..com', 'x.com.', 'X.com', 'a_b.com',
	'x.com:0', 'x.com:022', 'x.com:65536', 'x.com:', 'x.com:22:22', 'x.com:2a', 'https://x.com', 'user@x.com', 'x.com/p',
	'intranet', '', `${'a'.repeat(64)}.com`, `${'a.'.repeat(126)}com`, 'münchen.de', 'a\u200bb.com', 'a\u202eb.com',
	...Array.from({ length: 31 }, (_, i) => `a${String.fromCharCode(i + 1)}b.com`),
	'a\u007fb.com',
];

const RULE_SHAPE = /^(?<host>[^:]*)(?::(?<port>[1-9][0-9]{0,4}))?$/;

/** Every rule the twin accepts must be canonical and free of anything but [a-z0-9.*:-]. */
function structurallySafe(rule: string): boolean {
	const m = RULE_SHAPE.exec(rule);
	if (!/^[a-z0-9.*:-]+$/.test(rule) || !m?.groups) {
		return false;
	}
	const port = m.groups.port === undefined ? 1 : Number(m.groups.port);
	return CANONICAL_HOST_PATTERN.test(m.groups.host) && port >= 1 && port <= 65535;
}

/** Generated lines: raw strings, their lower-case forms, and for accepted hosts HOST and HOST:PORT. */
function generatedLines(seed: number): string[] {
	const lines = new Set<string>();
	const raws = [...fc.sample(anyHostInput, { numRuns: 20_000, seed }), ...fc.sample(validHost, { numRuns: 3_000, seed: seed + 1 })];
	const ports = fc.sample(fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, 65536, 99999, 100000)), { numRuns: raws.length, seed: seed + 2 });
	raws.forEach((generated, i) => {
		// What the shell reads is UTF-8; compare verdicts on the same text (lone surrogates become U+FFFD).
		const raw = Buffer.from(generated, 'utf8').toString('utf8');
		if (raw.includes('\n') || raw.includes('\0')) {
			return; // a line cannot hold these; the argument-based cases below cover them
		}
		lines.add(raw);
		lines.add(raw.toLowerCase());
		const checked = checkHost(raw);
		if (checked.ok) {
			lines.add(checked.host);
			lines.add(`${checked.host}:${ports[i]}`);
			lines.add(`${checked.host}:0${ports[i]}`);
		}
	});
	return [...lines];
}

describe('container grammar (lib/grammar.sh)', function () {
	this.timeout(300_000);

	it('is exactly what the generator produces from hostname.ts (drift guard)', () => {
		const generated = spawnSync(process.execPath, [join(root, 'scripts', 'gen-feature-grammar.mjs'), '--stdout'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
		assert.equal(generated.status, 0, generated.stderr.toString());
		assert.equal(generated.stderr.toString(), '');
		const committed = readFileSync(grammarPath, 'utf8');
		assert.ok(committed.startsWith('# GENERATED by scripts/gen-feature-grammar.mjs'));
		assert.equal(committed, generated.stdout.toString('utf8'), 'grammar.sh is stale: run node scripts/gen-feature-grammar.mjs and commit the result');
	});

	it('carries every special name from hostname.ts', () => {
		const text = readFileSync(grammarPath, 'utf8');
		for (const s of SPECIAL_NAMES) {
			assert.ok(text.includes(s.subtree ? `\t\t${s.name}|*.${s.name})` : `\t\t${s.name})`), s.name);
		}
	});

	for (const shell of shells) {
		describe(shell.name, () => {
			for (const locale of ['C', 'C.UTF-8']) {
				it(`agrees with the TypeScript grammar on 20,000+ generated strings (LC_ALL=${locale})`, () => {
					// A fresh seed each run; AIRLOCK_GRAMMAR_SEED replays the one a failure printed.
					const seed = Number(process.env.AIRLOCK_GRAMMAR_SEED ?? Math.floor(Math.random() * 2 ** 31));
					const lines = generatedLines(seed);
					const verdicts = batchVerdicts(shell, lines, locale);
					const problems: string[] = [];
					let shellAccepted = 0;
					lines.forEach((line, i) => {
						const shellOk = verdicts[i] === 'ok';
						assert.ok(shellOk || verdicts[i].startsWith('bad: '), `unexpected output ${JSON.stringify(verdicts[i])}`);
						const ts = checkRuleText(line);
						if (ts.ok && !shellOk) {
							problems.push(`shell rejects ${JSON.stringify(line)} (TS accepts): ${verdicts[i]}`);
						}
						if (shellOk) {
							shellAccepted++;
							if (!structurallySafe(line)) {
								problems.push(`shell accepts unsafe ${JSON.stringify(line)}`);
							} else if (!ts.ok && !(ts.code && HOST_SIDE_ONLY_CODES.includes(ts.code))) {
								problems.push(`shell accepts ${JSON.stringify(line)}, TS rejects it for syntax: ${ts.message}`);
							}
						}
					});
					assert.deepEqual(problems.slice(0, 10), [], `seed ${seed}, ${problems.length} disagreements`);
					assert.ok(lines.length >= 20_000, `only ${lines.length} lines`);
					assert.ok(shellAccepted >= 5_000, `positive control: the shell accepted only ${shellAccepted} of ${lines.length}`);
				});
			}

			it('accepts canonical rules and rejects hostile ones, each with a one-line reason', () => {
				const good = GOOD_RULES;
				const hostile = HOSTILE_RULES;
				const script = 'for r in "$@"; do if reason=$(airlock_check_rule "$r"); then printf "0 %s\\n" "$reason"; else printf "1 %s\\n" "$reason"; fi; done';
				const { stdout } = runShell(shell, script, { args: [...good, ...hostile], locale: 'C.UTF-8' });
				const results = stdout.split('\n').slice(0, -1);
				assert.equal(results.length, good.length + hostile.length, 'exactly one line per rule');
				good.forEach((rule, i) => assert.equal(results[i], '0 ', `${rule}: ${results[i]}`));
				hostile.forEach((rule, i) => {
					const line = results[good.length + i];
					assert.match(line, /^1 \S.*$/, `${JSON.stringify(rule)} must be rejected with a reason, got ${JSON.stringify(line)}`);
					assert.equal(checkRuleText(rule).ok, false, `the TS grammar must reject ${JSON.stringify(rule)} too`);
				});
			});

			it('rejects invalid UTF-8 and encoded non-ASCII bytes in any locale', () => {
				const bytes = [[0xff], [0xc3], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x80, 0x8b], [0xef, 0xbc, 0x8e]];
				const input = Buffer.concat([...bytes.map((b) => Buffer.concat([Buffer.from('a'), Buffer.from(b), Buffer.from('.com\n')])), Buffer.from('a.com\n')]);
				for (const locale of ['C', 'C.UTF-8']) {
					const { stdout } = runShell(shell, 'airlock_check_rules_stdin', { input, locale });
					const verdicts = stdout.split('\n').slice(0, -1);
					assert.equal(verdicts.length, bytes.length + 1);
					assert.equal(verdicts.pop(), 'ok', 'positive control');
					verdicts.forEach((v, i) => assert.match(v, /^bad: /, `bytes ${JSON.stringify(bytes[i])} in ${locale}`));
				}
			});

			it('detects NUL bytes in a file (shells drop them when reading lines)', () => {
				const dir = mkdtempSync(join(tmpdir(), 'airlock-grammar-'));
				try {
					const clean = join(dir, 'clean');
					const withNul = join(dir, 'nul');
					writeFileSync(clean, 'airlock-policy 1\nmode enforce\nallow a.com\n');
					writeFileSync(withNul, 'airlock-policy 1\nmode enforce\nallow a\0.com\n');
					const check = 'if airlock_file_has_nul "$1"; then echo nul; else echo clean; fi';
					assert.equal(runShell(shell, check, { args: [clean] }).stdout, 'clean\n');
					assert.equal(runShell(shell, check, { args: [withNul] }).stdout, 'nul\n');
				} finally {
					rmSync(dir, { recursive: true, force: true });
				}
			});
		});
	}
});

/** The verdicts of lib/policy.pl's `rules` (lib/grammar.pl), one per input line. */
function perlVerdicts(input: Buffer | string): string[] {
	const r = spawnSync('perl', [policyToolPath, 'rules'], { input, maxBuffer: 256 * 1024 * 1024, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' } });
	assert.equal(r.error, undefined, String(r.error));
	assert.equal(r.stderr.toString(), '');
	assert.equal(r.status, 0);
	const verdicts = r.stdout.toString('utf8').split('\n');
	assert.equal(verdicts.pop(), '', 'output ends with a newline');
	return verdicts;
}

/**
 * The Perl twin (lib/grammar.pl, generated from the same constants) that airlock-ctl validates
 * whole policies with: it must give the shell twin's verdict AND reason for every input, so the
 * messages a user sees do not depend on which twin checked.
 */
describe('container grammar in Perl (lib/grammar.pl)', function () {
	this.timeout(300_000);

	it('is exactly what the generator produces from hostname.ts (drift guard)', () => {
		const generated = spawnSync(process.execPath, [join(root, 'scripts', 'gen-feature-grammar.mjs'), '--stdout-perl'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
		assert.equal(generated.status, 0, generated.stderr.toString());
		assert.equal(generated.stderr.toString(), '');
		const committed = readFileSync(perlGrammarPath, 'utf8');
		assert.ok(committed.startsWith('# GENERATED by scripts/gen-feature-grammar.mjs'));
		assert.equal(committed, generated.stdout.toString('utf8'), 'grammar.pl is stale: run node scripts/gen-feature-grammar.mjs and commit the result');
	});

	it('gives the same verdict and reason as grammar.sh, and agrees with the TypeScript grammar, on 20,000+ generated strings', () => {
		const seed = Number(process.env.AIRLOCK_GRAMMAR_SEED ?? Math.floor(Math.random() * 2 ** 31));
		const lines = generatedLines(seed);
		const input = lines.join('\n') + '\n';
		const perl = perlVerdicts(input);
		const dash = batchVerdicts(shells[0], lines, 'C');
		assert.equal(perl.length, lines.length, 'one verdict per line');
		const problems: string[] = [];
		let accepted = 0;
		lines.forEach((line, i) => {
			if (perl[i] !== dash[i]) {
				problems.push(`${JSON.stringify(line)}: perl ${JSON.stringify(perl[i])}, sh ${JSON.stringify(dash[i])}`);
			}
			const ts = checkRuleText(line);
			if (perl[i] === 'ok') {
				accepted++;
				if (!structurallySafe(line) || (!ts.ok && !(ts.code && HOST_SIDE_ONLY_CODES.includes(ts.code)))) {
					problems.push(`perl accepts ${JSON.stringify(line)}, TS rejects it for syntax`);
				}
			} else if (ts.ok) {
				problems.push(`perl rejects ${JSON.stringify(line)} (TS accepts): ${perl[i]}`);
			}
		});
		assert.deepEqual(problems.slice(0, 10), [], `seed ${seed}, ${problems.length} disagreements`);
		assert.ok(accepted >= 5_000, `positive control: perl accepted only ${accepted} of ${lines.length}`);
	});

	it('accepts the canonical rules and refuses the hostile ones with the shell\'s reasons', () => {
		// One rule per line: the hostile rules with a newline are split, each part checked on its own.
		const rules = [...GOOD_RULES, ...HOSTILE_RULES.filter((r) => !r.includes('\n'))];
		const perl = perlVerdicts(rules.join('\n') + '\n');
		const sh = batchVerdicts(shells[0], rules, 'C.UTF-8');
		assert.deepEqual(perl, sh);
		GOOD_RULES.forEach((_, i) => assert.equal(perl[i], 'ok'));
		perl.slice(GOOD_RULES.length).forEach((v, i) => assert.match(v, /^bad: \S/, JSON.stringify(rules[GOOD_RULES.length + i])));
	});

	it('rejects invalid UTF-8 and encoded non-ASCII bytes', () => {
		const bytes = [[0xff], [0xc3], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x80, 0x8b], [0xef, 0xbc, 0x8e]];
		const input = Buffer.concat([...bytes.map((b) => Buffer.concat([Buffer.from('a'), Buffer.from(b), Buffer.from('.com\n')])), Buffer.from('a.com\n')]);
		const verdicts = perlVerdicts(input);
		assert.equal(verdicts.length, bytes.length + 1);
		assert.equal(verdicts.pop(), 'ok', 'positive control');
		verdicts.forEach((v, i) => assert.match(v, /^bad: /, `bytes ${JSON.stringify(bytes[i])}`));
	});
});
