import assert from 'node:assert/strict';
import { checkHost, publicSuffixesUnder } from '../../extension/core/hostname';
import { parsePolicyText } from '../../extension/core/policyFile';
import { InvalidInputError } from '../../extension/core/errors';

/**
 * A wildcard that covers public suffixes is refused like a wildcard on one: `*.amazonaws.com`
 * covers s3.amazonaws.com and hundreds of other names from the Public Suffix List's private
 * section, under which anyone can create names. The error names the endpoints to list instead.
 */
describe('host grammar: wildcards that cover public suffixes', () => {
	it('finds the suffixes under a domain from the list tldts ships', () => {
		const aws = publicSuffixesUnder('amazonaws.com');
		assert.ok(aws.total > 100, `amazonaws.com has many suffixes under it (${aws.total})`);
		assert.ok(aws.examples.includes('s3.amazonaws.com'), aws.examples.join(', '));
		assert.equal(publicSuffixesUnder('example.com').total, 0);
		assert.equal(publicSuffixesUnder('gallerycdn.vsassets.io').total, 0);
		assert.ok(publicSuffixesUnder('core.windows.net').examples.includes('blob.core.windows.net'));
	});

	for (const wildcard of ['*.amazonaws.com', '*.core.windows.net', '*.windows.net', '*.io', '*.com']) {
		it(`refuses ${wildcard}`, () => {
			const r = checkHost(wildcard);
			assert.equal(r.ok, false);
			assert.equal(!r.ok && r.code, 'wildcard-public-suffix');
		});
	}

	it('names the endpoints to list instead', () => {
		const r = checkHost('*.amazonaws.com');
		assert.ok(!r.ok);
		assert.match(r.message, /public suffixes inside "amazonaws\.com" \(s3\.amazonaws\.com/);
		assert.match(r.message, /and \d+ more\), where anyone can register names/);
		assert.match(r.hint, /list the exact endpoints you use instead, e\.g\. s3\.amazonaws\.com/);
	});

	for (const accepted of ['*.example.com', '*.mybucket.s3.amazonaws.com', '*.gallerycdn.vsassets.io', '*.eu.example.org']) {
		it(`accepts ${accepted}: one owner controls every name under it`, () => {
			assert.equal(checkHost(accepted).ok, true);
		});
	}

	it('exact hosts under such domains stay allowed', () => {
		for (const host of ['s3.amazonaws.com', 'sts.amazonaws.com', 'mybucket.s3.amazonaws.com', 'acct.blob.core.windows.net']) {
			assert.equal(checkHost(host).ok, true, host);
		}
	});

	it('a policy file with such a wildcard is refused at its line and column', () => {
		const text = 'version: 1\nallow:\n  - api.example.com\n  - "*.amazonaws.com"\n';
		assert.throws(() => parsePolicyText(text, 'airlock.yaml'), (err: unknown) => {
			assert.ok(err instanceof InvalidInputError);
			assert.deepEqual([err.problems[0].line, err.problems[0].column], [4, 6]);
			assert.match(err.problems[0].message, /s3\.amazonaws\.com/);
			return true;
		});
	});

	it('refuses the name the proxy keeps for access requests', () => {
		const r = checkHost('request.airlock.invalid');
		assert.equal(!r.ok && r.code, 'special-name');
	});
});
