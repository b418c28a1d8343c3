/*
 * `airlock-ctl apply` reads at most 1 MiB. A larger policy must be refused whole, never cut to
 * fit: the worst case is one whose first MiB ends on a line boundary and is valid on its own.
 */
import * as assert from 'node:assert/strict';
import { canonicalText } from '../../extension/core/enforcedPolicy';
import { createDockerClient } from '../../extension/docker/connect';
import { applyPolicy, readStatus } from '../../extension/docker/control';
import { ApplyRejectedError } from '../../extension/docker/errors';
import { ALLOWED, assertAllowedThroughProxy, useLockedWorld } from './lib/fixture';

const READ_LIMIT = 1024 * 1024;
const HEADER = 'airlock-policy 1\nmode enforce\n';

/**
 * About 10 MB of valid, sorted allow lines whose first READ_LIMIT bytes end exactly at a line
 * end: lines of 205 and 206 bytes (long but valid host names) fill the first MiB exactly.
 */
function policyCutOnALineBoundary(): string {
	const host = (i: number, lastLabel: number): string => `h${String(i).padStart(6, '0')}.${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(lastLabel)}.example`;
	const lineBytes = (i: number, lastLabel: number): number => `allow ${host(i, lastLabel)}\n`.length;
	const budget = READ_LIMIT - HEADER.length;
	const short = lineBytes(0, 60);
	const count = Math.floor(budget / short);
	const longer = budget - count * short;
	const lines: string[] = [];
	for (let i = 0; i < count; i++) {
		lines.push(`allow ${host(i, i < longer ? 61 : 60)}`);
	}
	let bytes = READ_LIMIT;
	for (let i = count; bytes < 10 * 1024 * 1024; i++) {
		lines.push(`allow ${host(i, 60)}`);
		bytes += lineBytes(i, 60);
	}
	const text = HEADER + lines.join('\n') + '\n';
	assert.equal(text.slice(0, READ_LIMIT).endsWith('\n'), true);
	return text;
}

describe('reliability: a policy over 1 MiB is refused by airlock-ctl apply, not truncated', function () {
	this.timeout(600_000);
	const { docker } = createDockerClient();
	const locked = useLockedWorld('apply-truncation');
	const goodPolicy = canonicalText({ mode: 'enforce', rules: [{ host: ALLOWED }, { host: ALLOWED, port: 8443 }] });

	it('refuses a 10 MB policy whose first MiB is valid on its own; the last good policy stays', async () => {
		const good = await applyPolicy(docker, locked.ws.container, goodPolicy);
		await assertAllowedThroughProxy(locked.ws.container);
		const text = policyCutOnALineBoundary();
		let outcome: unknown;
		try {
			outcome = await applyPolicy(docker, locked.ws.container, text);
		} catch (err) {
			outcome = err;
		}
		const live = await readStatus(docker, locked.ws.container);
		assert.ok(outcome instanceof ApplyRejectedError,
			`a ${(text.length / 1e6).toFixed(1)} MB policy was accepted (${JSON.stringify(outcome)}): the container now enforces ${live.hosts} hosts, hash ${live.policyHash}`);
		assert.equal(live.policyHash, good.policyHash);
		await assertAllowedThroughProxy(locked.ws.container);
	});
});
