/**
 * The bundled samples (samples/emi, samples/bah, made by scripts/media/make-samples.ts): layout, label
 * consistency with content, and that the default face detector finds the synthetic faces.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demux, type DemuxParams } from '../../nodes/media/demux.js';
import { collect, repoRoot, runMapNode, sharedModels } from '../../nodes/media/test-util.js';
import type { FaceStream, FrameStream, MediaInfo } from '../../nodes/values.js';
import { faces, type FacesParams } from '../../nodes/vision/faces.js';
import { CONFIDENT, EMOTIONS, HESITANT, PHRASES } from '../../scripts/media/sample-content.js';

const emi = path.join(repoRoot, 'samples/emi');
const bah = path.join(repoRoot, 'samples/bah');
const demuxDefaults: DemuxParams = { decodeAudio: true, requireAudio: true, startSeconds: 0, fit: 'stretch' };

async function open(file: string, params: Partial<DemuxParams> = {}) {
  const out = await runMapNode(demux, { ...demuxDefaults, ...params }, { file });
  return { info: out['info'] as MediaInfo, frames: out['frames'] as FrameStream, samples: (out['audio'] as { samples: Float32Array }).samples };
}

function csv(file: string): { header: string[]; rows: string[][] } {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  return { header: head!.split(','), rows: lines.map((l) => l.split(',')) };
}

describe('samples/emi', () => {
  const splits = ['train', 'val', 'test'].map((s) => csv(path.join(emi, 'labels', `${s}.csv`)));
  const rows = splits.flatMap((s) => s.rows);

  it('has the Hume-Vidmimic2 layout: 24/6/6 labelled clips with video, audio and text', () => {
    for (const s of splits) expect(s.header).toEqual(['Filename', ...EMOTIONS]);
    expect(splits.map((s) => s.rows.length)).toEqual([24, 6, 6]);
    const ids = rows.map((r) => r[0]!);
    expect(new Set(ids).size).toBe(36);
    for (const r of rows) {
      expect(r[0]).toMatch(/^\d{5}$/);
      for (const v of r.slice(1).map(Number)) expect(v >= 0 && v <= 1).toBe(true);
      for (const f of [`video/${r[0]}.mp4`, `audio/${r[0]}.mp3`, `text/${r[0]}.txt`]) expect(existsSync(path.join(emi, f)), f).toBe(true);
    }
  });

  it('labels follow the content: a clip about an emotion scores high on it', () => {
    let matched = 0;
    let themed = 0;
    for (const r of rows) {
      const text = readFileSync(path.join(emi, 'text', `${r[0]}.txt`), 'utf8').trim();
      const theme = EMOTIONS.find((e) => PHRASES[e].some((p) => text.startsWith(p)));
      if (!theme) continue;
      themed++;
      const values = r.slice(1).map(Number);
      if (values.indexOf(Math.max(...values)) === EMOTIONS.indexOf(theme)) matched++;
    }
    expect(themed).toBeGreaterThan(25);
    expect(matched / themed).toBeGreaterThan(0.9);
  });

  it('clips are 3-5 s talking faces at 10 fps with speech, and the MP3 matches', async () => {
    const id = rows[0]![0]!;
    const video = await open(path.join(emi, 'video', `${id}.mp4`), { count: 3 });
    expect(video.info).toMatchObject({ width: 320, height: 240, fps: 10, hasAudio: true });
    expect(video.info.duration).toBeGreaterThanOrEqual(2.9);
    expect(video.info.duration).toBeLessThanOrEqual(5.2);
    const audio = await open(path.join(emi, 'audio', `${id}.mp3`));
    expect(Math.abs(audio.samples.length / 16000 - video.info.duration)).toBeLessThan(0.15);
    const rms = Math.sqrt(audio.samples.reduce((s, v) => s + v * v, 0) / audio.samples.length);
    expect(rms).toBeGreaterThan(0.01);
  });
});

interface Chunk {
  text: string;
  timestamp: [number, number];
}

describe('samples/bah', () => {
  const splitLines = Object.fromEntries(
    ['train', 'val', 'test'].map((s) => [s, readFileSync(path.join(bah, 'splits', `${s}.txt`), 'utf8').trim().split('\n')]),
  );
  const videos = Object.values(splitLines)
    .flat()
    .map((line) => {
      const [video, label] = line.split(',', 2);
      return { video: video!, label: Number(label), transcript: line.slice(video!.length + label!.length + 2) };
    });

  it('has the BAH layout and frame labels that match the hesitant phrases exactly', async () => {
    expect(videos).toHaveLength(8);
    let positive = 0;
    let total = 0;
    for (const v of videos) {
      const name = v.video.replace(/\.mp4$/, '');
      const annotation = parse(readFileSync(path.join(bah, 'annotations', `${name}.yaml`), 'utf8')) as Record<string, { frame_annotation: Array<[string, number]> }>;
      expect(Object.keys(annotation)).toEqual([v.video]);
      const frames = annotation[v.video]!.frame_annotation;
      frames.forEach(([p], n) => expect(p).toBe(`${name}/frame-${n}.jpg`));
      const jpgs = readdirSync(path.join(bah, 'faces', name)).filter((f) => f.endsWith('.jpg'));
      expect(jpgs).toHaveLength(frames.length);
      const { info } = await open(path.join(bah, 'videos', v.video), { decodeAudio: false });
      expect(info).toMatchObject({ fps: 24, frameCount: frames.length, hasAudio: true });
      const { chunks } = parse(readFileSync(path.join(bah, 'transcripts', `${name}.yaml`), 'utf8')) as { chunks: Chunk[] };
      expect(chunks.map((c) => c.text).join(' ')).toBe(v.transcript);
      for (const [i, c] of chunks.entries()) {
        expect(c.timestamp[0]).toBeLessThan(c.timestamp[1]);
        if (i > 0) expect(c.timestamp[0]).toBeGreaterThan(chunks[i - 1]!.timestamp[1]);
        expect(c.timestamp[1]).toBeLessThanOrEqual(info.duration);
        expect(HESITANT.includes(c.text) || CONFIDENT.includes(c.text)).toBe(true);
      }
      const hesitant = chunks.filter((c) => HESITANT.includes(c.text));
      frames.forEach(([, label], n) => {
        const t = n / 24;
        expect(label).toBe(hesitant.some((c) => t >= c.timestamp[0] && t < c.timestamp[1]) ? 1 : 0);
      });
      expect(v.label).toBe(hesitant.length > 0 ? 1 : 0);
      positive += frames.filter(([, l]) => l === 1).length;
      total += frames.length;
    }
    expect(positive / total).toBeGreaterThan(0.17);
    expect(positive / total).toBeLessThan(0.28);
  });

  it('has an example submission for the test videos, in an organiser-like (not sorted) order', () => {
    const lines = readFileSync(path.join(bah, 'example_submission.txt'), 'utf8').trim().split('\n');
    const test = splitLines['test']!.map((l) => l.split(',')[0]!.replace(/\.mp4$/, ''));
    expect(new Set(lines.map((l) => l.replace(/\/frame-\d+\.jpg,0$/, '')))).toEqual(new Set(test));
    for (const l of lines) expect(l).toMatch(/^s\d+\/q\d+\/frame-\d+\.jpg,0$/);
    expect(lines).not.toEqual([...lines].sort());
  });
});

const yunetDir = path.join(sharedModels, 'yunet');

describe.skipIf(!existsSync(yunetDir))('samples: the default detector finds the synthetic faces', () => {
  it('detects a face in every sampled frame of several EMI and BAH videos', async () => {
    const params: FacesParams = {
      detector: 'yunet',
      modelDir: yunetDir,
      minScore: 0.6,
      nmsIou: 0.3,
      inputSize: 640,
      size: 256,
      padding: 0.25,
      align: 'eyes',
      refine: 0,
    };
    const files = [
      ...readdirSync(path.join(emi, 'video')).slice(0, 6).map((f) => path.join(emi, 'video', f)),
      path.join(bah, 'videos', 's01/q1.mp4'),
      path.join(bah, 'videos', 's05/q2.mp4'),
    ];
    let found = 0;
    let seen = 0;
    for (const file of files) {
      const { frames } = await open(file, { decodeAudio: false, count: 8 });
      const out = await runMapNode(faces, params, { frames });
      for (const f of await collect((out['faces'] as FaceStream).frames)) {
        seen++;
        if (f.found) found++;
      }
    }
    expect(seen).toBe(files.length * 8);
    expect(found / seen).toBeGreaterThanOrEqual(0.97);
  });
});
