/**
 * Real-time factor of the whole perception part on a 60-second clip: demux → faces (5 fps) → ViT, and audio →
 * Whisper → text encoder, and audio → wav2vec2 + VAD head, as one graph without the cache. The clip is the
 * sample EMI videos (synthetic talking faces with speech) concatenated to 60 s. Tiny models by default; set
 * BENCH_MODELS=<folder with tiny-vit, tiny-whisper, tiny-text, tiny-wav2vec2 layouts> for others.
 *
 *   node --import tsx bench/perception.ts      → bench/results/perception.json
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineNode } from '../runtime/contract.js';
import { runFfmpeg } from '../nodes/media/ffmpeg.js';
import { createRegistry } from '../src/registry.js';
import { runGraph } from '../src/run.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const models = process.env['BENCH_MODELS'] ?? path.join(root, 'samples/models');
const seconds = 60;
const dir = path.join(os.tmpdir(), `affectflow-perception-bench-${process.pid}`);
mkdirSync(dir, { recursive: true });

async function makeClip(): Promise<string> {
  const videos = readdirSync(path.join(root, 'samples/emi/video'))
    .sort()
    .map((f) => path.join(root, 'samples/emi/video', f));
  const list = path.join(dir, 'list.txt');
  writeFileSync(list, videos.map((v) => `file '${v}'`).join('\n') + '\n');
  const clip = path.join(dir, 'clip60.mp4');
  const r = await runFfmpeg(['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-t', String(seconds), '-c', 'copy', clip], {
    file: list,
    what: 'concatenate the sample clips',
  });
  if (r.code !== 0) throw new Error(r.stderr);
  return clip;
}

const source = defineNode<{ file: string }>({
  type: 'bench/one-file',
  version: '1',
  description: 'one media file',
  kind: 'source',
  inputs: {},
  outputs: { file: { type: 'media/file' } },
  params: { type: 'object', properties: { file: { type: 'string' } } },
  async *items(ctx) {
    yield { key: 'clip', outputs: { file: ctx.params.file } };
  },
});
const sink = defineNode({
  type: 'bench/sink',
  version: '1',
  description: 'forces its inputs',
  kind: 'map',
  sideEffects: true,
  inputs: { a: { type: 'any' }, b: { type: 'any' }, c: { type: 'any' } },
  outputs: {},
  params: { type: 'object', properties: {} },
  async run() {
    return {};
  },
});

const clip = await makeClip();
const graph = {
  name: 'perception-bench',
  nodes: [
    { id: 'src', type: 'bench/one-file', params: { file: clip } },
    { id: 'demux', type: 'media/demux', in: { file: 'src.file' }, params: { fps: 5 } },
    { id: 'faces', type: 'vision/faces', in: { frames: 'demux.frames' }, params: { detector: 'tiny-face' } },
    { id: 'vit', type: 'encoder/image', in: { frames: 'faces.faces' }, params: { model: path.join(models, 'tiny-vit') } },
    { id: 'asr', type: 'asr/whisper', in: { audio: 'demux.audio' }, params: { model: path.join(models, 'tiny-whisper'), maxNewTokens: 64 } },
    { id: 'segment', type: 'window/first-segment', in: { transcript: 'asr.transcript' } },
    { id: 'text', type: 'encoder/text', in: { texts: 'segment.texts' }, params: { model: path.join(models, 'tiny-text') } },
    { id: 'audio', type: 'encoder/audio', in: { audio: 'demux.audio' }, params: { model: path.join(models, 'tiny-wav2vec2'), head: true } },
    { id: 'sink', type: 'bench/sink', in: { a: 'vit.features', b: 'text.features', c: 'audio.features' } },
  ],
};
const file = path.join(dir, 'graph.json');
writeFileSync(file, JSON.stringify(graph));
const registry = createRegistry();
registry.registerAll([source, sink]);
const t0 = performance.now();
const run = await runGraph(file, { registry, cache: false, quiet: true, out: path.join(dir, 'run') });
const wall = (performance.now() - t0) / 1000;
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`,
  models,
  clipSeconds: seconds,
  wallSeconds: wall,
  realTimeFactor: wall / seconds,
  nodes: run.counts.filter((c) => c.seconds > 0).map((c) => ({ node: c.node, seconds: c.seconds })),
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/perception.json'), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
