import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainHint } from './catalog.js';
import { hubCacheDir, locateModel, modelRequirement, ModelNotFoundError, resolveModel, type Env, type ModelRequest } from './resolve.js';

const files = [['model.onnx', 'onnx/model.onnx'], 'tokenizer.json'] as const;
const id = 'acme/tiny-encoder';
const commit = 'a'.repeat(40);

function put(dir: string, names: string[]): string {
  for (const n of names) {
    mkdirSync(path.dirname(path.join(dir, n)), { recursive: true });
    writeFileSync(path.join(dir, n), `content of ${n}`);
  }
  return dir;
}

function request(model: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return { role: 'text encoder', model, files, hint: obtainHint('text-encoder', model), ...extra };
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'resolve-'));
});

describe('model resolution', () => {
  it('uses a local folder, relative to the graph file, accepting onnx/model.onnx', () => {
    const dir = put(path.join(root, 'graphs/models/enc'), ['onnx/model.onnx', 'tokenizer.json']);
    const found = locateModel(request('./models/enc', { graphFile: path.join(root, 'graphs/g.json') }), {}).found!;
    expect(found.dir).toBe(dir);
    expect(found.source).toBe('folder');
    expect(found.files['model.onnx']).toBe(path.join(dir, 'onnx/model.onnx'));
  });

  it('finds a hub id under $AFFECTFLOW_MODELS', () => {
    const models = path.join(root, 'af-models');
    put(path.join(models, id), ['model.onnx', 'tokenizer.json']);
    const found = locateModel(request(id), { AFFECTFLOW_MODELS: models, HF_HUB_CACHE: path.join(root, 'empty-hub') }).found!;
    expect(found.source).toBe('affectflow-models');
    expect(found.dir).toBe(path.join(models, id));
  });

  it('finds a hub id in the Hugging Face cache through refs/<revision> or a commit', () => {
    const hub = path.join(root, 'hf-home/hub');
    const repo = path.join(hub, 'models--acme--tiny-encoder');
    put(path.join(repo, 'snapshots', commit), ['model.onnx', 'tokenizer.json']);
    mkdirSync(path.join(repo, 'refs'), { recursive: true });
    writeFileSync(path.join(repo, 'refs/main'), commit + '\n');
    const env: Env = { HF_HOME: path.join(root, 'hf-home') };
    expect(hubCacheDir(env)).toBe(hub);
    expect(locateModel(request(id), env).found!.dir).toBe(path.join(repo, 'snapshots', commit));
    expect(locateModel(request(id, { revision: commit }), env).found!.source).toBe('hf-cache');
    expect(locateModel(request(id, { revision: 'v2' }), env).found).toBeUndefined();
  });

  it('offline, a missing model is one error: every missing file, every place looked, how to get it', async () => {
    const env: Env = { AFFECTFLOW_MODELS: path.join(root, 'none'), HF_HUB_CACHE: path.join(root, 'none-hub') };
    const err = await resolveModel(request('Alibaba-NLP/gte-large-en-v1.5'), env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotFoundError);
    const e = err as ModelNotFoundError;
    expect(e.missing).toEqual(['model.onnx (or onnx/model.onnx)', 'tokenizer.json']);
    expect(e.searched.map((s) => s.dir)).toEqual([
      path.join(root, 'none', 'Alibaba-NLP/gte-large-en-v1.5'),
      path.join(root, 'none-hub', 'models--Alibaba-NLP--gte-large-en-v1.5', 'snapshots', '<refs/main>'),
      path.resolve('Alibaba-NLP/gte-large-en-v1.5'),
    ]);
    expect(e.message).toContain('optimum-cli export onnx --model Alibaba-NLP/gte-large-en-v1.5 --task feature-extraction --trust-remote-code');
    expect(e.message).toContain('AFFECTFLOW_ALLOW_DOWNLOAD=1');
    expect(e.message).toContain('revision main');
  });

  it('requirements say what is present and what is missing', () => {
    const dir = put(path.join(root, 'partial'), ['tokenizer.json']);
    const r = modelRequirement(request(dir), {});
    expect(r).toMatchObject({ present: false, location: dir, missing: ['model.onnx (or onnx/model.onnx)'] });
    put(dir, ['model.onnx']);
    expect(modelRequirement(request(dir), {})).toMatchObject({ present: true, location: dir });
  });
});

