import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CANONICAL_HOST_PATTERN, HostAccepted, checkHost } from '../../extension/core/hostname';
import { HOSTILE_CHARACTERS, anyHostInput, ipLike, validHost, validWithHostile, wildcardPlacement } from './hostnameArbitraries';

/**
 * Properties of the host grammar over generated input (>= 100,000 runs in total). A failure
 * prints the smallest counterexample fast-check found and the seed to replay it.
 */

/** Nothing that could end, comment out, quote, escape or extend a proxy config line. */
const CONFIG_BREAKING = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}'"`#%\\/:@;,|&$()[\]{}<>=!?^~+_]|[^\x21-\x7e]/u;

function assertSafeAccepted(raw: string, result: HostAccepted): void {
	assert.match(result.host, CANONICAL_HOST_PATTERN, `accepted ${JSON.stringify(raw)} as ${JSON.stringify(result.host)}`);
	assert.match(result.host, /^[a-z0-9.*-]+$/, `accepted ${JSON.stringify(raw)}`);
	assert.doesNotMatch(result.host, CONFIG_BREAKING, `accepted ${JSON.stringify(raw)}`);
	assert.equal(result.wildcard, result.host.startsWith('*.'));
	assert.ok(!result.host.slice(1).includes('*'), `a '*' outside the first label in ${JSON.stringify(result.host)}`);
}

describe('hostname properties (fast-check)', function () {
	// Tens of thousands of runs; generous so a slow CI machine does not time out.
	this.timeout(180_000);

	it('never throws, and anything it accepts is canonical and cannot break a config line (60,000 runs)', () => {
		fc.assert(
			fc.property(anyHostInput, (raw) => {
				const result = checkHost(raw);
				if (result.ok) {
					assertSafeAccepted(raw, result);
				} else {
					assert.ok(result.message.length > 0 && result.hint.length > 0);
					assert.ok(result.offset === undefined || (result.offset >= 0 && result.offset <= raw.length));
				}
			}),
			{ numRuns: 60_000 },
		);
	});

	it('rejects every valid host with a hostile character inserted anywhere (15,000 runs)', () => {
		fc.assert(
			fc.property(validWithHostile, (raw) => {
				const result = checkHost(raw);
				assert.equal(result.ok, false, `accepted ${JSON.stringify(raw)}: ${JSON.stringify(result)}`);
			}),
			{ numRuns: 15_000 },
		);
	});

	it('never accepts an IP literal or range (5,000 runs)', () => {
		fc.assert(
			fc.property(ipLike, (raw) => {
				assert.equal(checkHost(raw).ok, false, `accepted ${JSON.stringify(raw)}`);
			}),
			{ numRuns: 5_000 },
		);
	});

	it('accepts a wildcard only as the whole first label (5,000 runs)', () => {
		fc.assert(
			fc.property(wildcardPlacement, (raw) => {
				const result = checkHost(raw);
				if (result.ok) {
					assertSafeAccepted(raw, result);
				}
			}),
			{ numRuns: 5_000 },
		);
	});

	it('is idempotent: an accepted host is accepted again as itself (15,000 runs)', () => {
		fc.assert(
			fc.property(fc.oneof(anyHostInput, validHost), (raw) => {
				const first = checkHost(raw);
				if (first.ok) {
					const again = checkHost(first.host);
					assert.deepEqual(again, first);
				}
			}),
			{ numRuns: 15_000 },
		);
	});

	it('accepts every generated valid host, normalised (15,000 runs)', () => {
		fc.assert(
			fc.property(validHost, (raw) => {
				const result = checkHost(raw);
				assert.ok(result.ok, `rejected ${JSON.stringify(raw)}: ${result.ok ? '' : result.message}`);
				assertSafeAccepted(raw, result);
				assert.equal(result.host, raw.toLowerCase().replace(/\.$/, ''));
				assert.equal(result.unicode !== undefined, result.host.includes('xn--'));
			}),
			{ numRuns: 15_000 },
		);
	});

	it('the generators reach both verdicts and every hostile character', () => {
		// A guard against generators that drifted into producing only rejects (or only accepts).
		const sample = fc.sample(anyHostInput, { numRuns: 5_000, seed: 42 });
		const accepted = sample.filter((s) => checkHost(s).ok).length;
		assert.ok(accepted > 500 && accepted < 4_500, `accepted ${accepted} of 5000`);
		const seen = new Set(sample.join(''));
		const missing = HOSTILE_CHARACTERS.filter((c) => c.length === 1 && !seen.has(c));
		assert.deepEqual(missing, []);
	});
});
