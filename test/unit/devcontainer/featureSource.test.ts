import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
	airlockVersion,
	checkDevcontainer,
	decideFeatureSource,
	featureContentHash,
	featureRefProblem,
	inspectCopy,
	planDevcontainer,
	shippedFeatureDir,
	STAMP_FILE,
	writeDevcontainer,
} from '../../../extension/core/devcontainer';
import { InvalidInputError } from '../../../extension/core/errors';
import { APPROVED, REPO_ROOT, tempDir } from './fixtureCases';

const SHIPPED = path.join(REPO_ROOT, 'devcontainer-feature', 'src', 'airlock');

describe('the Feature source: one rule', () => {
	const current = (keys: string[], copyDir = '/nonexistent/.devcontainer/airlock') => ({ kind: 'folder' as const, keys, copyDir });

	it('finds the Feature that ships with this Airlock, and its version', () => {
		assert.equal(shippedFeatureDir(), SHIPPED);
		assert.equal(airlockVersion(), (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
	});

	it('versions the Feature with Airlock itself, so a published tag names the Airlock it came from', () => {
		const feature = JSON.parse(fs.readFileSync(path.join(SHIPPED, 'devcontainer-feature.json'), 'utf8')) as { version: string };
		assert.equal(feature.version, airlockVersion());
	});

	it('gives a config with no Airlock entry the shipped copy (no registry needed)', () => {
		const d = decideFeatureSource(current([]), undefined, SHIPPED);
		assert.deepEqual(d.source, { kind: 'local', featureDir: SHIPPED, origin: 'shipped' });
		assert.match(d.why, /no registry needed/);
	});

	it('keeps a local ./airlock entry local (generate never turns it into a registry reference)', () => {
		assert.deepEqual(decideFeatureSource(current(['./airlock']), undefined, SHIPPED).source, { kind: 'local', featureDir: SHIPPED, origin: 'shipped' });
		assert.deepEqual(decideFeatureSource({ ...current(['./.devcontainer/airlock']), kind: 'root' }, undefined, SHIPPED).source.kind, 'local');
	});

	it('keeps a published reference that can work, and says so', () => {
		const d = decideFeatureSource(current(['ghcr.io/acme/features/airlock:0']), undefined, SHIPPED);
		assert.deepEqual(d.source, { kind: 'published', ref: 'ghcr.io/acme/features/airlock:0' });
		assert.match(d.why, /kept/);
	});

	it('moves only the never-published reference of earlier versions to the shipped copy, saying why', () => {
		for (const ref of ['ghcr.io/airlock-dev/features/airlock:0', 'ghcr.io/airlock-dev/features/airlock:0.0.1', 'GHCR.io/airlock-dev/features/airlock']) {
			const d = decideFeatureSource(current([ref]), undefined, SHIPPED);
			assert.equal(d.source.kind, 'local', ref);
			assert.match(d.why, /never published/);
		}
	});

	it('lets an explicit choice win: the person asked for it', () => {
		const ref = { kind: 'published' as const, ref: 'localhost:5000/airlock/airlock:0' };
		assert.deepEqual(decideFeatureSource(current(['./airlock']), ref, SHIPPED).source, ref);
		const dir = { kind: 'local' as const, featureDir: '/src/feature', origin: 'feature-path' as const };
		assert.deepEqual(decideFeatureSource(current(['ghcr.io/acme/features/airlock:0']), dir, SHIPPED).source, dir);
	});

	it('accepts OCI references and rejects anything else with the reason', () => {
		const at = { file: '--feature-ref', line: 1, column: 1 };
		for (const ok of ['ghcr.io/acme/features/airlock:0', 'localhost:5000/airlock/airlock:1.2.3', `registry.example.com/a/b/airlock@sha256:${'a'.repeat(64)}`, 'ghcr.io/acme/airlock']) {
			assert.equal(featureRefProblem(ok, at), undefined, ok);
		}
		for (const bad of ['airlock', './airlock', 'https://ghcr.io/acme/airlock:0', 'ghcr.io/acme/airlock:0 --evil', 'GHCR.IO/Acme/airlock:0', 'ghcr.io/acme/airlock:']) {
			assert.match(featureRefProblem(bad, at)?.message ?? '', /not an OCI reference/, bad);
		}
		assert.match(featureRefProblem('ghcr.io/airlock-dev/features/airlock:0', at)?.message ?? '', /never published/);
	});
});

describe('the Feature copy in the workspace', () => {
	const cleanups: string[] = [];
	afterEach(() => {
		for (const dir of cleanups.splice(0)) {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
	function workspace(config = '{ "image": "x", "remoteUser": "dev" }\n'): string {
		const ws = path.join(tempDir('copy'), 'project');
		cleanups.push(path.dirname(ws));
		fs.mkdirSync(path.join(ws, '.devcontainer'), { recursive: true });
		fs.writeFileSync(path.join(ws, '.devcontainer', 'devcontainer.json'), config);
		return ws;
	}
	const copyOf = (ws: string) => path.join(ws, '.devcontainer', 'airlock');
	function generate(ws: string): ReturnType<typeof planDevcontainer> {
		const plan = planDevcontainer({ workspace: ws, policy: APPROVED });
		writeDevcontainer(plan, { workspace: ws, policy: APPROVED });
		return plan;
	}

	it('is the shipped Feature, stamped with the Airlock version and its content hash, with LF kept by .gitattributes', () => {
		const ws = workspace();
		const plan = generate(ws);
		assert.equal(plan.localFeatureStale, true);
		const stamp = JSON.parse(fs.readFileSync(path.join(copyOf(ws), STAMP_FILE), 'utf8')) as Record<string, string>;
		assert.equal(stamp.airlockVersion, airlockVersion());
		assert.equal(stamp.origin, 'shipped');
		assert.equal(stamp.contentHash, featureContentHash(SHIPPED));
		assert.match(fs.readFileSync(path.join(copyOf(ws), '.gitattributes'), 'utf8'), /\* text eol=lf/);
		assert.equal(inspectCopy(copyOf(ws), SHIPPED).kind, 'in-step');
		assert.match(fs.readFileSync(plan.file, 'utf8'), /"\.\/airlock": \{/);
		assert.deepEqual(checkDevcontainer(ws, APPROVED).problems, []);
	});

	it('reports an older copy (unedited, from another Airlock) and generate brings it in step', () => {
		const ws = workspace();
		generate(ws);
		// What an older Airlock would have written: other Feature content, stamped consistently.
		const stampFile = path.join(copyOf(ws), STAMP_FILE);
		fs.appendFileSync(path.join(copyOf(ws), 'NOTES.md'), '\nOlder text.\n');
		const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as Record<string, string>;
		fs.writeFileSync(stampFile, JSON.stringify({ ...stamp, airlockVersion: '0.0.9', contentHash: featureContentHash(copyOf(ws)) }));
		assert.equal(inspectCopy(copyOf(ws), SHIPPED).kind, 'other-version');
		const problems = checkDevcontainer(ws, APPROVED).problems.join('\n');
		assert.match(problems, /written by Airlock 0\.0\.9; it differs from the Feature this Airlock \([^)]+\) ships \(NOTES\.md\); run `airlock generate`/);
		const again = generate(ws);
		assert.equal(again.localFeatureStale, true);
		assert.equal(inspectCopy(copyOf(ws), SHIPPED).kind, 'in-step');
		assert.deepEqual(checkDevcontainer(ws, APPROVED).problems, []);
	});

	it('reports an edited copy, naming the files, and generate refuses to overwrite it (nothing is lost)', () => {
		const ws = workspace();
		generate(ws);
		const edited = path.join(copyOf(ws), 'lib', 'firewall.sh');
		fs.appendFileSync(edited, 'iptables -P OUTPUT ACCEPT\n');
		const editedText = fs.readFileSync(edited, 'utf8');
		assert.equal(inspectCopy(copyOf(ws), SHIPPED).kind, 'edited');
		assert.match(checkDevcontainer(ws, APPROVED).problems.join('\n'), /edited after Airlock wrote it \(lib\/firewall\.sh differ from the Feature Airlock .* ships\); to restore it delete the folder and run `airlock generate`/);
		assert.throws(() => planDevcontainer({ workspace: ws, policy: APPROVED }), (err: unknown) =>
			err instanceof InvalidInputError && /was edited after Airlock wrote it \(lib\/firewall\.sh differ\); Airlock does not overwrite it/.test(err.message) && /delete \.devcontainer\/airlock and run `airlock generate`/.test(err.message));
		assert.equal(fs.readFileSync(edited, 'utf8'), editedText);
		// The way out the message names works.
		fs.rmSync(copyOf(ws), { recursive: true });
		generate(ws);
		assert.equal(inspectCopy(copyOf(ws), SHIPPED).kind, 'in-step');
	});

	it('adopts an unstamped copy identical to the shipped Feature (written before stamps) and refuses a foreign one', () => {
		const ws = workspace('{ "image": "x", "remoteUser": "dev", "features": { "./airlock": {} } }\n');
		fs.cpSync(SHIPPED, copyOf(ws), { recursive: true });
		assert.deepEqual(inspectCopy(copyOf(ws), SHIPPED), { kind: 'unstamped', files: [] });
		assert.match(checkDevcontainer(ws, APPROVED).problems.join('\n'), /airlock-copy\.json: missing \(the copy was written by an Airlock from before stamps\); run `airlock generate`/);
		generate(ws);
		assert.equal(inspectCopy(copyOf(ws), SHIPPED).kind, 'in-step');

		const foreign = workspace('{ "image": "x", "remoteUser": "dev", "features": { "./airlock": {} } }\n');
		fs.cpSync(SHIPPED, copyOf(foreign), { recursive: true });
		fs.writeFileSync(path.join(copyOf(foreign), 'install.sh'), '#!/bin/sh\nexit 0\n');
		assert.throws(() => planDevcontainer({ workspace: foreign, policy: APPROVED }), /was not written by Airlock \(no valid airlock-copy\.json; install\.sh differ from the shipped Feature\)/);
	});

	it('reports a missing .gitattributes beside the copy', () => {
		const ws = workspace();
		generate(ws);
		fs.rmSync(path.join(copyOf(ws), '.gitattributes'));
		assert.match(checkDevcontainer(ws, APPROVED).problems.join('\n'), /\.gitattributes: missing or changed/);
		generate(ws);
		assert.deepEqual(checkDevcontainer(ws, APPROVED).problems, []);
	});

	it('writes no copy for a published reference, and moves the never-published one to the shipped copy', () => {
		const published = workspace('{ "image": "x", "remoteUser": "dev", "features": { "ghcr.io/acme/features/airlock:0": {} } }\n');
		const plan = generate(published);
		assert.equal(plan.feature.source.kind, 'published');
		assert.equal(fs.existsSync(copyOf(published)), false);
		assert.match(fs.readFileSync(plan.file, 'utf8'), /"ghcr\.io\/acme\/features\/airlock:0": \{/);

		const legacy = workspace('{ "image": "x", "remoteUser": "dev", "features": { "ghcr.io/airlock-dev/features/airlock:0": {} } }\n');
		const moved = generate(legacy);
		assert.match(moved.feature.why, /never published/);
		assert.doesNotMatch(fs.readFileSync(moved.file, 'utf8'), /ghcr\.io\/airlock-dev/);
		assert.equal(inspectCopy(copyOf(legacy), SHIPPED).kind, 'in-step');
	});
});
