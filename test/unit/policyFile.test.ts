import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePolicyText, readPolicyFile } from '../../extension/core/policyFile';
import { InvalidInputError, formatProblem, type SourceProblem } from '../../extension/core/errors';
import { makeTempWorkspace } from './helpers/tempWorkspace';

const FILE = '/ws/.devcontainer/airlock.yaml';

function problemsOf(text: string): SourceProblem[] {
	try {
		parsePolicyText(text, FILE);
	} catch (err) {
		assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
		return [...err.problems];
	}
	assert.fail('expected the policy to be rejected');
}

describe('policy file', () => {
	it('reads every entry form, canonicalised, with positions', () => {
		const policy = parsePolicyText(
			[
				'version: 1',
				'mode: audit',
				'baseline: false',
				'presets: [github, npm]',
				'allow:',
				'  - API.Example.COM.',
				'  - "*.example.org"',
				'  - { host: github.com, ports: [22, 22], reason: "git over ssh" }',
				'  - host: xn--bcher-kva.example',
				'',
			].join('\n'),
			FILE,
		);
		assert.equal(policy.mode, 'audit');
		assert.equal(policy.baseline, false);
		assert.deepEqual(policy.presets.map((p) => [p.name, p.line, p.column]), [['github', 4, 11], ['npm', 4, 19]]);
		assert.deepEqual(
			policy.allow.map((e) => [e.host, e.wildcard, e.ports, e.reason, e.line, e.column]),
			[
				['api.example.com', false, undefined, undefined, 6, 5],
				['*.example.org', true, undefined, undefined, 7, 6],
				['github.com', false, [22], 'git over ssh', 8, 13],
				['xn--bcher-kva.example', false, undefined, undefined, 9, 11],
			],
		);
		assert.equal(policy.allow[3].unicode, 'bücher.example');
	});

	it('treats an empty file as allowing nothing', () => {
		assert.deepEqual(parsePolicyText('', FILE).allow, []);
		assert.deepEqual(parsePolicyText('# only a comment\n', FILE).allow, []);
	});

	it('points at the offending character of a bad host, with a hint', () => {
		const [p] = problemsOf('version: 1\nallow:\n  - "api.exa mple.com"\n');
		assert.equal(p.line, 3);
		assert.equal(p.column, 6 + 'api.exa'.length);
		assert.equal(p.entry, 'api.exa mple.com');
		assert.ok(p.hint && p.hint.length > 0);
		assert.match(formatProblem(p), /^\/ws\/\.devcontainer\/airlock\.yaml:3:\d+: error: /);
	});

	it('rejects the whole file and reports every problem at once', () => {
		const problems = problemsOf(['version: 1', 'allow:', '  - 10.0.0.1', '  - ok.example.com', '  - "https://x.example.com/"', '  - localhost', ''].join('\n'));
		assert.deepEqual(problems.map((p) => p.line), [3, 5, 6]);
	});

	it('rejects IP literals written as YAML numbers or strings', () => {
		const problems = problemsOf('version: 1\nallow:\n  - 2130706433\n  - 127.0.0.1\n');
		assert.equal(problems.length, 2);
		assert.equal(problems[0].line, 3);
		assert.equal(problems[1].line, 4);
	});

	it('rejects unknown keys, a wrong version, a wrong mode and bad ports', () => {
		const problems = problemsOf([
			'version: 2',
			'mode: block',
			'alow: []',
			'allow:',
			'  - { host: a.example.com, ports: [0, 65536, "22", 2.5], why: x }',
			'',
		].join('\n'));
		const messages = problems.map((p) => `${p.line}:${p.column} ${p.message}`);
		assert.equal(problems.length, 8, messages.join('\n'));
		assert.ok(messages[0].startsWith('1:10 version must be 1'));
		assert.ok(messages[1].startsWith('2:7 mode must be'));
		assert.ok(messages[2].startsWith('3:1 unknown key "alow"'));
	});

	it('requires version: 1', () => {
		const [p] = problemsOf('allow: [a.example.com]\n');
		assert.match(p.message, /version/);
	});

	it('reports YAML syntax errors with a position', () => {
		const [p] = problemsOf('version: 1\nallow:\n  - *.example.com\n');
		assert.equal(p.line, 3);
		assert.match(p.message, /alias/);
		assert.match(p.hint ?? '', /quote/);
		const [syntax] = problemsOf('version: 1\nallow: [a.example.com\n');
		assert.match(syntax.message, /YAML syntax/);
	});

	it('rejects duplicate keys instead of letting the last one win', () => {
		const problems = problemsOf('version: 1\nallow: [a.example.com]\nallow: [b.example.com]\n');
		assert.equal(problems[0].line, 3);
	});

	it('returns undefined for a missing file and fails loudly for an unreadable one', () => {
		const ws = makeTempWorkspace();
		try {
			assert.equal(readPolicyFile(path.join(ws.dir, 'none.yaml')), undefined);
			const dirAsFile = path.join(ws.dir, 'airlock.yaml');
			fs.mkdirSync(dirAsFile);
			assert.throws(() => readPolicyFile(dirAsFile), (err: unknown) => err instanceof InvalidInputError && /cannot read/.test(err.message));
		} finally {
			ws.cleanup();
		}
	});
});