describe('download (only with AFFECTFLOW_ALLOW_DOWNLOAD=1), against a local stand-in for the hub', () => {
  let server: http.Server;
  let endpoint: string;
  const requested: string[] = [];
  beforeAll(async () => {
    // Serves acme/tiny-encoder at revision main: onnx/model.onnx (not model.onnx) and tokenizer.json.
    const hosted: Record<string, string> = { 'onnx/model.onnx': 'ONNX BYTES', 'onnx/model.onnx_data': 'WEIGHTS', 'tokenizer.json': '{"model":{}}' };
    server = http.createServer((req, res) => {
      requested.push(req.url ?? '');
      const m = /^\/acme\/tiny-encoder\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      const body = m ? hosted[m[1]!] : undefined;
      if (body === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'x-repo-commit': commit }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('does not download unless allowed', async () => {
    requested.length = 0;
    const env: Env = { HF_ENDPOINT: endpoint, HF_HUB_CACHE: path.join(root, 'dl-hub-0') };
    await expect(resolveModel(request(id), env)).rejects.toBeInstanceOf(ModelNotFoundError);
    expect(requested).toEqual([]);
  });

  it('downloads into the hub cache layout, trying alternatives, and finds it offline afterwards', async () => {
    requested.length = 0;
    const hub = path.join(root, 'dl-hub');
    const env: Env = { HF_ENDPOINT: endpoint, HF_HUB_CACHE: hub, AFFECTFLOW_ALLOW_DOWNLOAD: '1' };
    const got = await resolveModel(request(id), env);
    const snapshot = path.join(hub, 'models--acme--tiny-encoder', 'snapshots', commit);
    expect(got.dir).toBe(snapshot);
    expect(readFileSync(got.files['model.onnx']!, 'utf8')).toBe('ONNX BYTES');
    expect(requested).toEqual([
      '/acme/tiny-encoder/resolve/main/model.onnx',
      '/acme/tiny-encoder/resolve/main/onnx/model.onnx',
      '/acme/tiny-encoder/resolve/main/onnx/model.onnx_data',
      '/acme/tiny-encoder/resolve/main/onnx/model.onnx.data',
      '/acme/tiny-encoder/resolve/main/tokenizer.json',
    ]);
    // External weights come along, beside the graph that references them.
    expect(readFileSync(path.join(snapshot, 'onnx/model.onnx_data'), 'utf8')).toBe('WEIGHTS');
    expect(readFileSync(path.join(hub, 'models--acme--tiny-encoder', 'refs/main'), 'utf8')).toBe(commit);
    expect(locateModel(request(id), { HF_HUB_CACHE: hub }).found?.dir).toBe(snapshot);
  });

  it('names the files the hub does not have and writes nothing', async () => {
    const hub = path.join(root, 'dl-hub-2');
    const env: Env = { HF_ENDPOINT: endpoint, HF_HUB_CACHE: hub, AFFECTFLOW_ALLOW_DOWNLOAD: '1' };
    const req = request(id, { files: [...files, 'config.json'] });
    const err = (await resolveModel(req, env).catch((e: unknown) => e)) as ModelNotFoundError;
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect(err.missing).toEqual(['config.json']);
    expect(existsSync(path.join(hub, 'models--acme--tiny-encoder'))).toBe(false);
  });
});

describe('how to obtain an audio encoder', () => {
  it('W2V2-BERT: the torch.onnx.export recipe with its feature extractor; WavLM: optimum; neither has a head', () => {
    const w2vBert = obtainHint('audio-encoder', 'facebook/w2v-bert-2.0');
    expect(w2vBert).toMatch(/input_features \[B,T,160\] \+ attention_mask/);
    expect(w2vBert).toMatch(/SeamlessM4TFeatureExtractor.*\$AFFECTFLOW_MODELS\/facebook\/w2v-bert-2\.0/);
    expect(w2vBert).toMatch(/head: false/);
    const wavlm = obtainHint('audio-encoder', 'microsoft/wavlm-large');
    expect(wavlm).toMatch(/^optimum-cli export onnx --model microsoft\/wavlm-large --task feature-extraction \$AFFECTFLOW_MODELS\/microsoft\/wavlm-large/);
    expect(wavlm).toMatch(/head: false/);
  });

  it("audeering's model: backbone and, with head: true, head.onnx, which other encoders lack", () => {
    const audeering = 'audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim';
    expect(obtainHint('audio-encoder', audeering)).not.toMatch(/head/);
    expect(obtainHint('audio-encoder', audeering, { head: true })).toMatch(/head\.onnx \(\[N,1024\] → \[N,3\]\)[\s\S]*audioHead: false/);
  });
});
