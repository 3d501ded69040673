import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../../test/helpers.js';
import { readBahLayout } from './bah.js';
import { readEmiLayout } from './emi.js';
import { readManifest } from './manifest.js';

function write(root: string, rel: string, text = ''): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

const header = 'Filename,Admiration,Amusement,Determination,Empathic Pain,Excitement,Joy';
const emiDefaults = { splits: ['train', 'test'], labels: 'labels/{split}.csv', video: 'video/{id}.mp4', audio: 'audio/{id}.mp3', text: 'text/{id}.txt', require: ['video', 'text'] as Array<'video' | 'text'> };

describe('dataset/emi', () => {
  it('reads labels, pads ids, and leaves unlabelled splits NaN', () => {
    const root = tmpDir('emi-');
    write(root, 'labels/train.csv', `${header}\n42,0.1,0.2,0.3,0.4,0.5,0.6\n7,1,0,0,0,0,0\n`);
    write(root, 'labels/test.csv', 'Filename\n9\n');
    for (const id of ['00042', '00007', '00009']) {
      write(root, `video/${id}.mp4`);
      write(root, `text/${id}.txt`, 'hi');
    }
    const clips = readEmiLayout({ root, ...emiDefaults });
    expect(clips.map((c) => [c.id, c.split])).toEqual([['00042', 'train'], ['00007', 'train'], ['00009', 'test']]);
    expect(Array.from(clips[0]!.labels)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((v) => Math.fround(v)));
    expect(clips[2]!.labels.every((v) => Number.isNaN(v))).toBe(true);
    expect(clips[0]!.video).toBe(path.join(root, 'video/00042.mp4'));
  });

  it('lists every missing file and bad value in one error', () => {
    const root = tmpDir('emi-bad-');
    write(root, 'labels/train.csv', `${header}\n1,0.1,0.2,x,0.4,0.5,0.6\n2,0,0,0,0,0,0\n`);
    write(root, 'video/00001.mp4');
    expect(() => readEmiLayout({ root, ...emiDefaults })).toThrow(
      new RegExp(
        [
          `5 missing or invalid`,
          `train.csv:2: Determination = "x" is not a number`,
          `text/00001.txt \\(text of clip 00001\\)`,
          `video/00002.mp4 \\(video of clip 00002\\)`,
          `text/00002.txt \\(text of clip 00002\\)`,
          `labels/test.csv \\(labels of split "test"\\)`,
        ].join('[\\s\\S]*'),
      ),
    );
  });
});

describe('dataset/bah', () => {
  const defaults = {
    splits: ['train', 'test'],
    splitFile: 'splits/{split}.txt',
    annotations: 'annotations/{key}.yaml',
    transcripts: 'transcripts/{key}.yaml',
    faces: 'faces/{key}',
    videos: 'videos/{video}',
    fps: 24,
    require: ['faces', 'transcript'] as Array<'faces' | 'transcript'>,
  };
  const annotation = (key: string, labels: number[]) =>
    `"${key}.mp4":\n  frame_annotation:\n` + labels.map((l, i) => `    - ["${key}/frame-${i}.jpg", ${l}]`).join('\n') + '\n';

  it('reads splits (transcripts with commas), frame labels, and unlabelled test videos', () => {
    const root = tmpDir('bah-');
    write(root, 'splits/train.txt', 's1/q1.mp4,1,well, I am not sure, maybe\n');
    write(root, 'splits/test.txt', 's2/q3.mp4,0,yes\n');
    write(root, 'annotations/s1/q1.yaml', annotation('s1/q1', [0, 0, 1, 1, 0]));
    for (const key of ['s1/q1', 's2/q3']) write(root, `transcripts/${key}.yaml`, 'chunks: []\n');
    for (let f = 0; f < 5; f++) write(root, `faces/s1/q1/frame-${f}.jpg`);
    for (let f = 0; f < 3; f++) write(root, `faces/s2/q3/frame-${f}.jpg`);
    const videos = readBahLayout({ root, ...defaults });
    expect(videos.map((v) => [v.key, v.split, v.videoLabel])).toEqual([['s1/q1', 'train', 1], ['s2/q3', 'test', 0]]);
    expect(Array.from(videos[0]!.labels.labels)).toEqual([0, 0, 1, 1, 0]);
    expect(videos[0]!.labels.known).toBe(true);
    expect(videos[1]!.labels).toEqual({ fps: 24, labels: new Uint8Array(3), known: false });
  });

  it('names the file and entry of a bad annotation, and missing files', () => {
    const root = tmpDir('bah-bad-');
    write(root, 'splits/train.txt', 's1/q1.mp4,1,x\ns1/q2.mp4,zero,x\n');
    write(root, 'splits/test.txt', '');
    write(root, 'annotations/s1/q1.yaml', '"s1/q1.mp4":\n  frame_annotation:\n    - ["s1/q1/frame-0.jpg", 2]\n');
    expect(() => readBahLayout({ root, ...defaults })).toThrow(
      /faces\/s1\/q1 \(faces of s1\/q1\)[\s\S]*q1.yaml: frame_annotation\[0\] must be[\s\S]*train.txt:2: expected "<video path>,<0\|1>,<transcript>"/,
    );
  });
});

describe('dataset/manifest', () => {
  it('reads CSV and JSONL manifests with paths relative to the manifest', () => {
    const root = tmpDir('manifest-');
    write(root, 'a.wav');
    write(root, 'm.csv', 'id,split,wav,valence\nx1,train,a.wav,0.5\nx2,val,a.wav,\n');
    const csv = readManifest({ file: path.join(root, 'm.csv'), id: 'id', split: 'split', media: { audio: 'wav' }, labels: ['valence'] });
    expect(csv.map((e) => [e.id, e.split, e.media.audio, e.labels[0]])).toEqual([
      ['x1', 'train', path.join(root, 'a.wav'), 0.5],
      ['x2', 'val', path.join(root, 'a.wav'), NaN],
    ]);
    write(root, 'm.jsonl', '{"id": "y", "wav": "missing.wav"}\n');
    expect(() => readManifest({ file: path.join(root, 'm.jsonl'), id: 'id', split: 'split', media: { audio: 'wav' }, labels: [] })).toThrow(
      /missing.wav \(audio of y\)/,
    );
  });
});
