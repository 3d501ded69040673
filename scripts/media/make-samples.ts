/**
 * Generates the bundled sample data sets under samples/: a small EMI (Hume-Vidmimic2 layout) and a small
 * BAH (ambivalence/hesitancy) with synthetic talking faces and espeak-ng speech. Labels depend on content
 * (words, face and voice), so a model trained on them learns something real. Deterministic from the seed.
 *
 *   node --import tsx scripts/media/make-samples.ts [--seed 3407] [--out samples] [--only emi|bah]
 *
 * Needs espeak-ng and ffmpeg (see nodes/media/ffmpeg.ts for how ffmpeg is found).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NEUTRAL, type Appearance, type Expression } from '../../nodes/vision/synthetic-face.js';
import { CONFIDENT, EMOTIONS, HESITANT, PHRASES, POSITIVE_GROUP, type Emotion } from './sample-content.js';
import {
  assemble,
  blinkTrack,
  clamp,
  energyPerFrame,
  Random,
  randomPerson,
  renderFrames,
  speak,
  sway,
  writeJpegs,
  writeMp3,
  writeVideo,
  type FrameState,
  type Voice,
} from './sample-kit.js';

// ---------------------------------------------------------------------------------------------------------
// EMI: six emotion intensities per clip.

interface EmiClip {
  id: string;
  z: Record<Emotion, number>;
  text: string;
}

/** The latent intensities of a clip: what the clip is about drives words, face and voice. */
function emiLatent(rng: Random): { z: Record<Emotion, number>; themes: Array<Emotion | 'Neutral'> } {
  const z = Object.fromEntries(EMOTIONS.map((e) => [e, rng.range(0.03, 0.18)])) as Record<Emotion, number>;
  const primary: Emotion | 'Neutral' = rng.next() < 1 / 7 ? 'Neutral' : rng.pick(EMOTIONS);
  const themes: Array<Emotion | 'Neutral'> = [primary];
  if (primary !== 'Neutral') {
    z[primary] = rng.range(0.55, 0.95);
    if (POSITIVE_GROUP.includes(primary)) for (const e of POSITIVE_GROUP) if (e !== primary) z[e] += rng.range(0.08, 0.22);
    if (primary === 'Empathic Pain') for (const e of POSITIVE_GROUP) z[e] = rng.range(0.0, 0.06);
    if (rng.next() < 0.4) {
      const secondary = rng.pick(EMOTIONS.filter((e) => e !== primary && !(primary === 'Empathic Pain' && POSITIVE_GROUP.includes(e))));
      z[secondary] = Math.max(z[secondary], rng.range(0.3, 0.55));
      themes.push(secondary);
    }
  }
  return { z, themes };
}

function emiVoice(base: Voice, z: Record<Emotion, number>): Voice {
  return {
    ...base,
    pitch: base.pitch + 30 * z.Excitement + 15 * z.Joy - 22 * z['Empathic Pain'] - 8 * z.Determination,
    speed: base.speed + 45 * z.Excitement + 15 * z.Amusement - 40 * z['Empathic Pain'] + 10 * z.Determination,
    amplitude: base.amplitude + 50 * z.Determination + 40 * z.Excitement - 25 * z['Empathic Pain'],
  };
}

/** A clip's resting expression from its intensities (speech opens the mouth on top). */
function emiExpression(z: Record<Emotion, number>): Omit<Expression, 'mouthOpen' | 'blink' | 'gazeX'> {
  return {
    smile: clamp(0.95 * Math.max(z.Joy, z.Amusement) + 0.4 * z.Admiration + 0.3 * z.Excitement - 0.5 * z['Empathic Pain']),
    brow: clamp(0.9 * z.Excitement + 0.6 * z.Admiration - 1.0 * z['Empathic Pain'] - 0.7 * z.Determination, -1, 1),
    gazeY: clamp(0.5 * z['Empathic Pain'] - 0.2 * z.Admiration, -1, 1),
  };
}

