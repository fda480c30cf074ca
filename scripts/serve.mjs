// A static file server for www/ (the page needs no server code; any static host works).
// `node scripts/serve.mjs [port]` serves on 127.0.0.1; tests import `serve` and pick a free port.
// `serve(port, base)` serves www/ under the path `base` only (a project page on a static host
// lives at /NAME/), answers 404 elsewhere and lists those requests in `server.outside`;
// `files` maps a path under www/ to bytes served in its place (a test's own pretrained ONE).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../www', import.meta.url)));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.wav': 'audio/wav',
};

export function serve(port = 0, base = '/', files = {}) {
  const outside = [];
  const server = createServer(async (req, res) => {
    const full = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!full.startsWith(base)) {
      outside.push(full);
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${full} (the site is at ${base})`);
      return;
    }
    const path = `/${full.slice(base.length)}`;
    const file = normalize(join(ROOT, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(ROOT + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      const body = files[path.slice(1)] ?? await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  server.outside = outside;
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8000);
  const server = await serve(port);
  console.log(`ONE Lab is served at http://127.0.0.1:${server.address().port}/  (Ctrl-C stops it)`);
}
