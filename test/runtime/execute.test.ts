import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, DeadlockError, GraphValidationError } from '../../runtime/errors.js';
import type { NodeRegistry } from '../../runtime/registry.js';
import { runGraph, type RunGraphOptions } from '../../src/run.js';
import { calls, resetCalls, testRegistry, tmpDir, writeGraph } from '../helpers.js';

let registry: NodeRegistry;
let dir: string;
beforeAll(async () => {
  registry = await testRegistry();
  dir = tmpDir('execute-');
});
beforeEach(() => resetCalls());

let counter = 0;
async function run(graph: unknown, options: Partial<RunGraphOptions> = {}) {
  const file = writeGraph(dir, `g${counter++}.json`, graph);
  return runGraph(file, { registry, quiet: true, cache: false, out: path.join(dir, `run${counter}`), ...options });
}

const runsOf = (node: string) => calls().filter((c) => c.node === node && c.op === 'run');

describe('execution', () => {
  it('runs a chain and reduces it', async () => {
    const result = await run({
      name: 'chain',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 5 } },
        { id: 'sq', type: 'test/square', in: { x: 'src.value' } },
        { id: 'sum', type: 'test/sum', in: { x: 'sq.y' } },
      ],
    });
    expect(result.singletons['sum.total']).toBe(30);
    expect(result.metrics['sum']).toEqual({ total: 30, n: 5 });
    const metrics = JSON.parse(readFileSync(path.join(result.runDir, 'metrics.json'), 'utf8'));
    expect(metrics.metrics.sum.total).toBe(30);
    expect(JSON.parse(readFileSync(path.join(result.runDir, 'graph.resolved.json'), 'utf8')).nodes).toHaveLength(3);
  });

  it('joins inputs by key even when sources produce keys in different orders', async () => {
    const result = await run({
      name: 'join',
      nodes: [
        { id: 'a', type: 'test/count', params: { n: 6 } },
        { id: 'b', type: 'test/count', params: { n: 6, reverse: true } },
        { id: 'sq', type: 'test/square', in: { x: 'b.value' } },
        { id: 'add', type: 'test/add', in: { a: 'a.value', b: 'sq.y' } },
        { id: 'rec', type: 'test/record', in: { x: 'add.sum' } },
      ],
    });
    expect(result.skipped).toEqual([]);
    const seen = calls().filter((c) => c.node === 'rec').map((c) => [c.key, c.value]);
    expect(Object.fromEntries(seen)).toEqual({ k000: 0, k001: 2, k002: 6, k003: 12, k004: 20, k005: 30 });
  });

  it('runs a shared upstream once for all consumers (fan-out)', async () => {
    await run({
      name: 'fanout',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 4 } },
        { id: 'sq', type: 'test/square', in: { x: 'src.value' } },
        { id: 'r1', type: 'test/record', in: { x: 'sq.y' } },
        { id: 'r2', type: 'test/record', in: { x: 'sq.y' } },
        { id: 'sum', type: 'test/sum', in: { x: 'sq.y' } },
      ],
    });
    expect(runsOf('sq')).toHaveLength(4);
    expect(calls().filter((c) => c.op === 'record')).toHaveLength(8);
  });

  it('does not run a node whose outputs nothing uses', async () => {
    await run({
      name: 'unused',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 3 } },
        { id: 'used', type: 'test/square', in: { x: 'src.value' } },
        { id: 'unused', type: 'test/square', in: { x: 'src.value' } },
        { id: 'rec', type: 'test/record', in: { x: 'used.y' } },
      ],
    });
    expect(runsOf('used')).toHaveLength(3);
    expect(runsOf('unused')).toHaveLength(0);
  });

  it('gives a many-input its values in declared order', async () => {
    await run({
      name: 'many',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 3 } },
        { id: 'sq', type: 'test/square', in: { x: 'src.value' }, params: { offset: 100 } },
        { id: 'cat', type: 'test/concat', in: { xs: ['sq.y', 'src.value'] } },
        { id: 'rec', type: 'test/record', in: { x: 'cat.list' } },
      ],
    });
    const seen = Object.fromEntries(calls().filter((c) => c.node === 'rec').map((c) => [c.key, c.value]));
    expect(seen).toEqual({ k000: [100, 0], k001: [101, 1], k002: [104, 2] });
  });

  it('gives a single value (broadcast) to every item, after it exists', async () => {
    const result = await run({
      name: 'broadcast',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 4 } },
        { id: 'sum', type: 'test/sum', in: { x: 'src.value' } },
        { id: 'scale', type: 'test/scale', in: { x: 'src.value', factor: 'sum.total' } },
        { id: 'total', type: 'test/sum', in: { x: 'scale.y' } },
      ],
    });
    // factor = 0+1+2+3 = 6; total = 6 * 6
    expect(result.singletons['total.total']).toBe(36);
  });

  it('keeps memory bounded on a long stream (backpressure)', async () => {
    const maxInFlight = 3;
    await run(
      {
        name: 'long',
        nodes: [
          { id: 'src', type: 'test/count', params: { n: 120 } },
          { id: 'heavy', type: 'test/heavy', in: { x: 'src.value' }, params: { floats: 1_000_000 }, concurrency: 2 },
          { id: 'sink', type: 'test/measure', in: { big: 'heavy.big' }, params: { delayMs: 2 } },
        ],
      },
      { maxInFlight },
    );
    const events = calls().filter((c) => c.node === 'src' || c.node === 'sink');
    let emitted = 0;
    let measured = 0;
    let maxAhead = 0;
    for (const e of events) {
      if (e.op === 'emit') emitted++;
      else measured++;
      maxAhead = Math.max(maxAhead, emitted - measured);
    }
    expect(measured).toBe(120);
    // The source never gets more than the flow limit ahead of the sink (+1 for the item being pulled).
    expect(maxAhead).toBeLessThanOrEqual(maxInFlight + 1);
    // 120 items × 4 MB would be 480 MB if the stream piled up.
    const peak = Math.max(...calls().filter((c) => c.op === 'measure').map((c) => c['heap'] as number));
    expect(peak).toBeLessThan(120 * 4_000_000 * 0.25);
  });

  it('reuses cached outputs, and skips the upstream of a cached node', async () => {
    const cache = path.join(dir, 'cache');
    const graph = (offset: number, scaleParams = {}) => ({
      name: 'cached',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 4 } },
        { id: 'sqA', type: 'test/square', in: { x: 'src.value' } },
        { id: 'sqB', type: 'test/square', in: { x: 'sqA.y' }, params: { offset } },
        { id: 'sum', type: 'test/sum', in: { x: 'sqB.y' }, params: scaleParams },
      ],
    });
    const first = await run(graph(0), { cache });
    expect(runsOf('sqA')).toHaveLength(4);
    expect(runsOf('sqB')).toHaveLength(4);
    resetCalls();
    const second = await run(graph(0), { cache });
    expect(second.singletons['sum.total']).toBe(first.singletons['sum.total']);
    expect(runsOf('sqB')).toHaveLength(0);
    expect(runsOf('sqA')).toHaveLength(0); // not needed: sqB came from the cache
    expect(second.cache?.hits).toBe(4);
    resetCalls();
    // Changing a downstream node's params re-uses sqA's cached outputs.
    const third = await run(graph(1), { cache });
    expect(runsOf('sqA')).toHaveLength(0);
    expect(runsOf('sqB')).toHaveLength(4);
    expect(third.singletons['sum.total']).toBe((first.singletons['sum.total'] as number) + 4);
  });

  it('identifies source outputs one by one: a change to one output keeps the cache of another', async () => {
    const cache = path.join(dir, 'cache-ports');
    const graph = (payloadFloats: number) => ({
      name: 'ports',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 3, payloadFloats } },
        { id: 'sq', type: 'test/square', in: { x: 'src.value' } },
        { id: 'sum', type: 'test/sum', in: { x: 'sq.y' } },
      ],
    });
    await run(graph(0), { cache });
    expect(runsOf('sq')).toHaveLength(3);
    resetCalls();
    await run(graph(4), { cache });
    expect(runsOf('sq')).toHaveLength(0);
  });

  it('recomputes a damaged cache entry instead of trusting it', async () => {
    const cache = path.join(dir, 'cache-damaged');
    const graph = {
      name: 'damaged',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 2 } },
        { id: 'sq', type: 'test/square', in: { x: 'src.value' } },
        { id: 'sum', type: 'test/sum', in: { x: 'sq.y' } },
      ],
    };
    await run(graph, { cache });
    const { readdirSync, writeFileSync, statSync } = await import('node:fs');
    const files: string[] = [];
    const walk = (d: string) =>
      readdirSync(d).forEach((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : files.push(path.join(d, f))));
    walk(cache);
    expect(files).toHaveLength(2);
    writeFileSync(files[0]!, readFileSync(files[0]!).subarray(0, 20)); // truncated, as a crash might leave it
    resetCalls();
    const again = await run(graph, { cache });
    expect(again.singletons['sum.total']).toBe(1);
    expect(runsOf('sq')).toHaveLength(1);
    expect(again.cache?.corrupt).toBe(1);
  });

  it('stops on an error naming the node and the sample', async () => {
    await expect(
      run({
        name: 'fails',
        nodes: [
          { id: 'src', type: 'test/count', params: { n: 5 } },
          { id: 'sq', type: 'test/square', in: { x: 'src.value' }, params: { failOn: 'k003' } },
          { id: 'sum', type: 'test/sum', in: { x: 'sq.y' } },
        ],
      }),
    ).rejects.toThrow(/node "sq", sample "k003": test\/square failed: cannot square 3/);
  });

  it('runs setup once per run, and a failed setup stops the run naming the node', async () => {
    await run({ name: 'setup', nodes: [{ id: 'src', type: 'test/count', params: { n: 3 } }, { id: 'use', type: 'test/needs-setup', in: { x: 'src.value' } }] });
    expect(runsOf('use').map((c) => c['loaded'])).toEqual([true, true, true]);
    await expect(
      run({
        name: 'setup-fails',
        nodes: [{ id: 'src', type: 'test/count', params: { n: 3 } }, { id: 'use', type: 'test/needs-setup', in: { x: 'src.value' }, params: { fail: true } }],
      }),
    ).rejects.toThrow(/^node "use": test\/needs-setup failed: model folder \/nowhere is missing model.onnx$/);
  });

  it('skips failing samples when the node says so, and reports them', async () => {
    const result = await run({
      name: 'skips',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 5 } },
        { id: 'sq', type: 'test/square', in: { x: 'src.value' }, params: { failOn: 'k003', skipOn: 'k001' }, onError: 'skip' },
        { id: 'sum', type: 'test/sum', in: { x: 'sq.y' } },
      ],
    });
    expect(result.singletons['sum.keys']).toEqual(['k000', 'k002', 'k004']);
    expect(result.skipped).toEqual([
      { nodeId: 'sq', key: 'k001', reason: 'told to skip' },
      { nodeId: 'sq', key: 'k003', reason: 'cannot square 3' },
    ]);
  });

  it('cancels cleanly', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const promise = run(
      {
        name: 'cancel',
        nodes: [
          { id: 'src', type: 'test/count', params: { n: 1000 } },
          { id: 'sq', type: 'test/square', in: { x: 'src.value' }, params: { delayMs: 20 } },
          { id: 'sum', type: 'test/sum', in: { x: 'sq.y' } },
        ],
      },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 100);
    await expect(promise).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(runsOf('sq').length).toBeLessThan(100);
  });

  it('detects a run that cannot progress and says why', async () => {
    await expect(
      run(
        {
          name: 'stuck',
          nodes: [
            { id: 'a', type: 'test/count', params: { n: 50 } },
            { id: 'b', type: 'test/count', params: { n: 50, reverse: true } },
            { id: 'add', type: 'test/add', in: { a: 'a.value', b: 'b.value' } },
            { id: 'rec', type: 'test/record', in: { x: 'add.sum' } },
          ],
        },
        { maxInFlight: 2 },
      ),
    ).rejects.toSatisfy((e: unknown) => e instanceof DeadlockError && /node "add" holds \d+ sample/.test(e.message));
  });

  it('reports samples that reach one input of a join but not the other', async () => {
    await expect(
      run({
        name: 'mismatch',
        nodes: [
          { id: 'a', type: 'test/count', params: { n: 3 } },
          { id: 'b', type: 'test/count', params: { n: 4 } },
          { id: 'add', type: 'test/add', in: { a: 'a.value', b: 'b.value' } },
          { id: 'rec', type: 'test/record', in: { x: 'add.sum' } },
        ],
      }),
    ).rejects.toThrow(/"k003" came on b ← b.value but never on a ← a.value/);
  });

  it('compiles symbolic nodes and feeds their streams to the consumer', async () => {
    const result = await run({
      name: 'symbolic',
      nodes: [
        { id: 'src', type: 'test/count', params: { n: 2 } },
        { id: 'sq', type: 'test/square', in: { x: 'src.value' } },
        { id: 'v1', type: 'test/vector', in: { x: 'src.value' } },
        { id: 'v2', type: 'test/vector', in: { x: 'sq.y' } },
        { id: 'inner', type: 'test/layer', params: { name: 'g' }, in: { x: ['v1.t'] } },
        { id: 'outer', type: 'test/layer', params: { units: 2 }, in: { x: ['v2.t', 'v1.t'] } },
        { id: 'fit', type: 'test/fit', in: { model: 'outer.out' } },
      ],
    });
    // inner is not used by outer here: only what reaches the consumer counts.
    expect(result.singletons['fit.summary']).toEqual({
      model: 'f(feed(v2.t), feed(v1.t))',
      feeds: ['v2.t', 'v1.t'],
      rows: [
        { key: 'k000', feeds: { 'v2.t': [0], 'v1.t': [0] } },
        { key: 'k001', feeds: { 'v2.t': [1], 'v1.t': [1] } },
      ],
    });
  });

  it('refuses to run an invalid graph, listing every problem', async () => {
    await expect(run({ name: 'bad', nodes: [{ id: 'a', type: 'test/nope' }, { id: 'b', type: 'test/square' }] })).rejects.toSatisfy(
      (e: unknown) => e instanceof GraphValidationError && e.problems.length === 2,
    );
  });
});
