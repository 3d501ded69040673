/**
 * Encoder and ASR throughput through the real nodes (graph runtime + onnxruntime-node, CPU):
 * frames/s for encoder/image, audio-seconds/s for encoder/audio and asr/whisper, texts/s for encoder/text.
 * Runs on the committed tiny models, and on the paper's real models when they are found offline
 * ($AFFECTFLOW_MODELS or the Hugging Face cache; see docs/models.md). Each measurement is one graph run over
 * several samples, so the one-off session creation is included but amortised.
 *
 *   node --import tsx bench/encoders.ts [--threads N] [--quick]
 *
 * Writes bench/results/encoders.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeDefinition } from '../runtime/contract.js';
import { audioEncoder } from '../nodes/encoders/audio.js';
import { imageEncoder } from '../nodes/encoders/image.js';
import { textEncoder } from '../nodes/encoders/text.js';
import { whisperAsr } from '../nodes/asr/whisper.js';
import { PAPER_MODELS, type ModelParams } from '../nodes/models/catalog.js';
import { locateModel } from '../nodes/models/resolve.js';
import { modelRequest, type NodeModelSpec } from '../nodes/models/request.js';
import { runNode, syntheticPcm, tinyModelDir } from '../nodes/models/test-support.js';
import type { FaceFrame, FaceStream } from '../nodes/values.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const threadsArg = argv.indexOf('--threads');
const threads = threadsArg >= 0 ? Number(argv[threadsArg + 1]) : 0;
const quick = argv.includes('--quick');

interface Measurement {
  node: string;
  model: string;
  params: Record<string, unknown>;
  unit: 'frames/s' | 'audio-seconds/s' | 'texts/s';
  /** Work units processed (frames, seconds of audio, texts). */
  work: number;
  seconds: number;
  throughput: number;
}

/** 256×256 face crops (8 distinct ones, made once, so making frames costs nothing in the timing). */
const CROPS = Array.from({ length: 8 }, (_, i) => new Uint8Array(256 * 256 * 3).map((_, j) => (j * 31 + i * 7) & 255));

function faces(n: number): FaceStream {
  async function* frames(): AsyncGenerator<FaceFrame> {
    for (let i = 0; i < n; i++) yield { index: i, time: i / 5, found: true, crop: { width: 256, height: 256, rgb: CROPS[i % CROPS.length]! } };
  }
  return { fps: 5, count: n, frames: frames() };
}

const WORDS = 'well I guess that is not really what I mean but maybe we could try it um sure'.split(' ');
function texts(n: number, words = 24): string[] {
  return Array.from({ length: n }, (_, i) => {
    const w = Array.from({ length: words }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]!);
    w.splice(words >> 1, 0, '[ATTENTION]');
    return w.join(' ');
  });
}

async function measure(
  node: NodeDefinition,
  model: string,
  params: Record<string, unknown>,
  unit: Measurement['unit'],
  samples: () => Record<string, Record<string, unknown>>,
  work: number,
): Promise<Measurement> {
  const all = { model, threads, ...params };
  const t0 = performance.now();
  await runNode(node, { params: all, samples: samples(), ...(node === imageEncoder ? { feedTypes: { frames: 'video/faces' } } : {}) });
  const seconds = (performance.now() - t0) / 1000;
  const shown = path.isAbsolute(model) ? path.relative(path.join(here, '..'), model) : model;
  const m: Measurement = { node: node.type, model: shown, params, unit, work, seconds, throughput: work / seconds };
  process.stderr.write(`${m.node} ${path.basename(model)}: ${m.throughput.toFixed(1)} ${unit} (${work} in ${seconds.toFixed(2)} s)\n`);
  return m;
}

interface Workload {
  frames: number;
  audioSeconds: number;
  asrSeconds: number;
  texts: number;
}

async function benchAll(models: { text: string; vit: string; audio: string; whisper: string }, w: Workload, head: boolean): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const samples = 4;
  out.push(
    await measure(imageEncoder, models.vit, { batchSize: 8 }, 'frames/s', () => Object.fromEntries(Array.from({ length: samples }, (_, i) => [`v${i}`, { frames: faces(w.frames / samples) }])), w.frames),
  );
  out.push(
    await measure(audioEncoder, models.audio, { head }, 'audio-seconds/s', () => Object.fromEntries(Array.from({ length: samples }, (_, i) => [`a${i}`, { audio: syntheticPcm(w.audioSeconds / samples, i + 1) }])), w.audioSeconds),
  );
  out.push(
    await measure(whisperAsr, models.whisper, { beams: 1 }, 'audio-seconds/s', () => ({ a: { audio: syntheticPcm(w.asrSeconds, 3) } }), w.asrSeconds),
  );
  out.push(
    await measure(textEncoder, models.text, { pooling: 'marker', batchSize: 16 }, 'texts/s', () => Object.fromEntries(Array.from({ length: samples }, (_, i) => [`t${i}`, { texts: { texts: texts(w.texts / samples) } }])), w.texts),
  );
  return out;
}

/** The paper's model for a node when it is on disk (never downloads). */
function realModel(id: string, spec: NodeModelSpec): string | undefined {
  const params: ModelParams = { model: id, revision: 'main', threads };
  return locateModel(modelRequest(params, path.join(here, 'bench.json'), spec)).found?.dir;
}

const tiny = await benchAll(
  { text: tinyModelDir('tiny-text'), vit: tinyModelDir('tiny-vit'), audio: tinyModelDir('tiny-wav2vec2'), whisper: tinyModelDir('tiny-whisper') },
  quick ? { frames: 64, audioSeconds: 60, asrSeconds: 30, texts: 256 } : { frames: 512, audioSeconds: 600, asrSeconds: 120, texts: 2048 },
  true,
);

const real = {
  text: realModel(PAPER_MODELS.textBah, { role: 'text-encoder', files: [['model.onnx', 'onnx/model.onnx'], 'tokenizer.json', 'tokenizer_config.json'] }),
  vit: realModel(PAPER_MODELS.vision, { role: 'image-encoder', files: [['model.onnx', 'onnx/model.onnx'], 'preprocessor_config.json'] }),
  audio: realModel(PAPER_MODELS.audio, { role: 'audio-encoder', files: [['model.onnx', 'onnx/model.onnx'], 'head.onnx'] }),
  whisper: realModel(PAPER_MODELS.asr, {
    role: 'asr',
    files: [['encoder_model.onnx', 'onnx/encoder_model.onnx'], ['decoder_model.onnx', 'onnx/decoder_model.onnx'], 'tokenizer.json', 'tokenizer_config.json', 'config.json', 'generation_config.json', 'preprocessor_config.json'],
  }),
};
const realFound = Object.values(real).every((d) => d !== undefined);
const realResults = realFound
  ? await benchAll(real as { text: string; vit: string; audio: string; whisper: string }, { frames: 16, audioSeconds: 24, asrSeconds: 30, texts: 64 }, true)
  : [];

const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`,
  threads: threads || 'onnxruntime default (all cores)',
  note: 'one graph run per measurement (session creation included, amortised over the workload); tiny models have random weights and tiny widths, so their numbers measure the pipeline (preprocessing, runtime, decoding loop), not real inference',
  tiny,
  real: realFound ? realResults : { skipped: 'the paper models were not found offline', looked: real },
};
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results/encoders.json'), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
