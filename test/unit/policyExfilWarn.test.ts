import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { canonicalText, featureExfilWarnOption, parseCanonicalText, policyHash } from '../../extension/core/enforcedPolicy';
import { buildPlan, diffPlans } from '../../extension/core/plan';
import { parsePolicyText } from '../../extension/core/policyFile';
import { featureOptions } from '../../extension/core/devcontainer/desired';
import { checkDevcontainer, planDevcontainer, writeDevcontainer } from '../../extension/core/devcontainer';
import { prepareCase } from './devcontainer/fixtureCases';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInputError } from '../../extension/core/errors';
import { formatAllowedLine, formatBlockedLine, isExfilSignal, parseProxyLogLine } from '../../extension/core/proxyLog';

/**
 * `exfil: warn` on a reviewed wildcard: its suspect names are flagged, not refused. The setting
 * is part of what is approved (a line of the canonical policy, so of its hash) and of what the
 * container validates.
 */
const root = resolve(__dirname, '..', '..', '..');
const presetsDir = join(root, 'presets');
const lib = join(root, 'devcontainer-feature', 'src', 'airlock', 'lib');

const POLICY = 'version: 1\nbaseline: false\nallow:\n  - { host: "*.cdn.example.com", exfil: warn, reason: "hashed asset names, reviewed" }\n  - "*.api.example.com"\n  - api.example.com\n';

