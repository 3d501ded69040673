/**
 * Runtime overhead: items per second through a chain of no-op map nodes, against calling the same
 * functions directly in a loop. Run: `node --import tsx bench/runtime.ts [items] [chain length]`.
 * Writes bench/results/runtime.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineNode } from '../runtime/contract.js';
import { NodeRegistry } from '../runtime/registry.js';
import { runGraph } from '../src/run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const items = Number(process.argv[2] ?? 20000);
const chain = Number(process.argv[3] ?? 10);

const noParams = { type: 'object', additionalProperties: false, properties: {} };
const increment = (x: number): number => x + 1;

const source = defineNode<{ n: number }>({
  type: 'bench/source',
  version: '1',
  description: 'n numbered items',
  kind: 'source',
  inputs: {},
  outputs: { x: { type: 'bench/number' } },
  params: { type: 'object', properties: { n: { type: 'integer' } } },
  async count(ctx) {
    return ctx.params.n;
  },
  async *items(ctx) {
    for (let i = 0; i < ctx.params.n; i++) yield { key: String(i), outputs: { x: i } };
  },
});
const noop = defineNode({
  type: 'bench/increment',
  version: '1',
  description: 'x + 1',
  kind: 'map',
  concurrency: 4,
  inputs: { x: { type: 'bench/number' } },
  outputs: { x: { type: 'bench/number' } },
  params: noParams,
  async run(inputs) {
    return { x: increment(inputs['x'] as number) };
  },
});
let total = 0;
const sink = defineNode({
  type: 'bench/sink',
  version: '1',
  description: 'adds up',
  kind: 'map',
  inputs: { x: { type: 'bench/number' } },
  outputs: {},
  params: noParams,
  async run(inputs) {
    total += inputs['x'] as number;
    return {};
  },
});

async function direct(): Promise<number> {
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < items; i++) {
    let x = i;
    for (let j = 0; j < chain; j++) x = (await noop.run({ x }, undefined as never, undefined))['x'] as number;
    sum += x;
  }
  if (sum < 0) throw new Error('unreachable');
  return (performance.now() - t0) / 1000;
}

async function graph(): Promise<number> {
  const registry = new NodeRegistry();
  registry.registerAll([source, noop, sink]);
  const nodes: unknown[] = [{ id: 'src', type: 'bench/source', params: { n: items } }];
  for (let j = 0; j < chain; j++) nodes.push({ id: `n${j}`, type: 'bench/increment', in: { x: j === 0 ? 'src.x' : `n${j - 1}.x` } });
  nodes.push({ id: 'sink', type: 'bench/sink', in: { x: `n${chain - 1}.x` } });
  const dir = path.join(os.tmpdir(), `affectflow-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'chain.json');
  writeFileSync(file, JSON.stringify({ name: 'chain', nodes }));
  total = 0;
  const t0 = performance.now();
  await runGraph(file, { registry, quiet: true, cache: false, out: path.join(dir, 'run') });
  const seconds = (performance.now() - t0) / 1000;
  const expected = items * chain + (items * (items - 1)) / 2;
  if (total !== expected) throw new Error(`graph computed ${total}, expected ${expected}`);
  return seconds;
}

const directSeconds = await direct();
const graphSeconds = await graph();
const perItemNodeUs = ((graphSeconds - directSeconds) / (items * (chain + 1))) * 1e6;
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`,
  items,
  chainLength: chain,
  directSeconds,
  graphSeconds,
  itemsPerSecond: items / graphSeconds,
  nodeExecutionsPerSecond: (items * (chain + 1)) / graphSeconds,
  overheadMicrosecondsPerNodeExecution: perItemNodeUs,
  slowdownVsDirect: graphSeconds / directSeconds,
};
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results/runtime.json'), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
