import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidates, findFfmpeg, relevantStderr, resolveFfmpeg, type Candidate } from './ffmpeg.js';
import { parseFrameCrc, parseInputDescription } from './probe.js';
import { outputGeometry, planFrames, selectFilter } from './frames.js';
import { tempDir } from './test-util.js';

describe('ffmpeg resolution', () => {
  it('finds a working ffmpeg and logs the choice once', async () => {
    const logs: string[] = [];
    const a = await resolveFfmpeg((m) => logs.push(m));
    const b = await resolveFfmpeg((m) => logs.push(m));
    expect(a).toBe(b);
    expect(a.version).toMatch(/ffmpeg version/);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(a.path);
  });

  it('looks in the documented order', () => {
    expect(candidates().map((c) => c.source)).toEqual(['FFMPEG_PATH', 'ffmpeg-static', '@ffmpeg-installer/ffmpeg', 'PATH']);
  });

  it('honours FFMPEG_PATH, and warns and falls through when it is broken', async () => {
    const real = (await resolveFfmpeg()).path;
    const saved = process.env['FFMPEG_PATH'];
    try {
      process.env['FFMPEG_PATH'] = real;
      expect(await findFfmpeg(candidates())).toMatchObject({ path: real, source: 'FFMPEG_PATH' });
      const broken = path.join(tempDir('ff-'), 'no-ffmpeg-here');
      process.env['FFMPEG_PATH'] = broken;
      const warnings: string[] = [];
      const found = await findFfmpeg(candidates(), () => {}, (m) => warnings.push(m));
      expect(found.source).not.toBe('FFMPEG_PATH');
      expect(warnings.join('\n')).toContain(broken);
    } finally {
      if (saved === undefined) delete process.env['FFMPEG_PATH'];
      else process.env['FFMPEG_PATH'] = saved;
    }
  });

  it('lists every place tried when none works', async () => {
    const dir = tempDir('ff-');
    const list: Candidate[] = [
      { source: 'FFMPEG_PATH', locate: () => ({ path: path.join(dir, 'missing') }) },
      { source: 'ffmpeg-static', locate: () => ({ missing: 'not installed' }) },
      { source: 'PATH', locate: () => ({ path: '/bin/false' }) },
    ];
    const error = (await findFfmpeg(list).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('FFMPEG_PATH');
    expect(error.message).toContain('ffmpeg-static: not installed');
    expect(error.message).toContain('PATH (/bin/false)');
  });
});

describe('parsing ffmpeg output', () => {
  it('reads the input description of ffmpeg 6/7 with rotation and cover art', () => {
    const stderr = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mp4':",
      '  Duration: 00:01:02.50, start: 0.000000, bitrate: 5000 kb/s',
      '  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 4900 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)',
      '      Side data:',
      '        displaymatrix: rotation of -90.00 degrees',
      '  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)',
      '  Stream #0:2: Video: mjpeg (Baseline), yuvj420p(pc), 600x600, 90k tbr, 90k tbn (attached pic)',
      'At least one output file must be specified',
    ].join('\n');
    const d = parseInputDescription(stderr)!;
    expect(d.duration).toBeCloseTo(62.5, 9);
    expect(d.video).toMatchObject({ codec: 'h264', width: 1920, height: 1080, rotation: -90 });
    expect(d.video!.fps).toBeCloseTo(30000 / 1001, 9);
    expect(d.audio).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 'stereo' });
  });

  it('ignores cover art as video and gives undefined for non-media output', () => {
    const mp3 = [
      "Input #0, mp3, from 'song.mp3':",
      '  Duration: 00:00:03.00, start: 0.025057, bitrate: 130 kb/s',
      '    Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s',
      '    Stream #0:1: Video: png, rgba(pc), 300x300, 90k tbr, 90k tbn, 90k tbc (attached pic)',
    ].join('\n');
    expect(parseInputDescription(mp3)).toMatchObject({ duration: 3, audio: { sampleRate: 44100 } });
    expect(parseInputDescription(mp3)!.video).toBeUndefined();
    expect(parseInputDescription('x.mp4: Invalid data found when processing input')).toBeUndefined();
  });

  it('turns framecrc packet lines into sorted frame times', () => {
    const crc = ['#tb 0: 1/10240', '0,      -2048,          0,     1024,     3435, 0xcb153e0d', '0,      -1024,       2048,     1024,     1496, 0xcac9e64a, F=0x0', '0,          0,       1024,     1024,      689, 0x4eea57c8, F=0x0'].join('\n');
    expect(parseFrameCrc(crc)).toEqual([0, 0.1, 0.2]);
  });

  it('keeps the stderr lines that explain a failure', () => {
    const lines = relevantStderr(
      'ffmpeg version 4\n  built with gcc\n[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5581cf0] moov atom not found\nx.mp4: Invalid data found when processing input\n',
    );
    expect(lines).toEqual(['[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found', 'x.mp4: Invalid data found when processing input']);
  });
});

describe('frame planning', () => {
  const times = Array.from({ length: 30 }, (_, i) => i / 10);
  it('spreads count frames like round(linspace(0, T-1, N))', () => {
    expect(planFrames(times, 10, { count: 4 }).indices).toEqual([0, 10, 19, 29]);
    expect(planFrames(times, 10, { count: 1 }).indices).toEqual([0]);
  });
  it('covers the clip on an fps grid', () => {
    const p = planFrames(times, 10, { fps: 3 });
    expect(p.indices).toEqual([0, 3, 6, 10, 13, 16, 20, 23, 26]);
    expect(p.fps).toBe(3);
  });
  it('rejects fps together with count', () => {
    expect(() => planFrames(times, 10, { fps: 1, count: 2 })).toThrow(/either/);
  });
  it('writes a select expression with runs, or none when everything or too much is selected', () => {
    expect(selectFilter([0, 1, 2, 7], 10)).toBe('select=between(n\\,0\\,2)+eq(n\\,7)');
    expect(selectFilter([0, 1, 2], 3)).toBeUndefined();
    expect(selectFilter([0, 2, 4, 6], 100, 2)).toBeUndefined();
  });
  it('computes output geometry', () => {
    expect(outputGeometry(640, 480, {})).toMatchObject({ width: 640, height: 480 });
    expect(outputGeometry(640, 480, { width: 320 })).toMatchObject({ width: 320, height: 240 });
    expect(outputGeometry(640, 480, { width: 300, height: 300, fit: 'contain' })).toMatchObject({ width: 300, height: 225 });
    expect(outputGeometry(640, 480, { width: 300, height: 300, fit: 'pad' }).filters).toEqual([
      'scale=300:225',
      'pad=300:300:0:37:black',
    ]);
  });
});
