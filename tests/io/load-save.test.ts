import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelArtifacts } from '../../src/io/artifacts.js';
import { decodeModelFile, encodeModel, encodeModelFile } from '../../src/io/format.js';
import { loadArtifacts } from '../../src/io/load.js';
import { saveArtifacts } from '../../src/io/save.js';
import { bits, edgeModel, rejected, tinyModel } from './fixtures.js';

function expectSameWeights(actual: ModelArtifacts, expected: ModelArtifacts): void {
  expect(actual.graph).toEqual(expected.graph);
  expect(actual.weights.map((w) => w.name)).toEqual(expected.weights.map((w) => w.name));
  expected.weights.forEach((w, i) => expect(bits(actual.weights[i]!.data), w.name).toEqual(bits(w.data)));
}

describe('files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tinyconv-io-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves and loads a single file, by path and by file: URL', async () => {
    const a = edgeModel();
    const file = join(dir, 'edge.tinyconv');
    const saved = await saveArtifacts(a, file);
    expect(saved.files).toEqual([file]);
    const bytes = await readFile(file);
    expect(saved.bytes).toBe(bytes.length);
    expect(new Uint8Array(bytes)).toEqual(encodeModelFile(a));
    expectSameWeights(await loadArtifacts(file), a);
    expectSameWeights(await loadArtifacts(pathToFileURL(file)), a);
    expectSameWeights(await loadArtifacts(pathToFileURL(file).href), a);
    // No temporary files are left behind.
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('saves and loads the two-file form, the blob named in the manifest', async () => {
    const a = tinyModel();
    const file = join(dir, 'tiny.json');
    const saved = await saveArtifacts(a, file, { quantize: 'float16' });
    expect(saved.files).toEqual([join(dir, 'tiny.bin'), file]);
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    expect(manifest.blob.path).toBe('tiny.bin');
    expect(manifest.weights.find((w: { name: string }) => w.name === 'conv/kernel').dtype).toBe('float16');
    const b = await loadArtifacts(file);
    expect(b.weights.map((w) => w.name)).toEqual(a.weights.map((w) => w.name));
    expect(bits(b.weights[1]!.data)).toEqual(bits(a.weights[1]!.data)); // conv/bias stays float32
  });

  it('finds <name>.bin next to a manifest that names no blob', async () => {
    const a = tinyModel();
    const { manifest, blob } = encodeModel(a);
    await writeFile(join(dir, 'bare.json'), JSON.stringify(manifest));
    await writeFile(join(dir, 'bare.bin'), blob);
    expectSameWeights(await loadArtifacts(join(dir, 'bare.json')), a);
  });

  it('reports missing files, directories, corrupt and oversized blobs', async () => {
    const missing = await rejected(loadArtifacts(join(dir, 'nope.tinyconv')));
    expect(missing.code).toBe('E_IO');
    expect(missing.message).toContain(`cannot read model file ${join(dir, 'nope.tinyconv')}: no such file or directory`);

    const { manifest, blob } = encodeModel(tinyModel(), { blobPath: 'lost.bin' });
    await writeFile(join(dir, 'lost.json'), JSON.stringify(manifest));
    const noBlob = await rejected(loadArtifacts(join(dir, 'lost.json')));
    expect(noBlob.code).toBe('E_IO');
    expect(noBlob.message).toContain(join(dir, 'lost.bin'));

    const bad = blob.slice();
    bad[33] ^= 1;
    await writeFile(join(dir, 'lost.bin'), bad);
    const corrupt = await rejected(loadArtifacts(join(dir, 'lost.json')));
    expect(corrupt.code).toBe('E_CHECKSUM');
    expect(corrupt.message).toContain(`(in ${join(dir, 'lost.bin')})`);

    await writeFile(join(dir, 'lost.bin'), Uint8Array.from([...blob, 0, 0]));
    const long = await rejected(loadArtifacts(join(dir, 'lost.json')));
    expect(long.code).toBe('E_FORMAT');
    expect(long.message).toContain('too long');

    await mkdir(join(dir, 'adir'));
    const isDir = await rejected(loadArtifacts(join(dir, 'adir')));
    expect(isDir.code).toBe('E_IO');
    expect(isDir.message).toContain('not a regular file');
  });

  it('reports a failed write without leaving a partial file', async () => {
    const err = await rejected(saveArtifacts(tinyModel(), join(dir, 'no', 'such', 'dir', 'm.tinyconv')));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain('m.tinyconv');
  });

  it("returns the single file's bytes for 'bytes'", async () => {
    const a = tinyModel();
    const bytes = await saveArtifacts(a, 'bytes', { quantize: 'uint8' });
    expect(bytes).toEqual(encodeModelFile(a, { quantize: 'uint8' }));
    expect(decodeModelFile(bytes).weights).toHaveLength(8);
  });

  it('loads bytes, ArrayBuffers, Blobs and { manifest, blob } pairs', async () => {
    const a = tinyModel();
    const file = encodeModelFile(a);
    const { manifest, blob } = encodeModel(a);
    for (const source of [file, file.slice().buffer, new Blob([file]), { manifest, blob }, { manifest: JSON.stringify(manifest), blob: blob.buffer }]) {
      expectSameWeights(await loadArtifacts(source), a);
    }
    const err = await rejected(loadArtifacts(42 as never));
    expect(err.code).toBe('E_ARG');
    const half = await rejected(loadArtifacts({ manifest } as never));
    expect(half.code).toBe('E_ARG');
    expect(half.message).toContain('needs both a manifest and a blob');
  });
});