async function makeEmi(rng: Random, out: string): Promise<EmiClip[]> {
  const W = 320;
  const H = 240;
  const fps = 10;
  const ids = new Set<number>();
  while (ids.size < 36) ids.add(rng.int(1, 60000));
  const clips: EmiClip[] = [];
  for (const n of [...ids].sort((a, b) => a - b)) {
    const id = String(n).padStart(5, '0');
    const person = randomPerson(rng);
    const { z, themes } = emiLatent(rng);
    const voice = emiVoice(person.voice, z);
    const phrases = themes.map((t) => rng.pick(PHRASES[t]));
    // Speak the phrases; keep a second one only while the clip stays within 5 s.
    const parts: Float32Array[] = [];
    const spoken: string[] = [];
    let length = 0;
    for (const [i, text] of phrases.entries()) {
      let s = await speak(text, voice);
      // A long first phrase is spoken faster so the clip stays within 5 s.
      if (i === 0 && s.length / 16000 > 4.2) s = await speak(text, { ...voice, speed: (voice.speed * s.length) / 16000 / 4.1 });
      if (i > 0 && length + 0.25 + s.length / 16000 > 4.2) {
        z[themes[i] as Emotion] *= 0.5; // its theme is now only hinted at by the face and voice
        break;
      }
      parts.push(s);
      spoken.push(text);
      length += (i > 0 ? 0.25 : 0) + s.length / 16000;
    }
    const lead = 0.4;
    const duration = Math.max(3, lead + length + 0.4);
    const pieces: Array<{ at: number; samples: Float32Array }> = [];
    let at = lead;
    for (const p of parts) {
      pieces.push({ at, samples: p });
      at += p.length / 16000 + 0.25;
    }
    const audio = assemble(duration, pieces);
    const frames = Math.round(duration * fps);
    const energy = energyPerFrame(audio, fps, frames);
    const blink = blinkTrack(rng, frames, fps);
    const rest = emiExpression(z);
    const motion = [sway(rng), sway(rng), sway(rng), sway(rng)];
    const height = rng.range(135, 170);
    const lively = 1 + z.Excitement + z.Amusement;
    const states: FrameState[] = [];
    for (let f = 0; f < frames; f++) {
      const t = f / fps;
      const e = energy[f]!;
      states.push({
        pose: {
          cx: W / 2 + 8 * motion[0]!(t) * lively,
          cy: H / 2 + 2 + 4 * motion[1]!(t),
          height,
          roll: 0.05 * motion[2]!(t) * lively,
          yaw: 0.12 * motion[3]!(t),
        },
        expression: {
          ...NEUTRAL,
          ...rest,
          mouthOpen: clamp(e * (0.55 + 0.45 * z.Excitement)),
          brow: clamp(rest.brow + 0.25 * z.Excitement * e, -1, 1),
          gazeX: 0.15 * motion[0]!(t * 1.7),
          blink: blink[f]!,
        },
      });
    }
    const { video } = renderFrames(W, H, states, person.appearance, n);
    await writeVideo(path.join(out, 'video', `${id}.mp4`), video, { width: W, height: H, fps }, audio, 30);
    await writeMp3(path.join(out, 'audio', `${id}.mp3`), audio);
    const text = spoken.join(' ');
    writeFileSync(path.join(out, 'text', `${id}.txt`), text + '\n');
    // Targets: the latent intensities plus rater noise.
    for (const e of EMOTIONS) z[e] = clamp(z[e] + 0.05 * rng.normal());
    clips.push({ id, z, text });
    process.stdout.write(`emi ${id} (${duration.toFixed(1)} s): ${text}\n`);
  }
  const order = rng.shuffle(clips);
  const splits = { train: order.slice(0, 24), val: order.slice(24, 30), test: order.slice(30) };
  mkdirSync(path.join(out, 'labels'), { recursive: true });
  for (const [name, list] of Object.entries(splits)) {
    const rows = [...list].sort((a, b) => a.id.localeCompare(b.id)).map((c) => [c.id, ...EMOTIONS.map((e) => c.z[e].toFixed(4))].join(','));
    writeFileSync(path.join(out, 'labels', `${name}.csv`), ['Filename,' + EMOTIONS.join(','), ...rows].join('\n') + '\n');
  }
  return clips;
}

// ---------------------------------------------------------------------------------------------------------
// BAH: frame-level ambivalence/hesitancy at 24 fps.

interface BahVideo {
  subject: string;
  video: string;
  split: 'train' | 'val' | 'test';
  ambivalent: boolean;
}

