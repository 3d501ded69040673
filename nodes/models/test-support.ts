/**
 * Test support for model-backed nodes: where the committed tiny models and the shared real tokenizers are,
 * synthetic inputs, and running one node inside a real graph (a feeding source → the node → a collecting sink)
 * with the real runtime, so params are validated and defaults applied exactly as in a user's run.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeDefinition, PortSpec } from '../../runtime/contract.js';
import { NodeRegistry } from '../../runtime/registry.js';
import { runGraph } from '../../src/run.js';
import type { AudioPcm } from '../values.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export type TinyModel =
  | 'tiny-text'
  | 'tiny-vit'
  | 'tiny-wav2vec2'
  | 'tiny-whisper'
  | 'tiny-bert-base'
  | 'tiny-bert-large'
  | 'tiny-roberta-base'
  | 'tiny-gte-base'
  | 'tiny-gte-large'
  | 'tiny-vit-s'
  | 'tiny-vit-b'
  | 'tiny-vit-h'
  | 'tiny-wavlm'
  | 'tiny-w2v2-bert';
export const tinyModelDir = (name: TinyModel) => path.join(repoRoot, 'samples/models', name);

/** The real tokenizers beside the repository (absent in a user's clone: tests skip). */
export const sharedModels = path.resolve(repoRoot, '../shared/models');
export const sharedTokenizer = (name: 'all-MiniLM-L6-v2' | 'whisper-base.en') => path.join(sharedModels, 'tokenizers', name);
export const hasSharedTokenizer = (name: 'all-MiniLM-L6-v2' | 'whisper-base.en') => existsSync(path.join(sharedTokenizer(name), 'tokenizer.json'));

/** Deterministic test audio: a few tones plus pseudo-random noise, `seconds` long at 16 kHz. */
export function syntheticPcm(seconds: number, seed = 1): AudioPcm {
  const n = Math.round(seconds * 16000);
  const samples = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const noise = (s / 4294967296 - 0.5) * 0.1;
    const t = i / 16000;
    samples[i] = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 587 * t + seed) + noise;
  }
  return { sampleRate: 16000, samples };
}

export interface NodeRunOptions {
  params?: Record<string, unknown>;
  /** Sample key → input port → value. */
  samples: Record<string, Record<string, unknown>>;
  /** Port type the feeding source declares per input port (default: the node's input type). */
  feedTypes?: Record<string, string>;
  /** Extra node types (e.g. the node's siblings). */
  extra?: NodeDefinition[];
  /** Graph file folder (relative model paths resolve against it). */
  dir?: string;
}

export interface NodeRunResult {
  outputs: Map<string, Record<string, unknown>>;
  skipped: Array<{ key: string; reason: string }>;
}

/** Run `node` on the given samples in a real graph; returns each sample's outputs. */
export async function runNode(node: NodeDefinition, o: NodeRunOptions): Promise<NodeRunResult> {
  const collected = new Map<string, Record<string, unknown>>();
  // Ports fed by the samples (an optional input may be left out).
  const given = new Set(Object.values(o.samples).flatMap((s) => Object.keys(s)));
  const inputPorts = Object.keys(node.inputs).filter((p) => given.has(p) || !node.inputs[p]!.optional);
  const outputPorts = Object.keys(node.outputs);
  const feed: NodeDefinition = {
    type: 'test/feed',
    version: '1',
    kind: 'source',
    description: 'yields the given samples',
    inputs: {},
    outputs: Object.fromEntries(
      inputPorts.map((port): [string, PortSpec] => [port, { type: o.feedTypes?.[port] ?? node.inputs[port]!.type, onePass: true }]),
    ),
    params: { type: 'object' },
    async *items() {
      for (const [key, outputs] of Object.entries(o.samples)) yield { key, outputs };
    },
  };
  const collect: NodeDefinition = {
    type: 'test/collect',
    version: '1',
    kind: 'map',
    sideEffects: true,
    description: 'keeps what it receives',
    inputs: Object.fromEntries(outputPorts.map((port): [string, PortSpec] => [port, { type: 'any' }])),
    outputs: {},
    params: { type: 'object' },
    async run(inputs, ctx) {
      collected.set(ctx.key, inputs);
      return {};
    },
  };
  const registry = new NodeRegistry();
  registry.registerAll([node, feed, collect, ...(o.extra ?? [])]);
  const dir = o.dir ?? mkdtempSync(path.join(os.tmpdir(), 'affectflow-node-'));
  const file = path.join(dir, `graph-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const graph = {
    name: 'node-test',
    nodes: [
      { id: 'feed', type: 'test/feed' },
      { id: 'node', type: node.type, params: o.params ?? {}, in: Object.fromEntries(inputPorts.map((p) => [p, `feed.${p}`])) },
      { id: 'collect', type: 'test/collect', in: Object.fromEntries(outputPorts.map((p) => [p, `node.${p}`])) },
    ],
  };
  writeFileSync(file, JSON.stringify(graph, null, 2));
  const result = await runGraph(file, { registry, quiet: true, cache: false, out: path.join(dir, 'run-' + path.basename(file, '.json')) });
  return { outputs: collected, skipped: result.skipped.map((s) => ({ key: s.key, reason: s.reason })) };
}