describe('URLs', () => {
  const a = tinyModel(3);
  const routes = new Map<string, { status?: number; body: Uint8Array | string }>();
  const requested: string[] = [];
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const single = encodeModelFile(a);
    const two = encodeModel(a, { blobPath: 'weights v1.bin' });
    const bare = encodeModel(a);
    const corrupt = bare.blob.slice();
    corrupt[5] ^= 0x10;
    routes.set('/m/model.tinyconv', { body: single });
    routes.set('/m/model.json', { body: JSON.stringify(two.manifest) });
    routes.set('/m/weights%20v1.bin', { body: two.blob });
    routes.set('/m/bare.json', { body: JSON.stringify(bare.manifest) });
    routes.set('/m/bare.bin', { body: bare.blob });
    routes.set('/m/orphan.json', { body: JSON.stringify(bare.manifest) });
    routes.set('/m/corrupt.json', { body: JSON.stringify(bare.manifest) });
    routes.set('/m/corrupt.bin', { body: corrupt });
    routes.set('/m/long.json', { body: JSON.stringify(bare.manifest) });
    routes.set('/m/long.bin', { body: Uint8Array.from([...bare.blob, ...new Uint8Array(64)]) });
    routes.set('/m/broken.json', { body: '{"format": "tinyconv", "version": 1, ' });
    server = createServer((req, res) => {
      requested.push(req.url!);
      const r = routes.get(req.url!);
      if (!r) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = typeof r.body === 'string' ? Buffer.from(r.body) : Buffer.from(r.body);
      res.writeHead(r.status ?? 200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address() as { port: number };
    origin = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('loads a single file', async () => {
    expectSameWeights(await loadArtifacts(`${origin}/m/model.tinyconv`), a);
  });

  it('loads a manifest and the blob it names, relative to it (percent-encoded)', async () => {
    requested.length = 0;
    expectSameWeights(await loadArtifacts(new URL('/m/model.json', origin)), a);
    expect(requested).toEqual(['/m/model.json', '/m/weights%20v1.bin']);
  });

  it('loads <name>.bin for a manifest that names no blob, through a custom fetch', async () => {
    let calls = 0;
    const f: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    expectSameWeights(await loadArtifacts(`${origin}/m/bare.json`, { fetch: f }), a);
    expect(calls).toBe(2);
  });

  it('turns a 404 into E_IO naming the URL and status', async () => {
    const err = await rejected(loadArtifacts(`${origin}/m/missing.tinyconv`));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(`fetch ${origin}/m/missing.tinyconv failed: HTTP 404 Not Found`);
    expect(err.details.status).toBe(404);
    const blob404 = await rejected(loadArtifacts(`${origin}/m/orphan.json`));
    expect(blob404.code).toBe('E_IO');
    expect(blob404.message).toContain(`${origin}/m/orphan.bin failed: HTTP 404`);
  });

  it('reports a corrupt blob, an over-long blob and a broken manifest, naming the URL', async () => {
    const corrupt = await rejected(loadArtifacts(`${origin}/m/corrupt.json`));
    expect(corrupt.code).toBe('E_CHECKSUM');
    expect(corrupt.message).toContain(`${origin}/m/corrupt.bin`);
    const long = await rejected(loadArtifacts(`${origin}/m/long.json`));
    expect(long.code).toBe('E_FORMAT');
    expect(long.message).toContain('too long');
    const broken = await rejected(loadArtifacts(`${origin}/m/broken.json`));
    expect(broken.code).toBe('E_FORMAT');
    expect(broken.message).toContain(`not valid JSON`);
    expect(broken.message).toContain(`${origin}/m/broken.json`);
  });

  it('loads a single file from a data: URL, and explains why a manifest there cannot find its blob', async () => {
    const file = encodeModelFile(a);
    expectSameWeights(await loadArtifacts(`data:application/octet-stream;base64,${Buffer.from(file).toString('base64')}`), a);
    const { manifest } = encodeModel(a);
    const err = await rejected(loadArtifacts(`data:application/json,${encodeURIComponent(JSON.stringify(manifest))}`));
    expect(err.code).toBe('E_ARG');
    expect(err.message).toContain('cannot be resolved relative to a data: URL');
  });

  it('turns a refused connection into E_IO', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await rejected(loadArtifacts(`http://127.0.0.1:${port}/model.tinyconv`));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(`cannot fetch http://127.0.0.1:${port}/model.tinyconv`);
  });
});