describe('exfil: warn, from airlock.yaml to the container', () => {
	it('is read from an allow entry, for wildcards only, with a clear error otherwise', () => {
		const file = parsePolicyText(POLICY, 'airlock.yaml');
		assert.deepEqual(file.allow.map((e) => [e.host, e.exfilWarn ?? false]), [['*.cdn.example.com', true], ['*.api.example.com', false], ['api.example.com', false]]);
		assert.equal(parsePolicyText('version: 1\nallow:\n  - { host: "*.x.example.com", exfil: deny }\n', 'a').allow[0].exfilWarn, undefined);
		assert.throws(() => parsePolicyText('version: 1\nallow:\n  - { host: api.example.com, exfil: warn }\n', 'a.yaml'), (err: unknown) =>
			err instanceof InvalidInputError && err.problems[0].line === 3 && /exfil applies to wildcards only/.test(err.problems[0].message));
		assert.throws(() => parsePolicyText('version: 1\nallow:\n  - { host: "*.x.example.com", exfil: off }\n', 'a.yaml'), /exfil must be "warn" or "deny"/);
	});

	it('travels as an exfil-warn line of the canonical policy, so the approval and the hash cover it', () => {
		const plan = buildPlan({ project: parsePolicyText(POLICY, 'airlock.yaml'), presetsDir });
		assert.deepEqual(plan.policy.exfilWarn, ['*.cdn.example.com']);
		const text = canonicalText(plan.policy);
		assert.equal(text, 'airlock-policy 1\nmode enforce\nallow *.api.example.com\nallow *.cdn.example.com\nallow api.example.com\nexfil-warn *.cdn.example.com\n');
		assert.deepEqual(parseCanonicalText(text), plan.policy);
		const without = buildPlan({ project: parsePolicyText(POLICY.replace('exfil: warn, ', ''), 'airlock.yaml'), presetsDir });
		assert.notEqual(policyHash(without.policy), policyHash(plan.policy));
		assert.equal(canonicalText(without.policy).includes('exfil-warn'), false, 'policies without it keep their text and hash');
		const row = plan.entries.find((e) => e.host === '*.cdn.example.com');
		assert.ok(row?.risks.some((r) => r.kind === 'exfil-warn' && /let through and flagged/.test(r.message)));
		assert.deepEqual(diffPlans(without, plan).changed.map((c) => c.what), [['exfiltration suspects now only flagged (exfil: warn)']]);
	});

	it('does not apply to a wildcard folded into a broader one, and says so', () => {
		const plan = buildPlan({ project: parsePolicyText('version: 1\nbaseline: false\nallow:\n  - "*.example.com"\n  - { host: "*.cdn.example.com", exfil: warn }\n', 'a'), presetsDir });
		assert.equal(plan.policy.exfilWarn, undefined);
		assert.ok(plan.notes.some((n) => /exfil: warn on \*\.cdn\.example\.com does not apply/.test(n)));
	});

	it('an exact host folded into a wildcard stays an exact rule: exact entries are never scored', () => {
		const plan = buildPlan({ project: parsePolicyText('version: 1\nbaseline: false\nallow:\n  - "*.cdn.example.com"\n  - 0a4d55a8d778e5022fab701977c5d840bbc486d0.cdn.example.com\n  - { host: git.cdn.example.com, ports: [22] }\n  - { host: "*.cdn.example.com", ports: [22] }\n', 'a'), presetsDir });
		assert.deepEqual(plan.entries.map((e) => e.host), ['*.cdn.example.com'], 'shown once, under the wildcard');
		assert.equal(canonicalText(plan.policy), 'airlock-policy 1\nmode enforce\nallow *.cdn.example.com\nallow *.cdn.example.com:22\nallow 0a4d55a8d778e5022fab701977c5d840bbc486d0.cdn.example.com\nallow git.cdn.example.com:22\n');
	});

	it('is a Feature option only when set', () => {
		const plan = buildPlan({ project: parsePolicyText(POLICY, 'airlock.yaml'), presetsDir });
		assert.equal(featureExfilWarnOption(plan.policy), '*.cdn.example.com');
		assert.equal(featureOptions(plan.policy, 3128, false).exfilWarn, '*.cdn.example.com');
		assert.equal('exfilWarn' in featureOptions({ mode: 'enforce', rules: [{ host: 'a.example.com' }] }, 3128, false), false);
	});

	it('every option Airlock writes is declared by the Feature (type string, default empty) and read by its installer', () => {
		const featureDir = join(root, 'devcontainer-feature', 'src', 'airlock');
		const declared = (JSON.parse(fs.readFileSync(join(featureDir, 'devcontainer-feature.json'), 'utf8')) as { options: Record<string, { type: string; default: unknown }> }).options;
		const installer = fs.readFileSync(join(featureDir, 'install-airlock.sh'), 'utf8');
		const written = featureOptions(buildPlan({ project: parsePolicyText(POLICY, 'airlock.yaml'), presetsDir }).policy, 3128, true);
		assert.ok(Object.keys(written).includes('exfilWarn'));
		for (const name of Object.keys(written)) {
			assert.ok(declared[name], `devcontainer-feature.json declares ${name}`);
			// The devcontainer CLI passes an option to install.sh as its name in upper case.
			assert.match(installer, new RegExp(`^${name.toUpperCase()}=\\$\\{${name.toUpperCase()}:-`, 'm'), `install-airlock.sh reads ${name}`);
		}
		assert.deepEqual([declared.exfilWarn?.type, declared.exfilWarn?.default], ['string', '']);
	});

	it('devcontainer.json carries it, and check names a changed or stale exfilWarn option', () => {
		const { workspace, options } = prepareCase('no-config');
		try {
			const policy = { ...options.policy, rules: [...options.policy.rules, { host: '*.cdn.example.com' }], exfilWarn: ['*.cdn.example.com'] };
			const plan = planDevcontainer({ ...options, policy });
			writeDevcontainer(plan, { ...options, policy });
			assert.match(fs.readFileSync(plan.file, 'utf8'), /"exfilWarn": "\*\.cdn\.example\.com"/);
			assert.equal(checkDevcontainer(workspace, policy).ok, true);
			const without = { ...policy, exfilWarn: undefined };
			const stale = checkDevcontainer(workspace, without);
			assert.equal(stale.ok, false);
			assert.match(stale.problems.join('\n'), /exfilWarn is "\*\.cdn\.example\.com", the approved plan sets none|options Airlock does not set: exfilWarn/);
		} finally {
			fs.rmSync(path.dirname(workspace), { recursive: true, force: true });
		}
	});

	it('the container validates exfil-warn lines (bash, lib/common.sh with the generated grammar)', function () {
		this.timeout(30_000);
		const dir = mkdtempSync(join(tmpdir(), 'airlock-exfilwarn-'));
		try {
			const check = (text: string): string => {
				writeFileSync(join(dir, 'policy'), text);
				const r = spawnSync('bash', ['-c', `. "${lib}/common.sh"; . "${lib}/grammar.sh"; airlock_validate_policy "$1" && echo OK`, 'x', join(dir, 'policy')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
				return r.stdout.trim();
			};
			assert.equal(check('airlock-policy 1\nmode enforce\nallow *.cdn.example.com\nexfil-warn *.cdn.example.com\n'), 'OK');
			assert.equal(check('airlock-policy 1\nmode enforce\nallow *.cdn.example.com:22\nexfil-warn *.cdn.example.com\n'), 'OK');
			assert.match(check('airlock-policy 1\nmode enforce\nallow a.example.com\nexfil-warn *.cdn.example.com\n'), /line 4: \*\.cdn\.example\.com: exfil-warn for a wildcard the policy does not allow/);
			assert.match(check('airlock-policy 1\nmode enforce\nallow a.example.com\nexfil-warn a.example.com\n'), /exfil-warn applies to a wildcard/);
			assert.match(check('airlock-policy 1\nmode enforce\nexfil-warn *.cdn.example.com\nallow *.cdn.example.com\n'), /line 3/);
			assert.match(check('airlock-policy 1\nmode enforce\nallow *.cdn.example.com\nexfil-warn *.cdn.example.com:443\n'), /without a port/);
			assert.match(check('airlock-policy 1\nmode enforce\nallow *.cdn.example.com\nexfil-warn *.cdn.example.com deny all\n'), /line 4/);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('proxy log: exfiltration signals and access requests', () => {
	const base = { time: 1, client: '127.0.0.1', method: 'CONNECT', port: 443, status: 403, bytes: 0, enforced: true };
	it('reads the exfil signals and the ask field; drops anything odd in them', () => {
		const suspect = parseProxyLogLine(JSON.stringify({ ...base, host: 'x.cdn.example.com', verdict: 'deny', rule: 'exfil-suspect', exfil: 'hex-label,credential:github-token', ask: '-' }));
		assert.deepEqual([suspect?.rule, suspect?.exfil], ['exfil-suspect', ['hex-label', 'credential:github-token']]);
		assert.equal(suspect && isExfilSignal(suspect), true);
		assert.equal(suspect && formatBlockedLine(suspect), 'BLOCKED CONNECT x.cdn.example.com:443 — looks like data leaving in the name or URL (hex-label, credential:github-token)');
		const warned = parseProxyLogLine(JSON.stringify({ ...base, host: 'y.cdn.example.com', verdict: 'allow', rule: 'allowlisted', status: 200, exfil: 'entropy', ask: '-' }));
		assert.equal(warned && isExfilSignal(warned), true);
		assert.match(warned ? formatAllowedLine(warned) : '', /let through \(exfil: warn\): entropy/);
		const odd = parseProxyLogLine(JSON.stringify({ ...base, host: 'z.example.com', verdict: 'deny', rule: 'not-allowlisted', exfil: '<script>,ok-signal', ask: 'v=1;host=a' }));
		assert.deepEqual([odd?.exfil, odd?.ask], [['ok-signal'], undefined]);
		const old = parseProxyLogLine(JSON.stringify({ ...base, host: 'z.example.com', verdict: 'deny', rule: 'not-allowlisted' }));
		assert.deepEqual([old?.exfil, old?.ask], [undefined, undefined], 'lines from a Feature before these fields still parse');
		const request = parseProxyLogLine(JSON.stringify({ ...base, host: 'request.airlock.invalid', method: 'GET', port: 80, verdict: 'deny', rule: 'access-request', exfil: '-', ask: 'v=1;host=a.example.com;port=;why=x' }));
		assert.equal(request?.ask, 'v=1;host=a.example.com;port=;why=x');
		const huge = parseProxyLogLine(JSON.stringify({ ...base, host: 'request.airlock.invalid', verdict: 'deny', rule: 'access-request', ask: 'x'.repeat(9000) }));
		assert.equal(huge?.ask, undefined, 'an oversized request is not read');
	});
});
