/**
 * Input features of W2V2-BERT 2.0 (and SeamlessM4T speech encoders): Kaldi-style 80-bin log-mel filterbanks
 * (25 ms povey windows every 10 ms, ×32768, DC removal, pre-emphasis 0.97, 512-point FFT) normalised per mel bin
 * over the utterance, with each pair of consecutive frames stacked into one row of 160 values — 50 rows per
 * second. Computed by transformers.js' `SeamlessM4TFeatureExtractor`, configured from the model folder's
 * preprocessor_config.json, as Hugging Face's feature extractor of the same name does.
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

/** Computes the rows [T, melBins × stride] of one utterance. */
export class FbankFeatures {
  private readonly extractor: SeamlessM4TFeatureExtractor;

  constructor(
    config: JsonObject,
    readonly layout: FbankLayout,
  ) {
    this.extractor = new SeamlessM4TFeatureExtractor(config);
  }

  get width(): number {
    return this.layout.melBins * this.layout.stride;
  }

  /** Rows of the whole utterance (normalised over all its frames); `fbankRows(samples.length)` of them. */
  async rows(samples: Float32Array): Promise<Float32Array> {
    const rows = fbankRows(samples.length, this.layout);
    const { input_features } = await this.extractor._call(samples, { padding: true, pad_to_multiple_of: this.layout.stride });
    const data = input_features.data as Float32Array;
    const [, available, width] = input_features.dims as [number, number, number];
    if (width !== this.width || available < rows) {
      throw new InputError(`SeamlessM4TFeatureExtractor gave [${input_features.dims.join(',')}] for ${samples.length} samples; expected ${rows} rows of ${this.width}`);
    }
    // The padded half row (odd frame count) is the last one; keep only whole pairs.
    return data.subarray(0, rows * width);
  }
}
