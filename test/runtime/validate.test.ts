import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeRegistry } from '../../runtime/registry.js';
import type { Problem } from '../../runtime/errors.js';
import { formatProblem } from '../../runtime/errors.js';
import { prepareGraph } from '../../src/run.js';
import { testRegistry, tmpDir, writeGraph } from '../helpers.js';

let registry: NodeRegistry;
let dir: string;
beforeAll(async () => {
  registry = await testRegistry();
  dir = tmpDir('validate-');
});

async function problemsOf(graph: unknown, overrides?: Record<string, unknown>, name = 'g.json'): Promise<Problem[]> {
  const file = writeGraph(dir, name, graph);
  const prepared = await prepareGraph(file, { registry, ...(overrides ? { overrides } : {}) });
  return prepared.problems;
}

const count = { id: 'src', type: 'test/count' };

describe('validation before run', () => {
  it('accepts a valid graph', async () => {
    expect(await problemsOf({ name: 'ok', nodes: [count, { id: 'sq', type: 'test/square', in: { x: 'src.value' } }] })).toEqual([]);
  });

  it('reports JSON syntax errors with line and column', async () => {
    const problems = await problemsOf('{\n  "name": "x",\n  "nodes": [,]\n}');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.code).toBe('parse');
    expect(problems[0]!.message).toMatch(/line 3, column/);
  });

  it('reports schema errors with a JSON pointer', async () => {
    const problems = await problemsOf({ name: 'x', nodes: [{ id: 'a', type: 'test/count', colour: 'red' }] });
    expect(problems[0]!.code).toBe('schema');
    expect(problems[0]!.pointer).toBe('/nodes/0');
    expect(problems[0]!.message).toContain('unknown field "colour"');
  });

  it('names the nearest known types for an unknown node type', async () => {
    const problems = await problemsOf({ name: 'x', nodes: [count, { id: 'sq', type: 'test/sqare', in: { x: 'src.value' } }] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'unknown-node-type', nodeId: 'sq', pointer: '/nodes/1/type' });
    expect(problems[0]!.hint).toContain('"test/square"');
  });

  it('reports unknown ports, unknown source nodes and unconnected required ports', async () => {
    const problems = await problemsOf({
      name: 'x',
      nodes: [
        count,
        { id: 'a', type: 'test/square', in: { z: 'src.value' } },
        { id: 'b', type: 'test/square', in: { x: 'nowhere.value' } },
        { id: 'c', type: 'test/square', in: { x: 'src.nope' } },
      ],
    });
    const codes = problems.map((p) => `${p.code}:${p.nodeId}:${p.port}`);
    expect(codes).toContain('unknown-port:a:z');
    expect(codes).toContain('unconnected-port:a:x');
    expect(codes).toContain('unknown-node:b:x');
    expect(codes).toContain('unknown-port:c:x');
    const c = problems.find((p) => p.nodeId === 'c')!;
    expect(c.message).toContain('test/count has no output "nope"');
    expect(c.hint).toContain('value, payload');
  });

  it('reports port type mismatches naming both ends', async () => {
    const problems = await problemsOf({ name: 'x', nodes: [{ id: 'au', type: 'test/audio' }, { id: 'w', type: 'test/words', in: { words: 'au.audio' } }] });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.code).toBe('type-mismatch');
    expect(formatProblem(problems[0]!)).toMatch(/node "w", port "words": input "words" expects text\/words but "au.audio" produces audio\/pcm16k/);
  });

  it('checks tensor dims that come from params', async () => {
    const problems = await problemsOf({
      name: 'x',
      nodes: [
        count,
        { id: 'v', type: 'test/vector', in: { x: 'src.value' } },
        { id: 'l1', type: 'test/layer', params: { units: 8 }, in: { x: ['v.t'] } },
        { id: 'l2', type: 'test/layer', in: { x: ['l1.out'] } },
      ],
    });
    // l1.out is tensor[8] (rank 1) but test/layer wants tensor[T,D] (rank 2).
    expect(problems.map((p) => p.code)).toEqual(['type-mismatch']);
    expect(problems[0]!.message).toContain('tensor[8]');
  });

  it('reports cycles with the path', async () => {
    const problems = await problemsOf({
      name: 'x',
      nodes: [
        { id: 'a', type: 'test/add', in: { a: 'c.sum', b: 'src.value' } },
        { id: 'b', type: 'test/square', in: { x: 'a.sum' } },
        { id: 'c', type: 'test/add', in: { a: 'b.y', b: 'src.value' } },
        count,
      ],
    });
    const cycle = problems.find((p) => p.code === 'cycle')!;
    expect(cycle.message).toMatch(/a → b → c → a|b → c → a → b|c → a → b → c/);
  });

  it('reports duplicate ids', async () => {
    const problems = await problemsOf({ name: 'x', nodes: [count, { ...count }] });
    expect(problems).toEqual([expect.objectContaining({ code: 'duplicate-id', nodeId: 'src', pointer: '/nodes/1/id' })]);
  });

  it('reports unresolved ${params} and unknown --set names', async () => {
    const problems = await problemsOf(
      { name: 'x', params: { n: { default: 3 } }, nodes: [{ id: 'src', type: 'test/count', params: { n: '${m}' } }] },
      { nn: 4 },
    );
    const unresolved = problems.filter((p) => p.code === 'unresolved-param');
    expect(unresolved).toHaveLength(2);
    const byNode = unresolved.find((p) => p.nodeId === 'src')!;
    expect(byNode).toMatchObject({ pointer: '/nodes/0/params/n' });
    expect(byNode.message).toContain('"${m}" does not name a graph param');
    const bySet = unresolved.find((p) => p.param === 'nn')!;
    expect(bySet.message).toContain('--set nn: the graph (and the graphs it includes) declares no param "nn"');
    expect(bySet.hint).toContain('did you mean "n"');
  });

  it('lets --set and presets reach params that only an included graph declares', async () => {
    writeGraph(dir, 'parts/deep.json', {
      name: 'deep',
      params: { offset: { default: 0 } },
      inputs: { x: 'sq.x' },
      outputs: { y: 'sq.y' },
      nodes: [{ id: 'sq', type: 'test/square', params: { offset: '${offset}' } }],
    });
    const graph = {
      name: 'x',
      presets: { shifted: { offset: 5 } },
      nodes: [count, { id: 'a', include: 'parts/deep.json', in: { x: 'src.value' } }, { id: 'b', include: 'parts/deep.json', in: { x: 'src.value' } }],
    };
    const file = writeGraph(dir, 'deep-top.json', graph);
    const set = await prepareGraph(file, { registry, overrides: { offset: 2 } });
    expect(set.problems).toEqual([]);
    expect(set.plan.nodes.get('a/sq')!.params['offset']).toBe(2);
    expect(set.plan.nodes.get('b/sq')!.params['offset']).toBe(2);
    const preset = await prepareGraph(file, { registry, preset: 'shifted' });
    expect(preset.plan.nodes.get('a/sq')!.params['offset']).toBe(5);
    // An included graph's own preset of the same name sets its own params, unless the top level sets them.
    writeGraph(dir, 'parts/own.json', {
      name: 'own',
      params: { offset: { default: 0 }, delayMs: { default: 0 } },
      presets: { shifted: { offset: 9, delayMs: 1 } },
      inputs: { x: 'sq.x' },
      outputs: { y: 'sq.y' },
      nodes: [{ id: 'sq', type: 'test/square', params: { offset: '${offset}', delayMs: '${delayMs}' } }],
    });
    const own = writeGraph(dir, 'own-top.json', { ...graph, nodes: [count, { id: 'a', include: 'parts/own.json', in: { x: 'src.value' } }] });
    const scoped = await prepareGraph(own, { registry, preset: 'shifted' });
    expect(scoped.problems).toEqual([]);
    expect(scoped.plan.nodes.get('a/sq')!.params).toMatchObject({ offset: 5, delayMs: 1 });
  });

  it('applies a preset before --set, and reports unknown presets', async () => {
    const graph = {
      name: 'x',
      params: { n: { default: 3 }, prefix: { default: 'k' } },
      presets: { big: { n: 100, prefix: 'b' }, broken: { m: 1 } },
      nodes: [{ id: 'src', type: 'test/count', params: { n: '${n}', prefix: '${prefix}' } }],
    };
    const file = writeGraph(dir, 'presets.json', graph);
    const big = await prepareGraph(file, { registry, preset: 'big', overrides: { prefix: 'c' } });
    expect(big.problems).toEqual([]);
    expect(big.plan.nodes.get('src')!.params).toMatchObject({ n: 100, prefix: 'c' });
    expect(big.graph.params['n']!.source).toBe('preset');
    const none = await prepareGraph(file, { registry, preset: 'huge' });
    expect(none.problems[0]!.message).toContain('--preset huge: neither the graph nor the graphs it includes declare such a preset');
    expect(none.problems[0]!.hint).toBe('presets: big, broken');
    const broken = await prepareGraph(file, { registry, preset: 'broken' });
    expect(broken.problems[0]!.message).toContain('preset "broken" sets "m": the graph (and the graphs it includes) declares no param "m"');
  });

  it('reports invalid params with the node schema', async () => {
    const problems = await problemsOf({ name: 'x', nodes: [{ id: 'src', type: 'test/count', params: { n: -1, colour: 1 } }] });
    expect(problems.map((p) => p.message).sort()).toEqual(['params/n must be >= 0', 'params: unknown param "colour"']);
  });

  it('reports missing files referenced by params', async () => {
    writeFileSync(path.join(dir, 'exists.txt'), 'x');
    const problems = await problemsOf({
      name: 'x',
      nodes: [
        { id: 'r1', type: 'test/read-file', params: { file: 'exists.txt' } },
        { id: 'r2', type: 'test/read-file', params: { file: 'missing.txt' } },
      ],
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'missing-file', nodeId: 'r2', param: 'file' });
    expect(problems[0]!.message).toContain(path.join(dir, 'missing.txt'));
  });

  it('reports every missing model of the nodes that will run, not of unused ones', async () => {
    const problems = await problemsOf({
      name: 'x',
      nodes: [
        count,
        { id: 'a', type: 'test/needs-model', in: { x: 'src.value' }, params: { model: '/nowhere/a' } },
        { id: 'b', type: 'test/needs-model', in: { x: 'a.y' }, params: { model: '/nowhere/b' } },
        { id: 'unused', type: 'test/needs-model', in: { x: 'src.value' }, params: { model: '/nowhere/c' } },
        { id: 'r', type: 'test/record', in: { x: 'b.y' } },
      ],
    });
    expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['missing-file', 'a'],
      ['missing-file', 'b'],
    ]);
    expect(formatProblem(problems[0]!)).toBe(
      'node "a": test model /nowhere/a is missing model.onnx (looked in /nowhere/a)\n    hint: make one\n          with care'.replace(
        'node',
        `${path.join(dir, 'g.json')}, node`,
      ),
    );
  });

  it('reports a one-pass stream feeding two inputs', async () => {
    const problems = await problemsOf({
      name: 'x',
      nodes: [
        { id: 'au', type: 'test/audio' },
        { id: 'r1', type: 'test/record', in: { x: 'au.frames' } },
        { id: 'r2', type: 'test/record', in: { x: 'au.frames' } },
      ],
    });
    expect(problems).toEqual([expect.objectContaining({ code: 'fan-out', nodeId: 'au', port: 'frames' })]);
  });

  it('reports every problem at once, not just the first', async () => {
    const problems = await problemsOf({
      name: 'x',
      nodes: [count, { id: 'a', type: 'test/nope' }, { id: 'b', type: 'test/square' }, { id: 'c', type: 'test/count', params: { n: 'many' } }],
    });
    expect(problems.map((p) => p.code).sort()).toEqual(['invalid-params', 'unconnected-port', 'unknown-node-type']);
  });

  it('checks wiring inside and into included graphs', async () => {
    writeGraph(dir, 'parts/sub.json', {
      name: 'sub',
      params: { offset: { default: 0 } },
      inputs: { x: 'sq.x' },
      outputs: { y: 'sq.y' },
      nodes: [{ id: 'sq', type: 'test/square', params: { offset: '${offset}' } }],
    });
    const good = await problemsOf({
      name: 'x',
      nodes: [count, { id: 'sub', include: 'parts/sub.json', params: { offset: 1 }, in: { x: 'src.value' } }, { id: 'r', type: 'test/record', in: { x: 'sub.y' } }],
    });
    expect(good).toEqual([]);
    const bad = await problemsOf({
      name: 'x',
      nodes: [count, { id: 'sub', include: 'parts/sub.json', params: { offs: 1 }, in: { z: 'src.value' } }, { id: 'r', type: 'test/record', in: { x: 'sub.w' } }],
    });
    const text = bad.map(formatProblem).join('\n');
    expect(text).toContain('param "offs" is passed to');
    expect(text).toContain('needs input "x" but it is not wired');
    expect(text).toContain('exports no input "z"');
    expect(text).toContain('exports no output "w"');
  });

  it('passes include params through to the graph below that declares them', async () => {
    writeGraph(dir, 'inner.json', {
      name: 'inner',
      params: { offset: { default: 0 } },
      inputs: { x: 'sq.x' },
      outputs: { y: 'sq.y' },
      nodes: [{ id: 'sq', type: 'test/square', params: { offset: '${offset}' } }],
    });
    writeGraph(dir, 'experiment.json', {
      name: 'experiment',
      nodes: [count, { id: 'part', include: 'inner.json', in: { x: 'src.value' } }, { id: 'r', type: 'test/record', in: { x: 'part.y' } }],
    });
    const variant = await problemsOf({ name: 'variant', nodes: [{ id: 'exp', include: 'experiment.json', params: { offset: 3 } }] });
    expect(variant).toEqual([]);
    const prepared = await prepareGraph(path.join(dir, 'g.json'), { registry });
    expect(prepared.plan.nodes.get('exp/part/sq')!.params['offset']).toBe(3);
    // A relative path passed down is relative to the graph that wrote it, not to the one that declares it.
    writeGraph(dir, 'nested/inner-path.json', {
      name: 'inner-path',
      params: { where: { type: 'path', default: '.' } },
      nodes: [{ id: 'r', type: 'test/read-file', params: { file: '${where}' } }],
    });
    writeGraph(dir, 'nested/outer-path.json', { name: 'outer-path', nodes: [{ id: 'in', include: 'inner-path.json' }] });
    writeFileSync(path.join(dir, 'here.txt'), 'x');
    const passed = await problemsOf({ name: 'v', nodes: [{ id: 'o', include: 'nested/outer-path.json', params: { where: 'here.txt' } }] });
    expect(passed).toEqual([]);
    const typo = await problemsOf({ name: 'variant', nodes: [{ id: 'exp', include: 'experiment.json', params: { ofset: 3 } }] });
    expect(typo[0]!.message).toContain('param "ofset" is passed to experiment.json but neither it nor the graphs it includes declare such a param');
  });

  it('rejects a graph that includes itself', async () => {
    const problems = await problemsOf({ name: 'x', nodes: [{ id: 'me', include: 'self.json' }] }, undefined, 'self.json');
    expect(problems[0]!.code).toBe('include');
  });
});
