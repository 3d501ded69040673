/**
 * The graph library: every file in graphs/ is valid, has an up-to-date picture in docs/graphs/, and runs end
 * to end on the bundled sample data with one epoch (sharing one feature cache, as a user's runs do); a sweep
 * over the modality variants writes the paper-style table.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toMermaid } from '../runtime/viz.js';
import { prepareGraph, runGraph } from '../src/run.js';
import { runSweep } from '../src/sweep.js';
import { withGraphTable } from '../scripts/build-docs.js';
import { repoRoot, tmpDir } from './helpers.js';

const graphsDir = path.join(repoRoot, 'graphs');
const files = readdirSync(graphsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

let dir: string;
let cache: string;
beforeAll(() => {
  dir = tmpDir('graphs-');
  cache = path.join(dir, 'cache');
});

describe('graph files', () => {
  it('covers the paper: modality variants, MTL, encoder ablations and the text window sweep', () => {
    const names = files.map((f) => f.replace(/\.json$/, ''));
    for (const m of ['text', 'text-audio', 'audio-vision', 'text-vision', 'trimodal']) expect(names).toContain(`emi-${m}`);
    for (const m of ['vision', 'audio', 'text', 'audio-vision', 'text-audio', 'text-vision', 'trimodal']) expect(names).toContain(`bah-${m}`);
    for (const m of ['audio-vision', 'audio-text', 'text-vision', 'trimodal']) expect(names).toContain(`emi-mtl-${m}`);
    for (const s of [5, 15, 20, 25, 35]) expect(names).toContain(`bah-text-window-${s}s`);
    for (const e of ['bert-base', 'bert-large', 'roberta-base', 'gte-base', 'gte-large']) expect(names).toContain(`emi-text-${e}`);
    for (const e of ['vit-s', 'vit-b', 'vit-h']) expect(names).toContain(`emi-vision-${e}`);
    for (const e of ['w2v2-bert', 'wavlm', 'audeering']) expect(names).toContain(`emi-audio-${e}`);
  });

  it('the task pages list every graph of their task', async () => {
    for (const task of ['emi', 'bah']) {
      const graphs = [];
      for (const f of files.filter((f) => f.startsWith(`${task}-`))) {
        const { graph } = await prepareGraph(path.join(graphsDir, f));
        graphs.push({ name: f.replace(/\.json$/, ''), description: graph.description ?? '' });
      }
      const page = readFileSync(path.join(repoRoot, 'docs', `${task}.md`), 'utf8');
      expect(withGraphTable(page, task, graphs)).toBe(page);
    }
  });

  it.each(files)('%s is valid, with the paper preset too, and its picture is up to date', async (file) => {
    const prepared = await prepareGraph(path.join(graphsDir, file));
    expect(prepared.problems).toEqual([]);
    const paper = await prepareGraph(path.join(graphsDir, file), { preset: 'paper' });
    // With the paper preset the real models are named; they are not on this machine, so only params are checked.
    expect(paper.problems.filter((p) => p.code !== 'missing-file')).toEqual([]);
    const name = file.replace(/\.json$/, '');
    const mmd = path.join(repoRoot, 'docs/graphs', `${name}.mmd`);
    expect(existsSync(path.join(repoRoot, 'docs/graphs', `${name}.svg`))).toBe(true);
    expect(readFileSync(mmd, 'utf8')).toBe(toMermaid(prepared.plan));
  });
});

describe('every graph runs on the sample data', () => {
  it.each(files)('%s', async (file) => {
    const out = path.join(dir, file.replace(/\.json$/, ''));
    const run = await runGraph(path.join(graphsDir, file), { overrides: { epochs: 1 }, cache, out, quiet: true });
    expect(JSON.parse(readFileSync(path.join(out, 'status.json'), 'utf8')).status).toBe('ok');
    expect(existsSync(path.join(out, 'scores.json'))).toBe(true);
    const trainDirs = readdirSync(out).filter((d) => d.endsWith('_train'));
    expect(trainDirs).toHaveLength(1);
    for (const f of ['history.csv', 'curves.svg', 'model.safetensors']) expect(existsSync(path.join(out, trainDirs[0]!, f))).toBe(true);
    if (file.startsWith('emi')) {
      const rows = readFileSync(path.join(out, 'preds.csv'), 'utf8').trim().split('\n');
      expect(rows[0]).toBe('Filename,Admiration,Amusement,Determination,Empathic Pain,Excitement,Joy');
      expect(rows).toHaveLength(1 + 6);
      expect(existsSync(path.join(out, 'scatter.svg'))).toBe(true);
    } else {
      const example = readFileSync(path.join(repoRoot, 'samples/bah/example_submission.txt'), 'utf8').trim().split('\n');
      const lines = readFileSync(path.join(out, 'submission.txt'), 'utf8').trim().split('\n');
      expect(lines.map((l) => l.split(',')[0])).toEqual(example.map((l) => l.split(',')[0]));
      expect(lines.every((l) => /,[01]$/.test(l))).toBe(true);
      expect(existsSync(path.join(out, 'timeline.svg'))).toBe(true);
    }
    expect(run.skipped).toEqual([]);
  }, 300_000);

  it('the authoring example (a plugin node in its own graph) runs too', async () => {
    const out = path.join(dir, 'example');
    const run = await runGraph(path.join(repoRoot, 'examples/stat-pooling/emi-stat-pool.json'), { overrides: { epochs: 1 }, cache, out, quiet: true });
    expect(existsSync(path.join(out, 'preds.csv'))).toBe(true);
    expect(run.counts.find((c) => c.node === 'audioStats')!.done).toBe(36);
  }, 300_000);

  it('run-graph sweep --grid runs one graph over a param grid (the text window) from the command line', () => {
    if (!existsSync(path.join(repoRoot, 'dist/src/cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: repoRoot });
    const out = path.join(dir, 'sweep-grid');
    const r = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin/run-graph.js'), 'sweep', path.join(graphsDir, 'bah-text.json'), '--grid', 'textRadius=1,2.5', '--set', 'epochs=1', '--cache', cache, '--out', out, '--quiet', '--title', 'Text window'],
      { encoding: 'utf8', timeout: 280_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('# Text window');
    expect(r.stdout).toMatch(/\| bah-text textRadius=1 \| \.\d{3} \|/);
    expect(r.stdout).toMatch(/\| bah-text textRadius=2\.5 \| \.\d{3} \|/);
    expect(readFileSync(path.join(out, 'results.md'), 'utf8')).toBe(r.stdout.slice(0, r.stdout.indexOf('\nwritten to')));
  }, 300_000);

  it('a sweep over the BAH modality variants writes Table 4', async () => {
    const variants = ['vision', 'audio', 'text', 'audio-vision', 'text-audio', 'text-vision', 'trimodal'].map((m) => `bah-${m}`);
    const out = path.join(dir, 'sweep-bah');
    const { rows, markdown } = await runSweep(
      variants.map((v) => ({ label: v, file: path.join(graphsDir, `${v}.json`), overrides: { epochs: 1 } })),
      { out, cache, quiet: true, title: 'BAH (Table 4)' },
    );
    expect(rows.map((r) => r.status)).toEqual(variants.map(() => 'ok'));
    expect(markdown).toMatch(/\| variant \| F1 val \| F1 test \| macro F1 val \| macro F1 test \| AP val \| AP test \| threshold \|/);
    for (const v of variants) expect(markdown).toMatch(new RegExp(`\\| ${v} \\| \\.\\d{3} \\| \\.\\d{3} \\|`));
  }, 300_000);

  it('a sweep over the EMI modality variants writes Table 1', async () => {
    const variants = ['text', 'text-audio', 'audio-vision', 'text-vision', 'trimodal'].map((m) => `emi-${m}`);
    const out = path.join(dir, 'sweep-emi');
    const { rows, markdown } = await runSweep(
      variants.map((v) => ({ label: v, file: path.join(graphsDir, `${v}.json`), overrides: { epochs: 1 } })),
      { out, cache, quiet: true, title: 'EMI (Table 1)' },
    );
    expect(rows.map((r) => r.status)).toEqual(variants.map(() => 'ok'));
    expect(markdown).toContain('| variant | ρ val | ρ test |');
    for (const v of variants) expect(markdown).toMatch(new RegExp(`\\| ${v} \\| -?\\.\\d{3} \\| -?\\.\\d{3} \\|`));
    expect(readFileSync(path.join(out, 'results.csv'), 'utf8').split('\n')[0]).toContain('variant,graph,status,ρ val,ρ test');
  }, 300_000);
});
