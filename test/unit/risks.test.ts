import * as assert from 'node:assert/strict';
import { riskNotesFor, type RiskKind } from '../../extension/core/risks';

function kinds(host: string, ports?: readonly number[]): RiskKind[] {
	return riskNotesFor(host, ports).map((n) => n.kind);
}

describe('risks: riskNotesFor', () => {
	it('gives no note for an ordinary host', () => {
		assert.deepEqual(riskNotesFor('api.example.com'), []);
		assert.deepEqual(riskNotesFor('pypi.org'), []);
		assert.deepEqual(riskNotesFor('deb.debian.org', []), []);
	});

	it('flags hosts that serve anyone\'s files, naming the host in one sentence', () => {
		const [note, ...rest] = riskNotesFor('raw.githubusercontent.com');
		assert.deepEqual(rest, []);
		assert.equal(note.kind, 'user-content');
		assert.match(note.message, /^raw\.githubusercontent\.com serves any user's repository files: /);
		assert.doesNotMatch(note.message, /\n/);
		for (const host of ['gist.github.com', 'gist.githubusercontent.com', 'objects.githubusercontent.com', 'codeload.github.com', 'cdn.jsdelivr.net']) {
			assert.deepEqual(kinds(host), ['user-content'], host);
		}
	});

	it('flags site hosting where any customer gets a name, for names under it', () => {
		assert.deepEqual(kinds('someone.github.io'), ['user-content']);
		assert.deepEqual(kinds('app.vercel.app'), ['user-content']);
		assert.match(riskNotesFor('x.workers.dev')[0].message, /anyone can run a web server under workers\.dev/);
	});

	it('flags paste, file-drop and request-capture services, and names under them', () => {
		for (const host of ['pastebin.com', 'paste.ee', 'termbin.com', 'transfer.sh', '0x0.st', 'file.io', 'hastebin.com', 'www.pastebin.com']) {
			assert.deepEqual(kinds(host), ['paste'], host);
		}
		assert.match(riskNotesFor('www.pastebin.com')[0].message, /^www\.pastebin\.com \(part of pastebin\.com\) is a paste/);
		assert.match(riskNotesFor('webhook.site')[0].message, /exfiltration endpoint/);
		assert.deepEqual(kinds('abc123.oast.fun'), ['paste']);
	});

	it('matches whole labels only', () => {
		for (const host of ['notpastebin.com', 'pastebin.com.example.org', 'mypastebin.com', 'xngrok.io', 'ngrok.io.evil.example', 'rawgithubusercontent.com', 'raw.githubusercontent.com.example', 'fakes3.amazonaws.co', 's3x.amazonaws.com', 'storage.googleapis.com.evil.example', 'notgithub.io']) {
			assert.deepEqual(riskNotesFor(host), [], host);
		}
	});

	it('flags tunnel services', () => {
		for (const host of ['abc.ngrok-free.app', 'ngrok.io', 'x.trycloudflare.com', 'loca.lt', 'sub.loca.lt', 'serveo.net', 'localhost.run', 'bore.pub', 'a.pinggy.io']) {
			assert.deepEqual(kinds(host), ['tunnel-service'], host);
		}
		assert.match(riskNotesFor('x.trycloudflare.com')[0].message, /tunnel service: anyone can expose a server under trycloudflare\.com/);
	});

	it('tells shared object storage endpoints from single buckets', () => {
		for (const host of ['s3.amazonaws.com', 's3.eu-west-1.amazonaws.com', 's3-us-west-2.amazonaws.com', 's3.dualstack.us-east-1.amazonaws.com', 'storage.googleapis.com']) {
			const notes = riskNotesFor(host);
			assert.deepEqual(notes.map((n) => n.kind), ['object-storage'], host);
			assert.match(notes[0].message, /serves every customer's buckets/, host);
		}
		for (const host of ['mybucket.s3.amazonaws.com', 'mybucket.s3.eu-west-1.amazonaws.com', 'acct.blob.core.windows.net', 'bucket.storage.googleapis.com', 'x.r2.cloudflarestorage.com', 'pub-1.r2.dev', 'space.nyc3.digitaloceanspaces.com']) {
			const notes = riskNotesFor(host);
			assert.deepEqual(notes.map((n) => n.kind), ['object-storage'], host);
			assert.match(notes[0].message, /check the bucket belongs to the tool's publisher/, host);
		}
		// Other AWS services are not storage.
		assert.deepEqual(riskNotesFor('ec2.us-east-1.amazonaws.com'), []);
		assert.deepEqual(riskNotesFor('blob.core.windows.net'), []);
	});

	it('flags registries an agent can publish to', () => {
		for (const host of ['registry.npmjs.org', 'upload.pypi.org', 'crates.io', 'rubygems.org', 'ghcr.io', 'registry-1.docker.io', 'www.nuget.org', 'github.com']) {
			const notes = riskNotesFor(host);
			assert.deepEqual(notes.map((n) => n.kind), ['publish'], host);
			assert.match(notes[0].message, /^with a token an agent can publish to /, host);
		}
		// Read-only mirrors and download hosts are not publish targets.
		assert.deepEqual(riskNotesFor('files.pythonhosted.org'), []);
		assert.deepEqual(riskNotesFor('static.crates.io'), []);
	});

	it('flags ports other than the web ports, with SSH called out', () => {
		const ssh = riskNotesFor('git.example.com', [22]);
		assert.deepEqual(ssh.map((n) => n.kind), ['non-http-port']);
		assert.match(ssh[0].message, /^SSH tunnel: /);
		assert.match(ssh[0].message, /git\.example\.com:22/);
		const db = riskNotesFor('db.example.com', [5432, 443, 80]);
		assert.deepEqual(db.map((n) => n.message), ['db.example.com:5432 is not a web port: the proxy passes an opaque TCP stream there that it cannot inspect']);
		assert.deepEqual(riskNotesFor('ssh.example.com', [443]), []);
		assert.deepEqual(kinds('github.com', [22]), ['publish', 'non-http-port']);
	});

	it('notes every wildcard, more strongly on a multi-tenant provider', () => {
		const plain = riskNotesFor('*.example.com');
		assert.deepEqual(plain, [{ kind: 'broad-wildcard', message: '*.example.com allows every name under example.com, including names created after this review' }]);
		for (const host of ['*.amazonaws.com', '*.cloudfront.net', '*.googleapis.com', '*.azurewebsites.net', '*.herokuapp.com', '*.githubusercontent.com', '*.elb.amazonaws.com']) {
			const note = riskNotesFor(host).find((n) => n.kind === 'broad-wildcard');
			assert.ok(note, host);
			assert.match(note.message, /shares among its customers and users: any of them can serve content there$/, host);
		}
	});

	it('gives a wildcard the notes of the risky names it covers', () => {
		const notes = riskNotesFor('*.githubusercontent.com');
		const covered = notes.filter((n) => n.kind === 'user-content').map((n) => n.message.split(';')[0]);
		assert.ok(covered.includes('*.githubusercontent.com covers raw.githubusercontent.com'));
		assert.ok(covered.includes('*.githubusercontent.com covers gist.githubusercontent.com'));
		assert.ok(covered.includes('*.githubusercontent.com covers objects.githubusercontent.com'));

		assert.ok(kinds('*.github.com').includes('user-content'), '*.github.com covers gist.github.com and codeload.github.com');
		assert.ok(kinds('*.github.com').includes('publish'), '*.github.com covers api.github.com');
		assert.ok(kinds('*.ngrok.io').includes('tunnel-service'));
		assert.ok(kinds('*.foo.ngrok.io').includes('tunnel-service'), 'a wildcard inside a tunnel domain');
		assert.ok(kinds('*.amazonaws.com').includes('object-storage'));
		assert.ok(kinds('*.s3.amazonaws.com').includes('object-storage'));
		assert.ok(kinds('*.us-east-1.amazonaws.com').includes('object-storage'));
		assert.ok(kinds('*.googleapis.com').includes('object-storage'), 'covers storage.googleapis.com');
		assert.ok(kinds('*.core.windows.net').includes('object-storage'), 'covers storage accounts under blob.core.windows.net');

		// A wildcard does not match its own base name, and does not reach sideways.
		assert.deepEqual(kinds('*.pastebin.com.example.org'), ['broad-wildcard']);
		assert.deepEqual(kinds('*.gist.github.com'), ['broad-wildcard'], 'gist.github.com itself is not under *.gist.github.com');
		assert.deepEqual(kinds('*.ec2.amazonaws.com'), ['broad-wildcard']);
	});

	it('lists notes in the same order whichever level of the name matched (the rules are looked up by domain)', () => {
		// up.railway.app and railway.app are both listed; the parent's rule comes first in the list.
		assert.deepEqual(riskNotesFor('x.up.railway.app').map((n) => n.message), [
			'anyone can run a web server under railway.app: allowing it gives an agent a two-way channel to servers an attacker controls',
			'anyone can run a web server under up.railway.app: allowing it gives an agent a two-way channel to servers an attacker controls',
		]);
		// huggingface.co is user content first, then a publish target, as the rules are listed.
		assert.deepEqual(kinds('huggingface.co'), ['user-content', 'publish']);
		// A wildcard's covered names come from below its base and from its parents, in list order.
		// (*.github.com: gist and codeload are user content; api, uploads and the package hosts under pkg.github.com take publishes.)
		assert.deepEqual(kinds('*.github.com'), ['broad-wildcard', 'user-content', 'user-content', 'publish', 'publish', 'publish', 'publish', 'publish']);
		assert.deepEqual(kinds('*.googleapis.com'), ['broad-wildcard', 'object-storage', 'object-storage']);
	});

	it('accepts non-canonical case and a trailing dot, and returns no duplicates', () => {
		assert.deepEqual(riskNotesFor('PasteBin.COM.'), riskNotesFor('pastebin.com'));
		const notes = riskNotesFor('*.githubusercontent.com', [22, 22]);
		const keys = notes.map((n) => `${n.kind}|${n.message}`);
		assert.equal(new Set(keys).size, keys.length);
		assert.deepEqual(riskNotesFor('*.githubusercontent.com', [22]), riskNotesFor('*.githubusercontent.com', [22]));
	});
});
