import * as assert from 'node:assert/strict';
import { isLocked, parseAirlockStatus } from '../../extension/docker/status';

const HASH = 'sha256:' + 'ab'.repeat(32);
const GOOD = { state: 'locked', reason: null, mode: 'enforce', policyHash: HASH, hosts: 3, tunnels: 0, proxyPort: 3128, since: '2026-11-22T20:00:00Z' };

describe('docker: parseAirlockStatus', () => {
	it('parses the status JSON of docs/architecture.md §3', () => {
		const parsed = parseAirlockStatus(JSON.stringify(GOOD) + '\n');
		assert.ok('status' in parsed);
		assert.deepEqual(parsed.status, GOOD);
		assert.equal(isLocked(parsed.status), true);
	});

	it('treats weakened as locked and not-locked as not', () => {
		for (const [state, locked] of [['weakened', true], ['not-locked', false]] as const) {
			const parsed = parseAirlockStatus(JSON.stringify({ ...GOOD, state, reason: 'why' }));
			assert.ok('status' in parsed);
			assert.equal(isLocked(parsed.status), locked);
			assert.equal(parsed.status.reason, 'why');
		}
	});

	it('names the field that is wrong', () => {
		const cases: [Record<string, unknown>, RegExp][] = [
			[{ state: 'open' }, /status\.state is "open"/],
			[{ reason: 3 }, /status\.reason/],
			[{ mode: 'strict' }, /status\.mode is "strict"/],
			[{ policyHash: 'sha256:abc' }, /status\.policyHash/],
			[{ hosts: -1 }, /status\.hosts/],
			[{ tunnels: 1.5 }, /status\.tunnels/],
			[{ proxyPort: 0 }, /status\.proxyPort/],
			[{ since: 'yesterday' }, /status\.since/],
		];
		for (const [override, problem] of cases) {
			const parsed = parseAirlockStatus(JSON.stringify({ ...GOOD, ...override }));
			assert.ok('problem' in parsed, JSON.stringify(override));
			assert.match(parsed.problem, problem);
		}
	});

	it('says when the output is not JSON or not an object', () => {
		const notJson = parseAirlockStatus('airlock-ctl: must run as root');
		assert.ok('problem' in notJson);
		assert.match(notJson.problem, /not JSON/);
		const array = parseAirlockStatus('[]');
		assert.ok('problem' in array);
		assert.match(array.problem, /not a JSON object/);
	});
});
