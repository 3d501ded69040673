import { AutoTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { hasSharedTokenizer, runNode, sharedTokenizer, syntheticPcm, tinyModelDir } from '../models/test-support.js';
import type { AudioPcm, Transcript } from '../values.js';
import { whisperAsr, type WhisperParams } from './whisper.js';
import { readWhisperTokens, whisperPrompt, type WhisperTokens } from './whisper-config.js';
import { applyWhisperRules, decodeWindow, segmentWindow, type DecoderStep } from './whisper-decode.js';

const tinyWhisper = tinyModelDir('tiny-whisper');
const tiny = readWhisperTokens(tinyWhisper);

async function transcribe(audio: AudioPcm, params: Partial<WhisperParams> = {}): Promise<Transcript> {
  const { outputs } = await runNode(whisperAsr, { params: { model: tinyWhisper, ...params }, samples: { a: { audio } } });
  return outputs.get('a')!['transcript'] as Transcript;
}

function checkTimes(t: Transcript, duration: number): void {
  let prevStart = 0;
  for (const c of t.chunks) {
    expect(c.start).toBeGreaterThanOrEqual(prevStart);
    expect(c.end).toBeGreaterThanOrEqual(c.start);
    expect(c.end).toBeLessThanOrEqual(duration + 1e-9);
    prevStart = c.start;
    const words = t.words.filter((w) => w.start >= c.start && w.end <= c.end);
    expect(words.length).toBeGreaterThan(0);
  }
}

describe('asr/whisper on the tiny model', () => {
  it('transcribes deterministically into timed chunks with interpolated words, and terminates', async () => {
    const audio = syntheticPcm(4);
    const a = await transcribe(audio, { maxNewTokens: 40 });
    const b = await transcribe(audio, { maxNewTokens: 40 });
    expect(a).toEqual(b);
    expect(a.chunks.length).toBeGreaterThan(0);
    checkTimes(a, 4);
    expect(a.text).toBe(a.chunks.map((c) => c.text).join(' '));
  });

  it('beam search gives a valid transcript too', async () => {
    const t = await transcribe(syntheticPcm(2, 7), { beams: 3, maxNewTokens: 24 });
    checkTimes(t, 2);
  });

  it('long audio is decoded in 30 s windows with offsets', async () => {
    const t = await transcribe(syntheticPcm(65, 3), { maxNewTokens: 24 });
    checkTimes(t, 65);
    expect(t.chunks[t.chunks.length - 1]!.end).toBeGreaterThan(30);
  });

  it('empty audio and the wrong rate are clear errors', async () => {
    await expect(transcribe({ sampleRate: 16000, samples: new Float32Array(0) })).rejects.toThrow(/audio is empty/);
    await expect(transcribe({ sampleRate: 8000, samples: new Float32Array(10) } as unknown as AudioPcm)).rejects.toThrow(/8000 Hz; Whisper needs 16000/);
  });

  it('an unknown language names the ones the model has', async () => {
    await expect(transcribe(syntheticPcm(1), { language: 'de' })).rejects.toThrow(/language "de" is not one of the model's: en/);
  });

  it('requires() lists every file of the export', async () => {
    const [r] = await whisperAsr.requires!(
      { model: '/nowhere/whisper', revision: 'main', threads: 0, language: 'en', task: 'transcribe', beams: 1, maxNewTokens: 224, wordTiming: 'equal' },
      '/g.json',
    );
    expect(r!.present).toBe(false);
    expect(r!.missing).toEqual([
      'encoder_model.onnx (or onnx/encoder_model.onnx)',
      'decoder_model.onnx (or onnx/decoder_model.onnx)',
      'tokenizer.json',
      'tokenizer_config.json',
      'config.json',
      'generation_config.json',
      'preprocessor_config.json',
    ]);
    expect(r!.hint).toContain('--task automatic-speech-recognition');
  });
});

describe('Whisper timestamp rules', () => {
  const V = tiny.timestampBegin + 1501;
  const flat = () => new Float32Array(V);
  const allowed = (l: Float32Array) => Array.from(l.keys()).filter((i) => l[i]! > -Infinity);
  const ts = (seconds: number) => tiny.timestampBegin + Math.round(seconds * 50);

  it('first token: a timestamp no later than max_initial_timestamp', () => {
    const l = flat();
    applyWhisperRules(l, [], tiny);
    expect(allowed(l)).toEqual(Array.from({ length: tiny.maxInitialTimestampIndex + 1 }, (_, i) => tiny.timestampBegin + i));
  });

  it('after text then a timestamp: only a later-or-equal timestamp or <|endoftext|>', () => {
    const l = flat();
    l[tiny.endOfText] = 10; // likelier than all timestamps together, so the forcing rule stays out of the way
    applyWhisperRules(l, [ts(0.5), 72, ts(1)], tiny);
    const ok = allowed(l);
    expect(ok[0]).toBe(tiny.endOfText);
    expect(ok[1]).toBe(ts(1));
    expect(ok.length).toBe(1 + (V - ts(1)));
  });

  it('after two timestamps: text only; specials and <|notimestamps|> never', () => {
    const l = flat();
    applyWhisperRules(l, [ts(0), 72, ts(1), ts(1)], tiny);
    const ok = allowed(l);
    expect(ok.every((id) => id <= tiny.endOfText)).toBe(true);
    expect(ok).toContain(tiny.endOfText);
    expect(ok).not.toContain(tiny.noTimestamps);
  });

  it('forces a timestamp when timestamps are jointly likelier than any text token', () => {
    const l = flat();
    for (let id = tiny.timestampBegin; id < V; id++) l[id] = 1;
    l[72] = 5;
    applyWhisperRules(l, [ts(0), 72], tiny);
    expect(allowed(l).every((id) => id >= tiny.timestampBegin)).toBe(true);
  });
});

describe('Whisper segmentation of a window', () => {
  const ts = (seconds: number) => tiny.timestampBegin + Math.round(seconds * 50);

  it('cuts at timestamp pairs; a clean ending consumes the window', () => {
    const tokens = [ts(0), 10, 11, ts(1.2), ts(1.2), 12, ts(2.5)];
    const { segments, advance } = segmentWindow(tokens, tiny, 30);
    expect(segments).toEqual([
      { start: 0, end: 1.2, text: [10, 11] },
      { start: 1.2, end: 2.5, text: [12] },
    ]);
    expect(advance).toBe(30);
  });

  it('an unfinished last segment is dropped and decoding resumes at the last complete one', () => {
    const tokens = [ts(0), 10, ts(4), ts(4), 11, 12];
    const { segments, advance } = segmentWindow(tokens, tiny, 30);
    expect(segments).toEqual([{ start: 0, end: 4, text: [10] }]);
    expect(advance).toBe(4);
  });

  it('without pairs: one segment up to the last timestamp', () => {
    expect(segmentWindow([ts(0.4), 10, 11, ts(3)], tiny, 30).segments).toEqual([{ start: 0.4, end: 3, text: [10, 11] }]);
    expect(segmentWindow([ts(0), 10], tiny, 12.5)).toEqual({ segments: [{ start: 0, end: 12.5, text: [10] }], advance: 12.5 });
  });
});

describe('Whisper search', () => {
  /**
   * A two-step language: after the prompt, token A (p .6) leads to a flat next distribution, token B (p .4)
   * to a sure end; greedy takes A, beam search finds the likelier B + <|endoftext|>.
   */
  const A = 10;
  const B = 11;
  const toy: WhisperTokens = { ...tiny, suppress: [], beginSuppress: [], timestampBegin: tiny.timestampBegin };
  const step: DecoderStep = async (seqs) =>
    seqs.map((seq) => {
      const l = new Float32Array(tiny.timestampBegin + 1501).fill(-1e4);
      const sampled = seq.slice(1);
      if (sampled.length === 0) {
        l[tiny.timestampBegin] = 0;
      } else if (sampled.length === 1) {
        l[A] = Math.log(0.6);
        l[B] = Math.log(0.4);
      } else if (sampled[1] === A) {
        for (let id = 0; id < 200; id++) l[id] = Math.log(1 / 200);
      } else {
        l[tiny.endOfText] = 0;
      }
      return l;
    });

  it('greedy follows the locally best token; beam search finds the better sequence', async () => {
    const o = { tokens: toy, maxNewTokens: 3 };
    const greedy = await decodeWindow(step, [tiny.startOfTranscript], { ...o, beams: 1 });
    expect(greedy.slice(0, 2)).toEqual([tiny.timestampBegin, A]);
    const beam = await decodeWindow(step, [tiny.startOfTranscript], { ...o, beams: 2 });
    expect(beam).toEqual([tiny.timestampBegin, B]);
  });

  it('stops at the length limit when <|endoftext|> never comes', async () => {
    const never: DecoderStep = async (seqs) => seqs.map(() => new Float32Array(tiny.timestampBegin + 1501));
    expect((await decodeWindow(never, [tiny.startOfTranscript], { tokens: tiny, maxNewTokens: 7, beams: 1 })).length).toBe(7);
    expect((await decodeWindow(never, [tiny.startOfTranscript], { tokens: tiny, maxNewTokens: 5, beams: 3 })).length).toBe(5);
  });
});

describe.skipIf(!hasSharedTokenizer('whisper-base.en'))('with the real whisper-base.en tokenizer', () => {
  it('reads its special tokens and English-only prompt', () => {
    const t = readWhisperTokens(sharedTokenizer('whisper-base.en'));
    expect(t).toMatchObject({ endOfText: 50256, startOfTranscript: 50257, noTimestamps: 50362, timestampBegin: 50363, multilingual: false, maxLength: 448 });
    expect(whisperPrompt(t, 'en', 'transcribe', 'x')).toEqual([50257]);
    expect(() => whisperPrompt(t, 'en', 'translate', 'x')).toThrow(/English-only/);
  });

  it('decodes timestamp tokens into timed segments through our token handling', async () => {
    const dir = sharedTokenizer('whisper-base.en');
    const t = readWhisperTokens(dir);
    const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const text = (s: string) => tokenizer.encode(s, { add_special_tokens: false });
    const stamp = (seconds: number) => t.timestampBegin + Math.round(seconds * 50);
    const tokens = [stamp(0), ...text(' Um, hello there.'), stamp(1.2), stamp(1.2), ...text(" I'm not sure."), stamp(2.5)];
    const { segments, advance } = segmentWindow(tokens, t, 30);
    expect(segments.map((s) => [tokenizer.decode(s.text, { skip_special_tokens: true }).trim(), s.start, s.end])).toEqual([
      ['Um, hello there.', 0, 1.2],
      ["I'm not sure.", 1.2, 2.5],
    ]);
    expect(advance).toBe(30);
    // Timestamp ids lie beyond the tokenizer's vocabulary: the rules treat every id from 50363 on as a time.
    const logits = new Float32Array(51864);
    applyWhisperRules(logits, [stamp(0), ...text(' Hi'), stamp(0.5)], t);
    expect(logits[stamp(0.5)]).toBe(0);
    expect(logits[stamp(0.48)]).toBe(-Infinity);
    expect(logits[text(' Hi')[0]!]).toBe(-Infinity);
  });
});
