import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInputError, formatProblem } from '../../extension/core/errors';
import { checkHost } from '../../extension/core/hostname';
import { BASELINE_PRESET, UnknownPresetError, type Preset, listPresets, loadAllPresets, loadPreset, presetsDirectory } from '../../extension/core/presets';

/** Presets the product promises (docs, `airlock init`); more may be added. */
const REQUIRED_PRESETS = [
	'alpine', 'anthropic', 'baseline', 'crates', 'debian', 'docker-hub', 'ghcr', 'github', 'go', 'maven', 'npm', 'nuget', 'openai', 'pypi',
	'rubygems', 'ubuntu', 'vscode', 'yarn',
];

function problemsOf(fn: () => unknown): InvalidInputError {
	try {
		fn();
	} catch (err) {
		assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
		return err;
	}
	assert.fail('expected the preset to be rejected');
}

describe('presets: the shipped files', () => {
	let dir: string;
	let presets: Preset[];
	before(() => {
		dir = presetsDirectory();
		presets = loadAllPresets(dir);
	});

	it('finds the shipped presets folder by searching upward from the compiled module', () => {
		assert.equal(path.basename(dir), 'presets');
		assert.ok(fs.existsSync(path.join(dir, `${BASELINE_PRESET}.yaml`)));
		// The folder in the repository, not a copy: the module runs from out/extension/core.
		assert.equal(fs.realpathSync(dir), fs.realpathSync(path.resolve(__dirname, '..', '..', '..', 'presets')));
	});

	it('ships every promised preset', () => {
		const names = listPresets(dir);
		for (const name of REQUIRED_PRESETS) {
			assert.ok(names.includes(name), `missing preset ${name}`);
		}
		assert.deepEqual(names, [...names].sort());
	});

	it('names each preset after its file', () => {
		for (const p of presets) {
			assert.equal(path.basename(p.file), `${p.name}.yaml`);
			assert.ok(p.description.trim().length > 0, `${p.name} has no description`);
		}
	});

	it('every host passes the host grammar and is stored in canonical form', () => {
		for (const p of presets) {
			assert.ok(p.hosts.length > 0, `${p.name} lists no hosts`);
			for (const h of p.hosts) {
				const checked = checkHost(h.host);
				assert.ok(checked.ok, `${p.name}: ${h.host} fails the grammar: ${checked.ok ? '' : checked.message}`);
				assert.equal(checked.host, h.host, `${p.name}: ${h.host} is not canonical`);
			}
		}
	});

	it('every host has an https source and a reason, and a wildcard says why it is needed', () => {
		for (const p of presets) {
			for (const h of p.hosts) {
				const url = new URL(h.source);
				assert.equal(url.protocol, 'https:', `${p.name}: ${h.host} source ${h.source}`);
				assert.ok(h.reason.trim().length >= 10, `${p.name}: ${h.host} reason too short: ${h.reason}`);
				if (h.host.startsWith('*.')) {
					assert.match(h.reason, /wildcard/i, `${p.name}: ${h.host} must say why a wildcard is needed`);
				}
			}
		}
	});

	it('no preset lists the same host and port twice', () => {
		for (const p of presets) {
			const rules = p.hosts.flatMap((h) => (h.ports ? h.ports.map((port) => `${h.host}:${port}`) : [h.host]));
			assert.equal(new Set(rules).size, rules.length, `${p.name} repeats a host: ${rules.join(', ')}`);
		}
	});

	it('records where each host is written, for editors to jump to', () => {
		const npm = loadPreset('npm', dir);
		const text = fs.readFileSync(npm.file, 'utf8').split('\n');
		for (const h of npm.hosts) {
			assert.equal(text[h.line - 1].slice(h.column - 1, h.column - 1 + h.host.length), h.host);
		}
	});

	it('github allows git over SSH on port 22 and on ssh.github.com:443 only as explicit ports', () => {
		const github = loadPreset('github', dir);
		const ssh = github.hosts.filter((h) => h.ports !== undefined).map((h) => `${h.host}:${h.ports?.join(',')}`);
		assert.deepEqual(ssh.sort(), ['github.com:22', 'ssh.github.com:443']);
	});

	it('the presets README has a table row for every preset', () => {
		const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
		const rows = [...readme.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
		assert.deepEqual(rows, presets.map((p) => p.name));
	});

	it('the schema accepts what the shipped presets contain', () => {
		const schemaFile = path.resolve(dir, '..', 'schemas', 'preset.schema.json');
		const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as {
			required: string[];
			properties: Record<string, unknown>;
			$defs: { host: { required: string[]; properties: { host: { pattern: string }; source: { pattern: string } } } };
		};
		assert.deepEqual([...schema.required].sort(), ['description', 'hosts', 'name']);
		assert.deepEqual(Object.keys(schema.properties).sort(), ['description', 'hosts', 'name']);
		const hostPattern = new RegExp(schema.$defs.host.properties.host.pattern);
		const sourcePattern = new RegExp(schema.$defs.host.properties.source.pattern);
		for (const p of presets) {
			for (const h of p.hosts) {
				assert.match(h.host, hostPattern);
				assert.match(h.source, sourcePattern);
			}
		}
		assert.doesNotMatch('http://example.com', sourcePattern);
		assert.doesNotMatch('Example.com', hostPattern);
	});
});

describe('presets: finding the presets folder from an installed package', () => {
	let root: string;
	before(() => {
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-install-'));
	});
	after(() => {
		fs.rmSync(root, { recursive: true, force: true });
	});

	it('searches upward from the module, as from dist/ in an npm package', () => {
		// The layout `npm install` produces: <prefix>/node_modules/airlock/{dist,presets}.
		const pkg = path.join(root, 'node_modules', 'airlock');
		const dist = path.join(pkg, 'dist');
		fs.mkdirSync(dist, { recursive: true });
		for (const module of ['presets', 'hostname', 'errors', 'yamlPorts']) {
			fs.copyFileSync(path.join(__dirname, '..', '..', 'extension', 'core', `${module}.js`), path.join(dist, `${module}.js`));
		}
		// Its dependencies resolve from the project's node_modules, as they would from the package's own.
		fs.symlinkSync(path.resolve(__dirname, '..', '..', '..', 'node_modules'), path.join(pkg, 'node_modules'));
		fs.mkdirSync(path.join(pkg, 'presets'));
		fs.writeFileSync(path.join(pkg, 'presets', 'baseline.yaml'), 'name: baseline\ndescription: b\nhosts:\n  - host: update.example.com\n    source: https://example.com\n    reason: the installed copy\n');
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const installed = require(path.join(dist, 'presets.js')) as typeof import('../../extension/core/presets');
		assert.equal(installed.presetsDirectory(), path.join(pkg, 'presets'));
		assert.deepEqual(installed.listPresets(), ['baseline']);
		assert.equal(installed.loadPreset('baseline').hosts[0].reason, 'the installed copy');
	});
});

describe('presets: loading and errors', () => {
	let dir: string;
	beforeEach(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-presets-'));
	});
	afterEach(() => {
		fs.rmSync(dir, { recursive: true, force: true });
	});
	const write = (name: string, text: string): string => {
		const file = path.join(dir, `${name}.yaml`);
		fs.writeFileSync(file, text);
		return file;
	};
	const good = (name: string) => `name: ${name}\ndescription: test preset\nhosts:\n  - host: api.example.com\n    source: https://example.com/docs\n    reason: the test API\n`;

	it('loads a valid preset with canonical hosts and sorted ports', () => {
		write('demo', 'name: demo\ndescription: demo\nhosts:\n  - host: API.Example.COM.\n    ports: [2222, 22, 22]\n    source: https://example.com/a\n    reason: ssh on two ports\n');
		const p = loadPreset('demo', dir);
		assert.equal(p.name, 'demo');
		assert.equal(p.file, path.join(dir, 'demo.yaml'));
		assert.deepEqual(p.hosts.map((h) => ({ host: h.host, ports: h.ports, line: h.line, column: h.column })), [
			{ host: 'api.example.com', ports: [22, 2222], line: 4, column: 11 },
		]);
	});

	it('lists only .yaml files with valid names, sorted', () => {
		write('zeta', good('zeta'));
		write('alpha', good('alpha'));
		fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
		fs.writeFileSync(path.join(dir, 'Bad_Name.yaml'), good('x'));
		fs.mkdirSync(path.join(dir, 'folder.yaml'));
		assert.deepEqual(listPresets(dir), ['alpha', 'zeta']);
	});

	it('a missing presets folder is a clear error naming the folder', () => {
		const missing = path.join(dir, 'no-such-folder');
		assert.throws(() => listPresets(missing), new RegExp(`cannot read the presets folder ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
		assert.throws(() => loadPreset('npm', missing), /cannot read the presets folder/);
	});

	it('an unknown preset names the known ones', () => {
		write('npm', good('npm'));
		write('pypi', good('pypi'));
		assert.throws(() => loadPreset('nmp', dir), (err: unknown) => {
			assert.ok(err instanceof UnknownPresetError);
			assert.equal(err.name, 'nmp');
			assert.deepEqual(err.known, ['npm', 'pypi']);
			assert.match(err.message, /unknown preset "nmp"; known presets: npm, pypi/);
			return true;
		});
	});

	it('refuses names that could leave the presets folder', () => {
		write('npm', good('npm'));
		fs.writeFileSync(path.join(os.tmpdir(), `${path.basename(dir)}-outside.yaml`), good('outside'));
		try {
			for (const name of ['../npm', `../${path.basename(dir)}-outside`, 'npm/../npm', '', 'NPM', '/etc/passwd']) {
				assert.throws(() => loadPreset(name, dir), UnknownPresetError, name);
			}
		} finally {
			fs.rmSync(path.join(os.tmpdir(), `${path.basename(dir)}-outside.yaml`));
		}
	});

	it('a bad host is reported at its file, line and column, with a hint', () => {
		const file = write('bad', 'name: bad\ndescription: bad\nhosts:\n  - host: good.example.com\n    source: https://example.com\n    reason: fine\n  - host: http://evil.example.com/x\n    source: https://example.com\n    reason: bad\n');
		const err = problemsOf(() => loadPreset('bad', dir));
		assert.equal(err.problems.length, 1);
		const p = err.problems[0];
		assert.equal(path.resolve(p.file), file);
		assert.equal(p.line, 7);
		assert.ok(p.column >= 11, `column ${p.column} should point into the host`);
		assert.equal(p.entry, 'http://evil.example.com/x');
		assert.ok(p.hint && p.hint.length > 0);
		assert.match(formatProblem(p), /bad\.yaml:7:\d+: error: "http:\/\/evil\.example\.com\/x": /);
	});

	it('a wildcard on a public suffix and an IP literal are rejected like in a policy file', () => {
		write('wild', 'name: wild\ndescription: w\nhosts:\n  - host: "*.com"\n    source: https://example.com\n    reason: too broad\n  - host: 10.0.0.1\n    source: https://example.com\n    reason: an address\n');
		const err = problemsOf(() => loadPreset('wild', dir));
		assert.deepEqual(err.problems.map((p) => [p.line, p.entry]), [[4, '*.com'], [7, '10.0.0.1']]);
		assert.equal(err.problems[0].column, 12, 'points inside the quotes');
	});

	it('names the file relative to the working directory when inside it, absolute otherwise', () => {
		write('bad', 'name: bad\ndescription: b\nhosts:\n  - host: "*.com"\n    source: https://example.com\n    reason: r\n');
		const before = process.cwd();
		try {
			process.chdir(path.dirname(dir));
			assert.equal(problemsOf(() => loadPreset('bad', dir)).problems[0].file, path.join(path.basename(dir), 'bad.yaml'));
			fs.mkdirSync(path.join(dir, 'elsewhere'));
			process.chdir(path.join(dir, 'elsewhere'));
			assert.equal(problemsOf(() => loadPreset('bad', dir)).problems[0].file, path.join(dir, 'bad.yaml'));
		} finally {
			process.chdir(before);
		}
	});

	it('broken YAML is reported with file:line:col', () => {
		write('broken', 'name: broken\ndescription: b\nhosts:\n  - host: a.example.com\n    source: [unclosed\n');
		const err = problemsOf(() => loadPreset('broken', dir));
		assert.ok(err.problems.length >= 1);
		assert.match(err.problems[0].message, /^YAML syntax/);
		assert.ok(err.problems[0].line >= 5);
		assert.match(err.message, /broken\.yaml:\d+:\d+: error: YAML syntax/);
		assert.match(err.message, /hint: /);
	});

	it('requires an https source and a reason for every host', () => {
		write('unsourced', [
			'name: unsourced', 'description: u', 'hosts:',
			'  - host: a.example.com', '    source: http://example.com', '    reason: plain http source',
			'  - host: b.example.com', '    reason: no source at all',
			'  - host: c.example.com', '    source: https://example.com',
			'  - host: d.example.com', '    source: see the docs', '    reason: not a URL',
			'',
		].join('\n'));
		const err = problemsOf(() => loadPreset('unsourced', dir));
		assert.deepEqual(err.problems.map((p) => [p.line, p.message]), [
			[5, 'source "http://example.com" must be an https URL'],
			[7, 'b.example.com has no `source`'],
			[9, 'c.example.com has no `reason`'],
			[12, 'source "see the docs" contains whitespace'],
		]);
	});

	it('reports a host and port listed twice at the second entry', () => {
		write('dup', [
			'name: dup', 'description: d', 'hosts:',
			'  - host: git.example.com', '    ports: [22]', '    source: https://example.com', '    reason: ssh',
			'  - host: git.example.com', '    source: https://example.com', '    reason: web is a different rule',
			'  - host: GIT.example.com', '    ports: [2222, 22]', '    source: https://example.com', '    reason: ssh again',
			'',
		].join('\n'));
		const err = problemsOf(() => loadPreset('dup', dir));
		assert.equal(err.problems.length, 1);
		assert.equal(err.problems[0].line, 11);
		assert.equal(err.problems[0].column, 11);
		assert.match(err.problems[0].message, /git\.example\.com:22 is listed twice \(first on line 4\)/);
	});

	it('rejects unknown keys, a bad port, a wrong name and missing parts', () => {
		write('mixed', [
			'name: other', 'description: m', 'owner: someone', 'hosts:',
			'  - host: a.example.com', '    ports: [70000]', '    source: https://example.com', '    reason: port out of range',
			'  - host: b.example.com', '    source: https://example.com', '    reason: r', '    note: extra',
			'  - host: c.example.com', '    source: https://example.com', '    reason: valid',
			'  - host: c.example.com', '    source: https://example.com', '    reason: a duplicate, found last but reported in file order',
			'  - host: d.example.com', '    source: https://example.com', '    reason: r', '    extra: after the duplicate',
			'',
		].join('\n'));
		const err = problemsOf(() => loadPreset('mixed', dir));
		const lines = err.problems.map((p) => p.line);
		assert.deepEqual(lines, [1, 3, 6, 12, 16, 22]);
		assert.match(err.problems[0].message, /named "other" but its file is mixed\.yaml/);
		assert.match(err.problems[1].message, /unknown key "owner"/);
		assert.match(err.problems[3].message, /unknown key "note"/);

		write('empty', 'name: empty\n');
		const missing = problemsOf(() => loadPreset('empty', dir));
		assert.deepEqual(missing.problems.map((p) => p.message), ['the preset has no `description`', 'the preset has no `hosts`']);

		write('scalar', 'just text\n');
		assert.match(problemsOf(() => loadPreset('scalar', dir)).problems[0].message, /must be a mapping/);
	});
});
