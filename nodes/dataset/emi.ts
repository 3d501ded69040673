import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { EMI_EMOTIONS } from '../sample/nodes.js';
import { parseCsv } from './csv.js';
import { commonDatasetParams, fileIdentity, layoutSource, LayoutCheck } from './layout.js';

interface EmiParams {
  root: string;
  splits: string[];
  labels: string;
  video: string;
  audio: string;
  text: string;
  require: Array<'video' | 'audio' | 'text'>;
  limit?: number;
}

export interface EmiClip {
  id: string;
  split: string;
  labels: Float32Array;
  video: string;
  audio: string;
  text: string;
}

function fill(pattern: string, vars: Record<string, string>): string {
  return pattern.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

/** Read and check the Hume-Vidmimic2 layout; every problem is reported at once. */
export function readEmiLayout(p: EmiParams): EmiClip[] {
  const check = new LayoutCheck(`EMI dataset at ${p.root}`);
  const clips: EmiClip[] = [];
  for (const split of p.splits) {
    const file = path.resolve(p.root, fill(p.labels, { split }));
    if (!check.need(file, `labels of split "${split}"`)) continue;
    const rows = parseCsv(readFileSync(file, 'utf8'));
    const header = rows.shift()?.cells.map((c) => c.trim()) ?? [];
    if (header[0] !== 'Filename') {
      check.problem(`${file}: line 1 must start with "Filename" (got "${header.join(',')}")`);
      continue;
    }
    const columns = EMI_EMOTIONS.map((e) => header.indexOf(e));
    const labelled = columns.every((c) => c >= 0);
    if (!labelled && columns.some((c) => c >= 0)) {
      check.problem(`${file}: header has some but not all of ${EMI_EMOTIONS.join(', ')}`);
      continue;
    }
    for (const row of rows) {
      const raw = row.cells[0]!.trim();
      if (!/^\d+$/.test(raw)) {
        check.problem(`${file}:${row.line}: Filename "${raw}" is not a clip number`);
        continue;
      }
      const id = raw.padStart(5, '0');
      const labels = new Float32Array(EMI_EMOTIONS.length).fill(Number.NaN);
      if (labelled) {
        columns.forEach((c, j) => {
          const v = Number(row.cells[c]);
          if (!Number.isFinite(v)) check.problem(`${file}:${row.line}: ${EMI_EMOTIONS[j]} = "${row.cells[c] ?? ''}" is not a number`);
          labels[j] = v;
        });
      }
      const clip: EmiClip = {
        id,
        split,
        labels,
        video: path.resolve(p.root, fill(p.video, { id, split })),
        audio: path.resolve(p.root, fill(p.audio, { id, split })),
        text: path.resolve(p.root, fill(p.text, { id, split })),
      };
      for (const kind of p.require) check.need(clip[kind], `${kind} of clip ${id}`);
      clips.push(clip);
    }
  }
  check.finish();
  const seen = new Set<string>();
  for (const c of clips) {
    if (seen.has(c.id)) throw new InputError(`EMI dataset at ${p.root}: clip ${c.id} is listed twice`);
    seen.add(c.id);
  }
  return p.limit !== undefined ? clips.slice(0, p.limit) : clips;
}

export const emiDataset = defineNode<EmiParams>({
  type: 'dataset/emi',
  version: '1',
  description: 'Hume-Vidmimic2 (EMI) clips: labels per split, video, audio and transcript paths.',
  docs: `Layout (patterns are params): \`labels/{split}.csv\` with header
\`Filename,Admiration,Amusement,Determination,Empathic Pain,Excitement,Joy\` (a test split may have only \`Filename\`;
its labels are then unknown), \`video/{id}.mp4\`, \`audio/{id}.mp3\`, \`text/{id}.txt\`; ids are zero-padded to 5 digits.
Every missing file named in \`require\` is listed in one error before anything runs.`,
  kind: 'source',
  inputs: {},
  outputs: {
    video: { type: 'media/file' },
    audio: { type: 'media/file' },
    text: { type: 'media/file', description: 'transcript file' },
    labels: { type: 'label/vector', description: 'six intensities in [0,1] (NaN when unknown)' },
    split: { type: 'data/split' },
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      ...commonDatasetParams(['video', 'audio', 'text'], ['video', 'text'], 'clip'),
      labels: { type: 'string', default: 'labels/{split}.csv' },
      video: { type: 'string', default: 'video/{id}.mp4' },
      audio: { type: 'string', default: 'audio/{id}.mp3' },
      text: { type: 'string', default: 'text/{id}.txt' },
    },
  },
  ...layoutSource('emi', readEmiLayout, (c) => ({
    key: c.id,
    outputs: { video: c.video, audio: c.audio, text: c.text, labels: c.labels, split: c.split },
    fingerprints: { video: fileIdentity(c.video), audio: fileIdentity(c.audio), text: fileIdentity(c.text) },
  })),
});
