import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../models/test-support.js';
import type { MediaInfo, Transcript } from '../values.js';
import { transcriptReader, type TranscriptParams } from './transcript.js';
import { interpolateWords, repairRestarts } from './words.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'transcripts-'));
});

function file(name: string, content: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, content);
  return f;
}

async function read(f: string, params: Partial<TranscriptParams> = {}, info?: MediaInfo): Promise<Transcript> {
  const { outputs } = await runNode(transcriptReader, { params, samples: { t: { file: f, ...(info ? { info } : {}) } } });
  return outputs.get('t')!['transcript'] as Transcript;
}

const seedYaml = `chunks:
- text: ' I am not sure.'
  timestamp: [0.0, 2.0]
- text: ' Well, maybe we could try it'
  timestamp: [2.0, 7.0]
- text: ' but I guess not.'
  timestamp: [0.0, 3.0]
- text: ' Okay.'
  timestamp: [3.5, 4.0]
`;

describe('asr/transcript', () => {
  it("reads the seed's YAML chunks, repairs the restart at 0 and interpolates words equally", async () => {
    const t = await read(file('seed.yaml', seedYaml));
    expect(t.chunks).toEqual([
      { text: 'I am not sure.', start: 0, end: 2 },
      { text: 'Well, maybe we could try it', start: 2, end: 7 },
      { text: 'but I guess not.', start: 7, end: 10 },
      { text: 'Okay.', start: 10.5, end: 11 },
    ]);
    expect(t.text).toBe('I am not sure. Well, maybe we could try it but I guess not. Okay.');
    expect(t.words.slice(0, 4)).toEqual([
      { word: 'I', start: 0, end: 0.5 },
      { word: 'am', start: 0.5, end: 1 },
      { word: 'not', start: 1, end: 1.5 },
      { word: 'sure.', start: 1.5, end: 2 },
    ]);
    expect(t.words.filter((w) => w.start >= 7 && w.end <= 10).map((w) => w.word)).toEqual(['but', 'I', 'guess', 'not.']);
  });

  it('interpolates by characters when asked', async () => {
    const t = await read(file('chars.yaml', 'chunks:\n- text: "ab abcdef ab"\n  timestamp: [10, 20]\n'), { wordTiming: 'chars' });
    expect(t.words).toEqual([
      { word: 'ab', start: 10, end: 12 },
      { word: 'abcdef', start: 12, end: 18 },
      { word: 'ab', start: 18, end: 20 },
    ]);
  });

  it('fills a missing end from the next start or the duration', async () => {
    const f = file('null-end.json', JSON.stringify({ text: 'x', chunks: [{ text: 'a b', timestamp: [0, null] }, { text: 'c', timestamp: [4, null] }] }));
    const t = await read(f, { duration: 9 });
    expect(t.chunks).toEqual([
      { text: 'a b', start: 0, end: 4 },
      { text: 'c', start: 4, end: 9 },
    ]);
  });

  it('reads whisperX segments with their own word times', async () => {
    const segments = {
      segments: [
        { start: 0.5, end: 2, text: ' Um, hello', words: [{ word: 'Um,', start: 0.5, end: 0.9, score: 0.8 }, { word: 'hello', start: 1.2, end: 2 }] },
        { start: 3, end: 4, text: ' there', words: [{ word: 'there', start: 3, end: 4 }] },
      ],
    };
    const t = await read(file('wx.json', JSON.stringify(segments)));
    expect(t.chunks.map((c) => [c.text, c.start, c.end])).toEqual([
      ['Um, hello', 0.5, 2],
      ['there', 3, 4],
    ]);
    expect(t.words).toEqual([
      { word: 'Um,', start: 0.5, end: 0.9 },
      { word: 'hello', start: 1.2, end: 2 },
      { word: 'there', start: 3, end: 4 },
    ]);
  });

  it('reads word lists (JSON and CSV) and groups them into chunks at pauses', async () => {
    const words = [
      { word: 'well', start: 0, end: 0.4 },
      { word: 'maybe', start: 0.5, end: 1 },
      { word: 'not', start: 2.5, end: 2.8 },
    ];
    const fromJson = await read(file('w.json', JSON.stringify(words)));
    const fromCsv = await read(file('w.csv', 'word,start,end\nwell,0,0.4\nmaybe,0.5,1\n"not",2.5,2.8\n'));
    for (const t of [fromJson, fromCsv]) {
      expect(t.words).toEqual(words);
      expect(t.chunks).toEqual([
        { text: 'well maybe', start: 0, end: 1 },
        { text: 'not', start: 2.5, end: 2.8 },
      ]);
    }
    const commas = await read(file('c.csv', 'one, two,1,2\n'));
    expect(commas.words).toEqual([{ word: 'one, two', start: 1, end: 2 }]);
  });

  it('plain text spans the duration (param or media info), else has unknown times', async () => {
    const f = file('t.txt', '  I guess\nso.  ');
    const byParam = await read(f, { duration: 4 });
    expect(byParam.chunks).toEqual([{ text: 'I guess so.', start: 0, end: 4 }]);
    expect(byParam.words.map((w) => w.end)).toEqual([4 / 3, 8 / 3, 4]);
    const byInfo = await read(f, {}, { file: 'v.mp4', duration: 6, hasAudio: true, hasVideo: true });
    expect(byInfo.chunks[0]!.end).toBe(6);
    const unknown = await read(f);
    expect(unknown.chunks[0]!.start).toBe(0);
    expect(unknown.chunks[0]!.end).toBeNaN();
    expect((await read(file('empty.txt', '\n'))).chunks).toEqual([]);
  });

  it('names the file and line of a YAML syntax error', async () => {
    const yaml = 'chunks:\n- text: a\n  timestamp: [0, 1]\n - text: b\n  timestamp: [1, 2]\n';
    await expect(read(file('bad.yaml', yaml))).rejects.toThrow(/bad\.yaml:4:2: cannot parse: All sequence items must start at the same column/);
  });

  it('names the line and field of a bad chunk', async () => {
    const yaml = 'chunks:\n- text: fine\n  timestamp: [0, 1]\n- text: broken\n  timestamp: [1]\n';
    await expect(read(file('field.yaml', yaml))).rejects.toThrow(/field\.yaml:5 \(chunks\[1\]\.timestamp\): expected \[start, end\], got \[1\]/);
    const noText = 'chunks:\n- timestamp: [0, 1]\n';
    await expect(read(file('notext.yaml', noText))).rejects.toThrow(/notext\.yaml:2 \(chunks\[0\]\.text\): text is missing/);
    const backwards = JSON.stringify({ chunks: [{ text: 'a', timestamp: [3, 1] }] }, null, 1);
    await expect(read(file('back.json', backwards))).rejects.toThrow(/back\.json:5 \(chunks\[0\]\.timestamp\): ends \(1\) before it starts \(3\)/);
    await expect(read(file('other.json', '{"foo": 1}'))).rejects.toThrow(/other\.json:1: expected \{chunks/);
  });

  it('names the line of a bad CSV row', async () => {
    await expect(read(file('bad.csv', 'word,start,end\nok,0,1\nbad,x,2\n'))).rejects.toThrow(/bad\.csv:3: times "x", "2"/);
  });

  it('a missing file is an error naming it', async () => {
    await expect(read(path.join(dir, 'nope.yaml'))).rejects.toThrow(/cannot read transcript .*nope\.yaml/);
  });
});

describe('timestamp repair and word interpolation', () => {
  it('shifts every chunk after a restart by the previous end, and leaves monotonic chunks alone', () => {
    const chunks = [
      { text: 'a', start: 0, end: 29 },
      { text: 'b', start: 0, end: 10 },
      { text: 'c', start: 12, end: 20 },
      { text: 'd', start: 1, end: 2 },
    ];
    const r = repairRestarts(chunks);
    expect(r.repaired).toBe(2);
    expect(r.chunks.map((c) => [c.start, c.end])).toEqual([
      [0, 29],
      [29, 39],
      [41, 49],
      [49, 50],
    ]);
    const fine = [
      { text: 'a', start: 0, end: 2 },
      { text: 'b', start: 1.9, end: 3 },
    ];
    expect(repairRestarts(fine)).toEqual({ chunks: fine, repaired: 0 });
  });

  it('spreads words over the chunk', () => {
    expect(interpolateWords({ text: 'a b c d', start: 1, end: 3 }).map((w) => [w.start, w.end])).toEqual([
      [1, 1.5],
      [1.5, 2],
      [2, 2.5],
      [2.5, 3],
    ]);
    expect(interpolateWords({ text: '   ', start: 0, end: 1 })).toEqual([]);
  });
});
