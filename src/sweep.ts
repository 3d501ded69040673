/**
 * Sweeps: run several graphs (modality ablations) or one graph over a grid of params, sharing the feature
 * cache, and collect the scores into one table laid out like the paper's (variant vs score per split).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../runtime/execute.js';
import { parseOverrideValue } from '../runtime/loader.js';
import { runGraph, type RunGraphOptions } from './run.js';

export interface SweepRun {
  label: string;
  file: string;
  overrides: Record<string, unknown>;
}

export interface SweepRow {
  label: string;
  graph: string;
  status: 'ok' | 'failed';
  error?: string;
  /** metric name → value, e.g. "val ρ" → 0.52. */
  values: Record<string, number>;
  runDir?: string;
  seconds?: number;
}

/** `["lr=1e-4,1e-5", "epochs=1,2"]` → every combination. */
export function expandGrid(entries: string[]): Array<Record<string, unknown>> {
  let combos: Array<Record<string, unknown>> = [{}];
  for (const e of entries) {
    const i = e.indexOf('=');
    if (i <= 0) throw new Error(`--grid expects name=v1,v2,..., got "${e}"`);
    const name = e.slice(0, i);
    const values = e
      .slice(i + 1)
      .split(',')
      .map((v) => parseOverrideValue(v.trim()));
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

interface SplitScores {
  meanPearson?: number;
  f1Weighted?: number;
  f1Macro?: number;
  averagePrecision?: number;
}

/** Pull the headline scores out of a run's metrics (metrics nodes and training node). */
export function headlineScores(metrics: Record<string, Record<string, unknown>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of Object.values(metrics)) {
    const splits = m['splits'] as Record<string, SplitScores> | undefined;
    if (splits && (m['task'] === 'regression' || m['task'] === 'binary')) {
      for (const [split, s] of Object.entries(splits)) {
        if (s.meanPearson !== undefined) out[`ρ ${split}`] = s.meanPearson;
        if (s.f1Weighted !== undefined) out[`F1 ${split}`] = s.f1Weighted;
        if (s.f1Macro !== undefined) out[`macro F1 ${split}`] = s.f1Macro;
        if (s.averagePrecision !== undefined) out[`AP ${split}`] = s.averagePrecision;
      }
      if (typeof m['threshold'] === 'number') out['threshold'] = m['threshold'];
    }
    const w = m['mtlWeights'] as Record<string, number> | undefined;
    if (w) for (const [name, v] of Object.entries(w)) out[`w ${name}`] = v;
    if (typeof m['bestEpoch'] === 'number') out['best epoch'] = m['bestEpoch'];
  }
  return out;
}

const ORDER = ['ρ val', 'ρ test', 'F1 val', 'F1 test', 'macro F1 val', 'macro F1 test', 'AP val', 'AP test', 'threshold'];

function columns(rows: SweepRow[]): string[] {
  const all = new Set(rows.flatMap((r) => Object.keys(r.values)));
  const known = ORDER.filter((c) => all.has(c));
  const rest = [...all].filter((c) => !ORDER.includes(c)).sort((a, b) => (a.startsWith('w ') === b.startsWith('w ') ? a.localeCompare(b) : a.startsWith('w ') ? -1 : 1));
  return [...known, ...rest];
}

function cell(v: number | undefined, column: string): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (column === 'best epoch') return String(v);
  return v.toFixed(3).replace(/^0\./, '.').replace(/^-0\./, '-.');
}

export function markdownTable(rows: SweepRow[], title: string): string {
  const cols = columns(rows);
  const lines = [`# ${title}`, '', `| variant | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`];
  for (const r of rows) {
    lines.push(r.status === 'ok' ? `| ${r.label} | ${cols.map((c) => cell(r.values[c], c)).join(' | ')} |` : `| ${r.label} | failed: ${r.error ?? ''} |`);
  }
  return lines.join('\n') + '\n';
}

export function csvTable(rows: SweepRow[]): string {
  const cols = columns(rows);
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return (
    [['variant', 'graph', 'status', ...cols, 'run_dir'].map(esc).join(','), ...rows.map((r) => [r.label, r.graph, r.status, ...cols.map((c) => (r.values[c] === undefined ? '' : String(r.values[c]))), r.runDir ?? ''].map(esc).join(','))].join('\n') + '\n'
  );
}

export async function runSweep(
  runs: SweepRun[],
  options: Omit<RunGraphOptions, 'out' | 'overrides'> & { out: string; title?: string; onProgress?: (line: string) => void },
): Promise<{ rows: SweepRow[]; markdown: string; csv: string }> {
  mkdirSync(options.out, { recursive: true });
  const rows: SweepRow[] = [];
  for (const [i, run] of runs.entries()) {
    options.onProgress?.(`[${i + 1}/${runs.length}] ${run.label}`);
    const dir = path.join(options.out, `${String(i + 1).padStart(2, '0')}-${run.label.replace(/[^A-Za-z0-9._-]+/g, '_')}`);
    try {
      const result = await runGraph(run.file, { ...options, overrides: run.overrides, out: dir });
      rows.push({ label: run.label, graph: run.file, status: 'ok', values: headlineScores(result.metrics), runDir: dir, seconds: result.seconds });
    } catch (e) {
      rows.push({ label: run.label, graph: run.file, status: 'failed', error: e instanceof Error ? e.message.split('\n')[0]! : String(e), values: {}, runDir: dir });
    }
    // Written after every run so an interrupted sweep keeps what it has.
    await writeAtomic(path.join(options.out, 'results.md'), markdownTable(rows, options.title ?? 'Sweep'));
    await writeAtomic(path.join(options.out, 'results.csv'), csvTable(rows));
  }
  return { rows, markdown: markdownTable(rows, options.title ?? 'Sweep'), csv: csvTable(rows) };
}
