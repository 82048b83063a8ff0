/**
 * A small static file server for the browser suite: serves a folder on 127.0.0.1 with the right
 * MIME types (application/wasm, text/javascript) and the headers that make a page cross-origin
 * isolated (COOP/COEP), which SharedArrayBuffer and wasm threads need. TypeScript test files are
 * transpiled on the fly (types stripped), and a request for x.js under tests/ falls back to x.ts,
 * so the test sources import each other as they do for tsc. Library files are served untouched.
 */
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import ts from 'typescript';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Starts serving `root`; resolves to its base URL, the list of paths that were not found, and close(). */
export async function startStaticServer(root) {
  const base = resolve(root);
  const missing = [];
  const server = createServer(async (req, res) => {
    const send = (status, headers, body) => {
      res.writeHead(status, { ...ISOLATION, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { Allow: 'GET, HEAD' }, 'method not allowed');
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, { 'Content-Type': MIME['.txt'] }, 'bad path');
    }
    const file = resolve(base, `.${path}`);
    if (file !== base && !file.startsWith(base + sep)) return send(403, { 'Content-Type': MIME['.txt'] }, 'outside the served folder');
    try {
      const found = await locate(file, base);
      if (!found) {
        missing.push(path);
        return send(404, { 'Content-Type': MIME['.txt'] }, `not found: ${path}`);
      }
      let body = await readFile(found);
      if (found.endsWith('.ts')) body = Buffer.from(transpile(body.toString('utf8'), found));
      send(200, { 'Content-Type': MIME[extname(found)] ?? 'application/octet-stream', 'Content-Length': body.length }, body);
    } catch (e) {
      send(500, { 'Content-Type': MIME['.txt'] }, `server error: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    missing,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** The file to serve for a path: the file itself, or for x.js under tests/, its x.ts source. */
async function locate(file, base) {
  if (await isFile(file)) return file;
  const ts = file.replace(/\.js$/, '.ts');
  if (ts !== file && file.startsWith(resolve(base, 'tests') + sep) && (await isFile(ts))) return ts;
  return null;
}

async function isFile(p) {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

function transpile(source, fileName) {
  return ts.transpileModule(source, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false },
  }).outputText;
}
