import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyProposalToText, isEmptyProposal, proposalDiff, proposeFromLog } from '../../extension/core/propose';
import { buildPlan } from '../../extension/core/plan';
import { parsePolicyText } from '../../extension/core/policyFile';
import { loadAllPresets } from '../../extension/core/presets';
import { parseProxyLog, type ProxyLogEntry } from '../../extension/core/proxyLog';
import { allowItemText, appendToTopLevelList, removeAllowItems } from '../../extension/core/policyTextEdit';
import { unifiedDiff } from '../../extension/core/textDiff';

/**
 * `airlock propose` over recorded logs (test/fixtures/propose/): the same session recorded in
 * audit mode and as a blocked log gives one reviewed, minimal diff to airlock.yaml — presets
 * where they cover what was seen, a wildcard only over several names, the person's comments and
 * layout untouched, nothing it must never propose.
 */
const root = path.resolve(__dirname, '..', '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'propose');
const presetsDir = path.join(root, 'presets');
const FILE = '.devcontainer/airlock.yaml';

function proposeFor(logName: string, policyText = fs.readFileSync(path.join(fixtures, 'airlock.yaml'), 'utf8')): { text: string; after: string; diff: string; proposal: ReturnType<typeof proposeFromLog> } {
	const project = parsePolicyText(policyText, FILE);
	const plan = buildPlan({ project, presetsDir });
	const { entries } = parseProxyLog(fs.readFileSync(path.join(fixtures, logName), 'utf8'));
	const proposal = proposeFromLog(entries, plan.policy, loadAllPresets(presetsDir), project.presets.map((p) => p.name));
	const after = applyProposalToText(policyText, FILE, proposal);
	return { text: policyText, after, diff: proposalDiff(policyText, after, FILE), proposal };
}

describe('airlock propose: recorded logs to a reviewed, minimal diff', () => {
	it('an audit log gives exactly the reviewed diff', () => {
		const { diff } = proposeFor('audit.log');
		assert.equal(diff, fs.readFileSync(path.join(fixtures, 'audit.expected.diff'), 'utf8'));
	});

	it('the same session as a blocked log (enforce mode) gives the same diff', () => {
		assert.equal(proposeFor('blocked.log').diff, proposeFor('audit.log').diff);
	});

	it('proposes presets for what they cover, instead of listing their hosts', () => {
		const { proposal } = proposeFor('audit.log');
		assert.deepEqual(proposal.presets.map((p) => [p.name, p.covers]), [
			['github', ['api.github.com', 'codeload.github.com', 'github.com', 'objects.githubusercontent.com']],
			['npm', ['registry.npmjs.org']],
		]);
		assert.ok(!proposal.entries.some((e) => /github|npmjs/.test(e.host)));
	});

	it('a wildcard only over several names, at the deepest parent; two names stay exact', () => {
		const { proposal } = proposeFor('audit.log');
		const wildcard = proposal.entries.find((e) => e.host.startsWith('*.'));
		assert.deepEqual(wildcard?.host, '*.cdn-assets.example.net');
		assert.deepEqual(wildcard?.names, ['fonts.cdn-assets.example.net', 'img1.cdn-assets.example.net', 'img2.cdn-assets.example.net']);
		assert.ok(proposal.entries.some((e) => e.host === 'cdn-assets.example.net'), 'the apex is not under its own wildcard');
		assert.ok(proposal.entries.some((e) => e.host === 'only-two-a.example.org'));
		assert.ok(!proposal.entries.some((e) => e.host === '*.example.org'));
	});

	it('never a wildcard on a public suffix, or one that covers some', () => {
		const entries = ['a.s3.amazonaws.com', 'b.s3.amazonaws.com', 'c.s3.amazonaws.com', 'x.github.io', 'y.github.io', 'z.github.io', 'sts.amazonaws.com', 'ec2.amazonaws.com', 'iam.amazonaws.com']
			.map((host, i) => entry({ host, time: 1 + i }));
		const proposal = proposeFromLog(entries, { rules: [] }, [], []);
		assert.deepEqual(proposal.entries.filter((e) => e.host.startsWith('*.')).map((e) => e.host), []);
		assert.equal(proposal.entries.length, 9);
	});

	it('keeps tunnels exact with their ports, and skips what no allowlist entry may open', () => {
		const { proposal } = proposeFor('audit.log');
		assert.deepEqual(proposal.entries.find((e) => e.host === 'git.example.org')?.ports, [22]);
		const skipped = Object.fromEntries(proposal.skipped.map((s) => [s.target, s.why]));
		assert.match(skipped['169.254.169.254'], /ip-literal/);
		assert.match(skipped['metadata.example.net'], /private-destination/);
		assert.match(skipped['da39a3ee5e6b4b0d3255bfef95601890afd80709da39a3ee.tenant.example'], /exfiltration/);
		assert.match(skipped['q7x0k2m9z4v8w1r6t3y5p2n8.example.io'], /exfiltration \(entropy\)/);
		assert.match(skipped.localhost, /special name/);
		assert.ok(!proposal.entries.some((e) => e.host.includes('airlock.invalid')), 'access requests have their own review');
		assert.deepEqual(proposal.alreadyAllowed, ['api.example.com']);
	});

	it('the result parses, keeps every original line, and applying it twice proposes nothing more', () => {
		const { text, after } = proposeFor('audit.log');
		parsePolicyText(after, FILE);
		for (const line of text.split('\n').filter((l) => !l.startsWith('presets:'))) {
			assert.ok(after.includes(line), `kept: ${line}`);
		}
		assert.ok(isEmptyProposal(proposeFor('audit.log', after).proposal));
	});

	it('writes presets into a file that had none, before allow; and into block lists', () => {
		const text = '# no presets yet\nversion: 1\nallow:\n    - api.example.com   # keep this alignment\n';
		const after = applyProposalToText(text, FILE, { presets: [{ name: 'npm', description: '', covers: [] }], entries: [{ host: 'b.example.com', reason: 'seen once', names: [] }] });
		assert.equal(after, '# no presets yet\nversion: 1\npresets: [npm]\nallow:\n    - api.example.com   # keep this alignment\n    - { host: b.example.com, reason: "airlock propose: seen once" }\n');
	});
});

function entry(over: Partial<ProxyLogEntry>): ProxyLogEntry {
	return { time: 1, client: '127.0.0.1', method: 'CONNECT', host: 'x.example', port: 443, verdict: 'deny', enforced: false, rule: 'not-allowlisted', status: 200, bytes: 0, ...over };
}

describe('policy text edits keep the person\'s layout', () => {
	it('appends to flow and block lists, quoting wildcards and escaping reasons', () => {
		assert.equal(allowItemText({ host: '*.example.com' }), '"*.example.com"');
		assert.equal(allowItemText({ host: 'a.example.com', reason: 'say "hi" \\ <b>' }), '{ host: a.example.com, reason: "say \\"hi\\" \\\\ <b>" }');
		assert.equal(appendToTopLevelList('version: 1\nallow: [a.example.com] # inline\n', FILE, 'allow', ['b.example.com']), 'version: 1\nallow: [a.example.com, b.example.com] # inline\n');
		assert.equal(appendToTopLevelList('version: 1\nallow: []\n', FILE, 'allow', ['b.example.com']), 'version: 1\nallow: [b.example.com]\n');
		assert.equal(appendToTopLevelList('version: 1\nallow:\n', FILE, 'allow', ['b.example.com']), 'version: 1\nallow:\n  - b.example.com\n');
		assert.equal(appendToTopLevelList('version: 1', FILE, 'allow', ['b.example.com']), 'version: 1\nallow:\n  - b.example.com\n');
	});

	it('removes items with their own lines only', () => {
		const text = 'version: 1\nallow:\n  # the API\n  - api.example.com\n  - old.example.com # unused since May\n  - { host: "*.cdn.example.com", reason: "assets" }\n';
		const { text: after, removed } = removeAllowItems(text, FILE, new Set(['old.example.com', '*.cdn.example.com']));
		assert.deepEqual(removed, ['old.example.com', '*.cdn.example.com']);
		assert.equal(after, 'version: 1\nallow:\n  # the API\n  - api.example.com\n');
		assert.equal(removeAllowItems('version: 1\nallow: [a.example.com, b.example.com, c.example.com]\n', FILE, new Set(['b.example.com'])).text, 'version: 1\nallow: [a.example.com, c.example.com]\n');
		assert.equal(removeAllowItems('version: 1\nallow: [a.example.com, b.example.com]\n', FILE, new Set(['b.example.com'])).text, 'version: 1\nallow: [a.example.com]\n');
		assert.equal(removeAllowItems('version: 1\nallow:\n  - a.example.com\n', FILE, new Set(['a.example.com'])).text, 'version: 1\nallow: []\n');
	});

	it('refuses to produce an invalid file', () => {
		assert.throws(() => appendToTopLevelList('version: 1\nallow: []\n', FILE, 'allow', ['"*.com"']), /public suffix|top-level/);
	});
});

describe('unified diff', () => {
	it('prints hunks like diff -u', () => {
		assert.equal(unifiedDiff('a\nb\nc\n', 'a\nB\nc\nd\n', 'f'), '--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n');
		assert.equal(unifiedDiff('same\n', 'same\n', 'f'), '');
		const long = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n';
		const changed = long.replace('line 2\n', 'line two\n').replace('line 17\n', 'line seventeen\n');
		assert.equal((unifiedDiff(long, changed, 'f').match(/^@@/gm) ?? []).length, 2, 'far-apart changes get their own hunks');
	});
});
