import { strict as assert } from 'node:assert';
import { proposeAllowEntries } from '../../extension/core/views/allowProposals';

describe('views: "Allow…" proposals', () => {
	it('offers the exact host and the wildcard over its registrable domain, with the wildcard risk', () => {
		const result = proposeAllowEntries('uploads.cdn.example.net', [443]);
		assert.ok(result.ok);
		assert.deepEqual(result.proposals.map((p) => p.host), ['uploads.cdn.example.net', '*.example.net']);
		assert.equal(result.proposals[0].ports, undefined);
		assert.ok(result.proposals[1].risks.some((r) => r.kind === 'broad-wildcard'), JSON.stringify(result.proposals[1].risks));
		assert.match(result.proposals[1].detail, /not example\.net itself/);
	});

	it('offers only the exact host for a registrable domain itself', () => {
		const result = proposeAllowEntries('example.net');
		assert.ok(result.ok);
		assert.deepEqual(result.proposals.map((p) => p.host), ['example.net']);
	});

	it('never proposes a wildcard on a public suffix (private suffixes included)', () => {
		const result = proposeAllowEntries('someone.github.io');
		assert.ok(result.ok);
		assert.deepEqual(result.proposals.map((p) => p.host), ['someone.github.io']);
	});

	it('carries a non-web port into the proposal with its risk', () => {
		const result = proposeAllowEntries('git.example.org', [22]);
		assert.ok(result.ok);
		assert.deepEqual(result.proposals[0].ports, [22]);
		assert.ok(result.proposals[0].risks.some((r) => r.kind === 'non-http-port'));
	});

	it('shows an IDN decoded in the label', () => {
		const result = proposeAllowEntries('xn--bcher-kva.example.com');
		assert.ok(result.ok);
		assert.equal(result.proposals[0].label, 'bücher.example.com (xn--bcher-kva.example.com)');
	});

	it('refuses what the grammar refuses (an IP literal), saying why', () => {
		const result = proposeAllowEntries('203.0.113.7');
		assert.equal(result.ok, false);
		assert.match(result.ok ? '' : result.message, /^203\.0\.113\.7 cannot be allowed: /);
	});
});