const BAH_VIDEOS: BahVideo[] = [
  { subject: 's01', video: 'q1', split: 'train', ambivalent: true },
  { subject: 's01', video: 'q2', split: 'train', ambivalent: false },
  { subject: 's02', video: 'q1', split: 'train', ambivalent: true },
  { subject: 's02', video: 'q3', split: 'train', ambivalent: false },
  { subject: 's03', video: 'q2', split: 'train', ambivalent: true },
  { subject: 's04', video: 'q1', split: 'val', ambivalent: true },
  { subject: 's05', video: 'q2', split: 'test', ambivalent: true },
  { subject: 's05', video: 'q3', split: 'test', ambivalent: false },
];

interface Chunk {
  text: string;
  timestamp: [number, number];
  hesitant: boolean;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

// YAML written by hand to keep BAH's compact layout (one `[path, label]` pair per line); JSON strings are
// valid YAML scalars.
function annotationYaml(video: string, labels: Uint8Array, name: string): string {
  const rows = [...labels].map((l, n) => `    - [${JSON.stringify(`${name}/frame-${n}.jpg`)}, ${l}]`);
  return `${JSON.stringify(video)}:\n  frame_annotation:\n${rows.join('\n')}\n`;
}

function transcriptYaml(chunks: Chunk[]): string {
  const rows = chunks.map((c) => `  - text: ${JSON.stringify(c.text)}\n    timestamp: [${c.timestamp[0]}, ${c.timestamp[1]}]`);
  return `chunks:\n${rows.join('\n')}\n`;
}

async function makeBah(rng: Random, out: string): Promise<{ positive: number; frames: number }> {
  const W = 320;
  const H = 240;
  const fps = 24;
  const people = new Map<string, { appearance: Appearance; voice: Voice }>();
  const splitLines: Record<string, string[]> = { train: [], val: [], test: [] };
  const testFrames: Array<{ name: string; frames: number }> = [];
  let positive = 0;
  let total = 0;
  for (const v of BAH_VIDEOS) {
    if (!people.has(v.subject)) people.set(v.subject, randomPerson(rng));
    const person = people.get(v.subject)!;
    const name = `${v.subject}/${v.video}`;
    const kinds = v.ambivalent ? rng.shuffle([false, false, true]) : [false, false, false];
    const confident = rng.shuffle(CONFIDENT);
    const texts = kinds.map((h, i) => (h ? rng.pick(HESITANT) : confident[i]!));
    // Phrases are spoken separately and laid end to end, so each chunk's times are exact.
    const chunks: Chunk[] = [];
    const pieces: Array<{ at: number; samples: Float32Array }> = [];
    let at = round2(rng.range(0.3, 0.5));
    for (const [i, text] of texts.entries()) {
      const hesitant = kinds[i]!;
      const voice: Voice = hesitant
        ? { ...person.voice, speed: 165, pitch: person.voice.pitch - 8, wordGap: 2, amplitude: 85 }
        : { ...person.voice, speed: 180, pitch: person.voice.pitch + 4 };
      const samples = await speak(text, voice);
      const start = round2(at);
      const end = round2(start + samples.length / 16000);
      chunks.push({ text, timestamp: [start, end], hesitant });
      pieces.push({ at: start, samples });
      at = end + rng.range(0.25, 0.45);
    }
    const duration = round2(at + 0.2);
    const audio = assemble(duration, pieces);
    const frames = Math.round(duration * fps);
    const energy = energyPerFrame(audio, fps, frames);
    const blink = blinkTrack(rng, frames, fps);
    const motion = [sway(rng), sway(rng), sway(rng), sway(rng)];
    const side = rng.next() < 0.5 ? -1 : 1;
    const height = rng.range(140, 165);
    const labels = new Uint8Array(frames);
    const states: FrameState[] = [];
    for (let f = 0; f < frames; f++) {
      const t = f / fps;
      const chunk = chunks.find((c) => t >= c.timestamp[0] && t < c.timestamp[1]);
      labels[f] = chunk?.hesitant ? 1 : 0;
      // Hesitation shows in the face, ramping in and out over 0.25 s around the hesitant phrase.
      const h = Math.max(
        0,
        ...chunks.filter((c) => c.hesitant).map((c) => clamp(Math.min(t - c.timestamp[0] + 0.25, c.timestamp[1] + 0.25 - t) / 0.25)),
      );
      states.push({
        pose: {
          cx: W / 2 + 6 * motion[0]!(t),
          cy: H / 2 + 2 + 3 * motion[1]!(t),
          height,
          roll: 0.04 * motion[2]!(t) + 0.06 * h * side,
          yaw: 0.1 * motion[3]!(t) + 0.3 * h * side,
        },
        expression: {
          ...NEUTRAL,
          smile: clamp(0.35 * (1 - h) + 0.1 * motion[2]!(t * 0.5)),
          mouthOpen: clamp(energy[f]! * (0.7 - 0.25 * h)),
          brow: clamp(0.15 * (1 - h) - 0.8 * h, -1, 1),
          gazeX: clamp(0.1 * motion[0]!(t * 1.3) + 0.85 * h * side, -1, 1),
          gazeY: clamp(-0.35 * h + 0.1 * motion[1]!(t), -1, 1),
          blink: blink[f]!,
        },
      });
    }
    positive += labels.reduce((s, x) => s + x, 0);
    total += frames;
    const { video, crops } = renderFrames(W, H, states, person.appearance, total, { size: 256, padding: 0.25 });
    await writeVideo(path.join(out, 'videos', `${name}.mp4`), video, { width: W, height: H, fps }, audio, 30);
    await writeJpegs(path.join(out, 'faces', name), crops!, 256, 20);
    mkdirSync(path.join(out, 'annotations', v.subject), { recursive: true });
    writeFileSync(path.join(out, 'annotations', `${name}.yaml`), annotationYaml(`${name}.mp4`, labels, name));
    mkdirSync(path.join(out, 'transcripts', v.subject), { recursive: true });
    writeFileSync(
      path.join(out, 'transcripts', `${name}.yaml`),
      transcriptYaml(chunks),
    );
    const transcript = chunks.map((c) => c.text).join(' ');
    splitLines[v.split]!.push(`${name}.mp4,${v.ambivalent ? 1 : 0},${transcript}`);
    if (v.split === 'test') testFrames.push({ name, frames });
    process.stdout.write(`bah ${name} (${duration.toFixed(2)} s, ${labels.reduce((s, x) => s + x, 0)}/${frames} positive): ${transcript}\n`);
  }
  mkdirSync(path.join(out, 'splits'), { recursive: true });
  for (const [split, lines] of Object.entries(splitLines)) writeFileSync(path.join(out, 'splits', `${split}.txt`), lines.join('\n') + '\n');
  // Like an organisers' file: videos in their own order, frames in numeric (not lexical) order.
  const submission = rng
    .shuffle(testFrames)
    .flatMap(({ name, frames }) => Array.from({ length: frames }, (_, n) => `${name}/frame-${n}.jpg,0`));
  writeFileSync(path.join(out, 'example_submission.txt'), submission.join('\n') + '\n');
  return { positive, frames: total };
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seed: { type: 'string', default: '3407' }, out: { type: 'string', default: 'samples' }, only: { type: 'string' } },
  });
  const seed = Number(values.seed);
  const root = path.resolve(values.out!);
  for (const [name, make] of [
    ['emi', (rng: Random, dir: string) => makeEmi(rng, dir).then((c) => `${c.length} clips`)],
    ['bah', (rng: Random, dir: string) => makeBah(rng, dir).then((r) => `${r.positive}/${r.frames} positive frames (${((100 * r.positive) / r.frames).toFixed(1)} %)`)],
  ] as const) {
    if (values.only && values.only !== name) continue;
    // Built aside and swapped in whole, so an interrupted run leaves the old data intact.
    const partial = path.join(root, `.${name}.partial`);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(path.join(partial, 'text'), { recursive: true });
    const summary = await make(new Random(seed + (name === 'emi' ? 0 : 1)), partial);
    if (name !== 'emi') rmSync(path.join(partial, 'text'), { recursive: true, force: true });
    const final = path.join(root, name);
    if (existsSync(final)) rmSync(final, { recursive: true, force: true });
    renameSync(partial, final);
    process.stdout.write(`${name}: ${summary} → ${final}\n`);
  }
}

await main();
