import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, testNodesPath, tmpDir, writeGraph } from '../helpers.js';

const bin = path.join(repoRoot, 'bin/run-graph.js');
let dir: string;

function cli(args: string[], cwd = dir) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // The CLI runs the compiled code; build it if this checkout has not been built yet.
  if (!existsSync(path.join(repoRoot, 'dist/src/cli.js'))) {
    const b = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(b.stderr);
  }
  dir = tmpDir('cli-');
  writeGraph(dir, 'sub.json', {
    name: 'squares',
    params: { offset: { default: 0 } },
    inputs: { x: 'sq.x' },
    outputs: { y: 'sq.y' },
    nodes: [{ id: 'sq', type: 'test/square', params: { offset: '${offset}' } }],
  });
  writeGraph(dir, 'good.json', {
    name: 'good',
    plugins: [path.relative(dir, testNodesPath)],
    params: { n: { default: 3, type: 'integer' }, offset: { default: 0, type: 'number' } },
    nodes: [
      { id: 'src', type: 'test/count', params: { n: '${n}' } },
      { id: 'part', include: 'sub.json', params: { offset: '${offset}' }, in: { x: 'src.value' } },
      { id: 'sum', type: 'test/sum', in: { x: 'part.y' } },
    ],
  });
  writeGraph(dir, 'slow.json', {
    name: 'slow',
    plugins: [path.relative(dir, testNodesPath)],
    nodes: [
      { id: 'src', type: 'test/count', params: { n: 10000 } },
      { id: 'sq', type: 'test/square', params: { delayMs: 5 }, in: { x: 'src.value' } },
      { id: 'sum', type: 'test/sum', in: { x: 'sq.y' } },
    ],
  });
  writeGraph(dir, 'bad.json', {
    name: 'bad',
    plugins: [path.relative(dir, testNodesPath)],
    nodes: [
      { id: 'src', type: 'test/count', params: { n: 'three' } },
      { id: 'sq', type: 'test/sqaure', in: { x: 'src.value' } },
      { id: 'rec', type: 'test/record' },
    ],
  });
});

describe('run-graph CLI', () => {
  it('validate prints every problem and exits non-zero', () => {
    const r = cli(['validate', 'bad.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('bad.json: 3 problems');
    expect(r.stdout).toContain('node "src", param "n": params/n must be integer');
    expect(r.stdout).toContain('unknown node type "test/sqaure"');
    expect(r.stdout).toContain('did you mean "test/square"');
    expect(r.stdout).toContain('node "rec", port "x": required input "x" (any) is not connected');
  });

  it('validate accepts a good graph', () => {
    const r = cli(['validate', 'good.json']);
    expect(r.stdout).toContain('good.json: ok (3 nodes)');
    expect(r.code).toBe(0);
  });

  it('runs a graph with --set and --out, writing the run directory', () => {
    const r = cli(['good.json', '--set', 'n=4', '--set', 'offset=1', '--out', 'out1', '--no-cache']);
    expect(r.stderr).toContain('running good');
    expect(r.code).toBe(0);
    const metrics = JSON.parse(readFileSync(path.join(dir, 'out1/metrics.json'), 'utf8'));
    expect(metrics.metrics.sum.total).toBe(0 + 1 + 4 + 9 + 4);
    const resolved = JSON.parse(readFileSync(path.join(dir, 'out1/graph.resolved.json'), 'utf8'));
    expect(resolved.params).toEqual({ n: 4, offset: 1 });
    expect(resolved.nodes.find((n: { id: string }) => n.id === 'part/sq').params.offset).toBe(1);
    expect(readFileSync(path.join(dir, 'out1/log.txt'), 'utf8')).toContain('running good');
    expect(JSON.parse(readFileSync(path.join(dir, 'out1/status.json'), 'utf8')).status).toBe('ok');
  });

  it('rejects an unknown --set name with a hint', () => {
    const r = cli(['good.json', '--set', 'offest=1', '--out', 'out2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--set offest: the graph (and the graphs it includes) declares no param "offest"');
    expect(r.stderr).toContain('did you mean "offset"');
  });

  it('viz writes SVG, Mermaid and DOT with clusters and typed edges', () => {
    const r = cli(['viz', 'good.json', '--out', 'pics']);
    expect(r.code).toBe(0);
    const svg = readFileSync(path.join(dir, 'pics/good.svg'), 'utf8');
    expect(svg).toMatch(/^<\?xml|<svg/);
    expect(svg).toContain('test/square');
    expect(svg).toContain('cluster_part');
    const mmd = readFileSync(path.join(dir, 'pics/good.mmd'), 'utf8');
    expect(mmd.startsWith('flowchart LR')).toBe(true);
    expect(mmd).toContain('subgraph n_cluster_part');
    expect(mmd).toContain('n_src -- "value→x: test/number" --> n_part_sq');
  });

  it('nodes lists types and describes one', () => {
    const list = cli(['nodes', '--plugin', testNodesPath]);
    expect(list.stdout).toContain('test/square');
    const one = cli(['nodes', 'test/count', '--plugin', testNodesPath]);
    expect(one.stdout).toContain('test/count (source');
    expect(one.stdout).toContain('n: integer, default 5');
    expect(one.stdout).toContain('value: test/number');
  });

  it('Ctrl-C cancels a run cleanly with exit code 130', async () => {
    const child = spawn(process.execPath, [bin, 'slow.json', '--out', 'cancelled', '--no-cache'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('running slow')) setTimeout(() => child.kill('SIGINT'), 300);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain('cancelling');
    expect(JSON.parse(readFileSync(path.join(dir, 'cancelled/status.json'), 'utf8')).status).toBe('failed');
    expect(existsSync(path.join(dir, 'cancelled/metrics.json'))).toBe(false);
  });
});
