/**
 * Input features of W2V2-BERT 2.0 (and SeamlessM4T speech encoders): Kaldi-style 80-bin log-mel filterbanks
 * (25 ms povey windows every 10 ms, ×32768, DC removal, pre-emphasis 0.97, 512-point FFT) normalised per mel bin
 * over the utterance, with each pair of consecutive frames stacked into one row of 160 values — 50 rows per
 * second, as Hugging Face's `SeamlessM4TFeatureExtractor` computes them. The filterbanks come from transformers.js'
 * implementation of that extractor, configured by the model folder's preprocessor_config.json.
 */
import { SeamlessM4TFeatureExtractor } from '@huggingface/transformers';
import { InputError } from '../../runtime/errors.js';
import type { JsonObject } from '../models/files.js';

/** Samples per analysis frame (25 ms) and between frames (10 ms) at 16 kHz; fixed in the extractor. */
export const FBANK_FRAME = 400;
export const FBANK_HOP = 160;

/** facebook/w2v-bert-2.0's preprocessor_config.json: what a folder without that file gets. */
export const W2V_BERT_FEATURES: JsonObject = {
  feature_extractor_type: 'SeamlessM4TFeatureExtractor',
  feature_size: 80,
  num_mel_bins: 80,
  padding_value: 1,
  return_attention_mask: true,
  sampling_rate: 16000,
  stride: 2,
};

/** Log-mel frames of `samples` samples (no centre padding): floor((N − 400) / 160) + 1. */
export function fbankFrames(samples: number): number {
  return samples < FBANK_FRAME ? 0 : Math.floor((samples - FBANK_FRAME) / FBANK_HOP) + 1;
}

export interface FbankLayout {
  melBins: number;
  /** Frames stacked per row. */
  stride: number;
}

/**
 * Rows of `samples` samples: whole pairs of frames. An odd last frame is left out, as Hugging Face does (it pads
 * it into a row that the attention mask marks as padding); it still counts in the per-bin statistics.
 */
export function fbankRows(samples: number, layout: FbankLayout): number {
  return Math.floor(fbankFrames(samples) / layout.stride);
}

/** Fewest samples that give one row. */
export function fbankMinSamples(layout: FbankLayout): number {
  return FBANK_FRAME + (layout.stride - 1) * FBANK_HOP;
}

function positiveInteger(config: JsonObject, key: string, file: string): number {
  const v = config[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InputError(`${file}: field "${key}" is ${JSON.stringify(v)}, expected a positive integer`);
  return v;
}

/** The feature extractor's config: the folder's preprocessor_config.json over W2V2-BERT 2.0's defaults, checked. */
export function fbankConfig(prep: JsonObject, file: string): { config: JsonObject; layout: FbankLayout } {
  const config = { ...W2V_BERT_FEATURES, ...prep };
  const type = config['feature_extractor_type'];
  if (type !== 'SeamlessM4TFeatureExtractor') {
    throw new InputError(
      `${file}: feature_extractor_type is ${JSON.stringify(type)}; a model with an "input_features" input needs SeamlessM4TFeatureExtractor (W2V2-BERT); see docs/models.md#audio-encoder`,
    );
  }
  if (config['sampling_rate'] !== 16000) throw new InputError(`${file}: sampling_rate is ${JSON.stringify(config['sampling_rate'])}; the encoder takes 16000 Hz audio`);
  const layout = { melBins: positiveInteger(config, 'num_mel_bins', file), stride: positiveInteger(config, 'stride', file) };
  // transformers.js pads an odd frame count to a multiple of 2 only; every SeamlessM4T/W2V2-BERT config uses 2.
  if (layout.stride !== 2) throw new InputError(`${file}: stride is ${layout.stride}; only 2 (W2V2-BERT, SeamlessM4T) is supported`);
  return { config, layout };
}

/** Log-mel frames computed per block (bounds the extractor's float32 spectrogram buffers on long audio). */
const BLOCK_FRAMES = 3000;

/**
 * Computes the rows [T, melBins × stride] of one utterance: transformers.js' SeamlessM4TFeatureExtractor
 * computes the log-mel frames (block by block: frames are independent, so blocks that start on frame boundaries
 * give the one-pass frames), then they are normalised per mel bin over the whole utterance as its `_call` does
 * (double sums, variance with ddof = 1, sqrt(var + 1e−7)), and consecutive pairs form the rows.
 */
export class FbankFeatures {
  private readonly extractor: SeamlessM4TFeatureExtractor;

  constructor(
    config: JsonObject,
    readonly layout: FbankLayout,
    private readonly blockFrames = BLOCK_FRAMES,
  ) {
    this.extractor = new SeamlessM4TFeatureExtractor(config);
  }

  get width(): number {
    return this.layout.melBins * this.layout.stride;
  }

  /** Log-mel frames [F, melBins] of the utterance, not normalised. */
  async logMel(samples: Float32Array): Promise<Float32Array> {
    const frames = fbankFrames(samples.length);
    const bins = this.layout.melBins;
    const out = new Float32Array(frames * bins);
    for (let first = 0; first < frames; first += this.blockFrames) {
      const count = Math.min(this.blockFrames, frames - first);
      const start = first * FBANK_HOP;
      const span = samples.subarray(start, start + (count - 1) * FBANK_HOP + FBANK_FRAME);
      const mel = await this.extractor._extract_fbank_features(span, null as unknown as number);
      if (mel.dims[0] !== count || mel.dims[1] !== bins) {
        throw new InputError(`SeamlessM4TFeatureExtractor gave [${mel.dims.join(',')}] log-mel frames for ${span.length} samples; expected [${count},${bins}]`);
      }
      out.set(mel.data as Float32Array, first * bins);
    }
    return out;
  }

  /** Rows of the whole utterance (normalised over all its frames); `fbankRows(samples.length)` of them. */
  async rows(samples: Float32Array): Promise<Float32Array> {
    const data = await this.logMel(samples);
    const bins = this.layout.melBins;
    const frames = data.length / bins;
    for (let b = 0; b < bins; b++) {
      let sum = 0;
      for (let f = 0; f < frames; f++) sum += data[f * bins + b]!;
      const mean = sum / frames;
      let squares = 0;
      for (let f = 0; f < frames; f++) squares += (data[f * bins + b]! - mean) ** 2;
      const std = Math.sqrt(squares / (frames - 1) + 1e-7);
      for (let f = 0; f < frames; f++) data[f * bins + b] = (data[f * bins + b]! - mean) / std;
    }
    // Frames are row-major, so rows of `stride` consecutive frames are contiguous; an odd last frame is dropped.
    return data.subarray(0, fbankRows(samples.length, this.layout) * this.width);
  }
}
