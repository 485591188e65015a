import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

// serveBun needs the real Bun: these tests run it in Bun child processes (the
// unit tier itself runs on Node, where serveBun falls back to node:http).
const root = join(import.meta.dirname, '..', '..');
const bun = join(root, 'node_modules', 'bun', 'bin', 'bun.exe');
const module = join(import.meta.dirname, 'bun.ts');

/** A Bun child that serves a fixed answer with serveBun on `port` and prints `bound <port>` or `error <message>`. */
function serveInBun(port: number): { readonly child: ChildProcess; readonly line: Promise<string> } {
	const script = [
		`import { serveBun } from ${JSON.stringify(module)};`,
		'try {',
		`  const server = await serveBun(() => new Response('from ' + process.pid), { port: ${port}, hostname: '127.0.0.1' });`,
		"  console.log('bound ' + server.port);",
		'} catch (error) {',
		"  console.log('error ' + error.message);",
		'  process.exit(0);',
		'}',
	].join('\n');
	const child = spawn(bun, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
	const line = new Promise<string>((resolve, reject) => {
		let out = '';
		child.stdout?.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const newline = out.indexOf('\n');
			if (newline >= 0) resolve(out.slice(0, newline));
		});
		child.once('exit', (code) => reject(new Error(`Cannot serve in Bun: it exited (${String(code)}) before a line: ${out}`)));
	});
	return { child, line };
}

const serve = suite('serveBun() on Bun');

serve('serves the handler, and a second process cannot take the same port', async () => {
	if (!existsSync(bun)) throw new Error(`Cannot run Bun tests: ${bun} is missing (npm ci installs it)`);
	const first = serveInBun(0);
	try {
		const bound = await first.line;
		assert.match(bound, /^bound \d+$/);
		const port = Number(bound.slice('bound '.length));
		const answer = await (await fetch(`http://127.0.0.1:${port}/`)).text();
		assert.is(answer, `from ${first.child.pid}`);
		// Bun's production mode would share the port through SO_REUSEPORT unless told not to.
		const second = serveInBun(port);
		try {
			assert.match(await second.line, /^error /);
		} finally {
			second.child.kill();
		}
	} finally {
		first.child.kill();
	}
});

const rawBody = suite('createBunFetch() on Bun');

rawBody('rawBody hands a gzip body over still encoded, so the IMDS cap sees its wire size; without it Bun inflates it', async () => {
	if (!existsSync(bun)) throw new Error(`Cannot run Bun tests: ${bun} is missing (npm ci installs it)`);
	const inflated = 4 << 20;
	const wire = gzipSync(Buffer.alloc(inflated, 'a'));
	const server = createServer((_request, response) => {
		response.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': String(wire.length) });
		response.end(wire);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	try {
		const fetchModule = join(import.meta.dirname, 'bun.ts');
		const script = [
			`import { createBunFetch } from ${JSON.stringify(fetchModule)};`,
			`const url = 'http://127.0.0.1:${port}/';`,
			'const raw = (await (await createBunFetch({ rawBody: true })(url)).arrayBuffer()).byteLength;',
			'const decoded = (await (await createBunFetch()(url)).arrayBuffer()).byteLength;',
			'console.log(JSON.stringify({ raw, decoded }));',
		].join('\n');
		const { stdout } = await promisify(execFile)(bun, ['-e', script], { timeout: 30_000 });
		const sizes: unknown = JSON.parse(stdout.trim());
		assert.equal(sizes, { raw: wire.length, decoded: inflated });
	} finally {
		server.close();
	}
});

serve.run();
rawBody.run();
