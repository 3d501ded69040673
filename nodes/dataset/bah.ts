import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { defineNode } from '../../runtime/contract.js';
import type { FrameLabels } from '../values.js';
import { splitFirst } from './csv.js';
import { commonDatasetParams, dirIdentity, fileIdentity, layoutSource, LayoutCheck } from './layout.js';

interface BahParams {
  root: string;
  splits: string[];
  splitFile: string;
  annotations: string;
  transcripts: string;
  faces: string;
  videos: string;
  fps: number;
  require: Array<'video' | 'faces' | 'transcript'>;
  limit?: number;
}

export interface BahVideo {
  key: string;
  split: string;
  videoLabel: number;
  labels: FrameLabels;
  video: string;
  faces: string;
  transcript: string;
}

const FRAME = /frame-(\d+)\.(?:jpe?g|png)$/i;

function fill(pattern: string, vars: Record<string, string>): string {
  return pattern.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

/** Frame labels from an annotation YAML: `{<video>: {frame_annotation: [[".../frame-N.jpg", 0|1], ...]}}`. */
export function parseAnnotation(text: string, file: string, check: LayoutCheck): Uint8Array | undefined {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    check.problem(`${file}: not valid YAML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    return undefined;
  }
  const entry = doc && typeof doc === 'object' ? Object.values(doc as Record<string, unknown>)[0] : undefined;
  const list = (entry as { frame_annotation?: unknown } | undefined)?.frame_annotation;
  if (!Array.isArray(list)) {
    check.problem(`${file}: expected {<video>: {frame_annotation: [[<frame path>, 0|1], ...]}}`);
    return undefined;
  }
  const byFrame = new Map<number, number>();
  for (const [i, item] of list.entries()) {
    const m = Array.isArray(item) && typeof item[0] === 'string' ? FRAME.exec(item[0]) : null;
    const label = Array.isArray(item) ? Number(item[1]) : NaN;
    if (!m || (label !== 0 && label !== 1)) {
      check.problem(`${file}: frame_annotation[${i}] must be ["<path>/frame-<N>.jpg", 0|1], got ${JSON.stringify(item)}`);
      return undefined;
    }
    byFrame.set(Number(m[1]), label);
  }
  const count = byFrame.size ? Math.max(...byFrame.keys()) + 1 : 0;
  const labels = new Uint8Array(count);
  for (let f = 0; f < count; f++) {
    const l = byFrame.get(f);
    if (l === undefined) {
      check.problem(`${file}: frame ${f} has no label (frames must run 0…${count - 1})`);
      return undefined;
    }
    labels[f] = l;
  }
  return labels;
}

function countFaceFrames(dir: string): number {
  try {
    const ns = readdirSync(dir)
      .map((f) => FRAME.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
    return ns.length ? Math.max(...ns) + 1 : 0;
  } catch {
    return 0;
  }
}

export function readBahLayout(p: BahParams): BahVideo[] {
  const check = new LayoutCheck(`BAH dataset at ${p.root}`);
  const videos: BahVideo[] = [];
  for (const split of p.splits) {
    const file = path.resolve(p.root, fill(p.splitFile, { split }));
    if (!check.need(file, `split file of "${split}"`)) continue;
    const lines = readFileSync(file, 'utf8').split(/\r?\n/);
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const [videoPath, label, transcript] = splitFirst(line, 2);
      if (!videoPath || transcript === undefined || !/^[01]$/.test((label ?? '').trim())) {
        check.problem(`${file}:${i + 1}: expected "<video path>,<0|1>,<transcript>", got "${line.slice(0, 80)}"`);
        return;
      }
      const key = videoPath.trim().replace(/\.[^./]+$/, '');
      const vars = { key, video: videoPath.trim(), split };
      const v: BahVideo = {
        key,
        split,
        videoLabel: Number(label),
        labels: { fps: p.fps, labels: new Uint8Array(0) },
        video: path.resolve(p.root, fill(p.videos, vars)),
        faces: path.resolve(p.root, fill(p.faces, vars)),
        transcript: path.resolve(p.root, fill(p.transcripts, vars)),
      };
      for (const kind of p.require) check.need(v[kind], `${kind} of ${key}`);
      const annotation = path.resolve(p.root, fill(p.annotations, vars));
      const frames = countFaceFrames(v.faces);
      if (existsSync(annotation)) {
        const labels = parseAnnotation(readFileSync(annotation, 'utf8'), annotation, check);
        if (labels) v.labels = { fps: p.fps, labels, known: true };
      } else if (frames > 0) {
        // Unlabelled (e.g. test) video: frame count from the face crops, labels unknown.
        v.labels = { fps: p.fps, labels: new Uint8Array(frames), known: false };
      } else {
        check.problem(`${annotation} (annotation of ${key}; without it the frame count must come from face crops)`);
      }
      videos.push(v);
    });
  }
  check.finish();
  return p.limit !== undefined ? videos.slice(0, p.limit) : videos;
}

export const bahDataset = defineNode<BahParams>({
  type: 'dataset/bah',
  version: '1',
  description: 'BAH videos: frame labels, split, video, face crops and transcript paths.',
  docs: `Layout (patterns are params; \`{key}\` is the video path without extension, \`{video}\` with it):
\`splits/{split}.txt\` lines \`<video path>,<0|1>,<transcript>\` (split on the first two commas),
\`annotations/{key}.yaml\` = \`{<video>: {frame_annotation: [["<key>/frame-<N>.jpg", 0|1], ...]}}\`,
\`transcripts/{key}.yaml\` = \`{chunks: [{text, timestamp: [start, end]}]}\`, \`faces/{key}/frame-<N>.jpg\` (aligned crops),
\`videos/{video}\`. All videos are 24 fps. A video without annotation gets its frame count from its face crops and
unknown labels (test split). Every missing file is listed in one error before anything runs.`,
  kind: 'source',
  inputs: {},
  outputs: {
    video: { type: 'media/file' },
    faces: { type: 'media/file', description: 'folder of aligned face crops frame-<N>.jpg' },
    transcript: { type: 'media/file', description: 'transcript YAML' },
    labels: { type: 'label/frame' },
    split: { type: 'data/split' },
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      ...commonDatasetParams(['video', 'faces', 'transcript'], ['faces', 'transcript'], 'video'),
      splitFile: { type: 'string', default: 'splits/{split}.txt' },
      annotations: { type: 'string', default: 'annotations/{key}.yaml' },
      transcripts: { type: 'string', default: 'transcripts/{key}.yaml' },
      faces: { type: 'string', default: 'faces/{key}' },
      videos: { type: 'string', default: 'videos/{video}' },
      fps: { type: 'number', exclusiveMinimum: 0, default: 24, description: 'frame rate of the labels' },
    },
  },
  ...layoutSource('bah', readBahLayout, (v) => ({
    key: v.key,
    outputs: { video: v.video, faces: v.faces, transcript: v.transcript, labels: v.labels, split: v.split },
    fingerprints: { video: fileIdentity(v.video), faces: dirIdentity(v.faces), transcript: fileIdentity(v.transcript) },
  })),
});
