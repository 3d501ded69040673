/**
 * The complete tiny model folders (ONNX files plus the config, preprocessor and tokenizer files a real
 * Hugging Face export ships), as file name → bytes. Pure and deterministic: the same options give the same
 * bytes, which is what lets a test compare a fresh build with the committed copies.
 */
import {
  buildRegressionHead,
  buildTextEncoder,
  buildVitEncoder,
  buildWav2Vec2Encoder,
  buildWhisperDecoder,
  buildWhisperEncoder,
  WAV2VEC2_CONV,
} from './tiny-models.js';
import { buildWhisperTokenizer, buildWordPieceTokenizer, MARKER_TOKEN, WHISPER_TINY_IDS, WHISPER_TINY_VOCAB } from './tokenizers.js';

export type FolderFiles = Record<string, Uint8Array>;

const text = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => text(JSON.stringify(v, null, 2) + '\n');

export const TINY_SIZES = { textHidden: 32, textPositions: 512, vitHidden: 32, audioHidden: 32, audioChannels: 8, whisperHidden: 16 } as const;

/** Tiny BERT/GTE-signature text encoder with a WordPiece vocabulary over `words` and the [ATTENTION] marker. */
export function tinyTextFolder(words: readonly string[], seed = 11): FolderFiles {
  const tok = buildWordPieceTokenizer(words, [MARKER_TOKEN]);
  const config = {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: TINY_SIZES.textHidden,
    num_hidden_layers: 2,
    num_attention_heads: 1,
    intermediate_size: TINY_SIZES.textHidden,
    max_position_embeddings: TINY_SIZES.textPositions,
    type_vocab_size: 2,
    vocab_size: tok.vocabSize,
    pad_token_id: 0,
  };
  return {
    'model.onnx': buildTextEncoder({ vocabSize: tok.vocabSize, hidden: TINY_SIZES.textHidden, maxPositions: TINY_SIZES.textPositions, seed }),
    'config.json': json(config),
    ...Object.fromEntries(Object.entries(tok.files).map(([name, content]) => [name, text(content)])),
  };
}

export function tinyVitFolder(seed = 12): FolderFiles {
  return {
    'model.onnx': buildVitEncoder({ hidden: TINY_SIZES.vitHidden, imageSize: 224, patchSize: 14, seed }),
    'config.json': json({ architectures: ['ViTModel'], model_type: 'vit', hidden_size: TINY_SIZES.vitHidden, image_size: 224, patch_size: 14, num_channels: 3 }),
    // As google/vit-huge-patch14-224-in21k: bilinear resize to 224, rescale 1/255, normalise with 0.5 / 0.5.
    'preprocessor_config.json': json({
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_processor_type: 'ViTImageProcessor',
      image_std: [0.5, 0.5, 0.5],
      resample: 2,
      rescale_factor: 0.00392156862745098,
      size: { height: 224, width: 224 },
    }),
  };
}

export function tinyWav2Vec2Folder(seed = 13): FolderFiles {
  return {
    'model.onnx': buildWav2Vec2Encoder({ hidden: TINY_SIZES.audioHidden, channels: TINY_SIZES.audioChannels, seed }),
    'head.onnx': buildRegressionHead({ hidden: TINY_SIZES.audioHidden, seed: seed + 100 }),
    'config.json': json({
      architectures: ['Wav2Vec2Model'],
      model_type: 'wav2vec2',
      hidden_size: TINY_SIZES.audioHidden,
      conv_dim: WAV2VEC2_CONV.map(() => TINY_SIZES.audioChannels),
      conv_kernel: WAV2VEC2_CONV.map(([k]) => k),
      conv_stride: WAV2VEC2_CONV.map(([, s]) => s),
      id2label: { '0': 'arousal', '1': 'dominance', '2': 'valence' },
      label2id: { arousal: 0, dominance: 1, valence: 2 },
    }),
    'preprocessor_config.json': json({
      do_normalize: true,
      feature_extractor_type: 'Wav2Vec2FeatureExtractor',
      feature_size: 1,
      padding_side: 'right',
      padding_value: 0.0,
      return_attention_mask: true,
      sampling_rate: 16000,
    }),
  };
}

export function tinyWhisperFolder(seed = 14): FolderFiles {
  const ids = WHISPER_TINY_IDS;
  const dims = { hidden: TINY_SIZES.whisperHidden, melBins: 80, frames: 3000, vocabSize: WHISPER_TINY_VOCAB, maxTargetPositions: 448 };
  const tok = buildWhisperTokenizer();
  const space = 220; // 'Ġ' in GPT-2 byte order, as in Whisper
  return {
    'encoder_model.onnx': buildWhisperEncoder({ ...dims, seed }),
    'decoder_model.onnx': buildWhisperDecoder({ ...dims, seed: seed + 100 }),
    'config.json': json({
      architectures: ['WhisperForConditionalGeneration'],
      model_type: 'whisper',
      d_model: dims.hidden,
      encoder_layers: 1,
      decoder_layers: 1,
      encoder_attention_heads: 1,
      decoder_attention_heads: 1,
      num_mel_bins: dims.melBins,
      max_source_positions: dims.frames / 2,
      max_target_positions: dims.maxTargetPositions,
      vocab_size: dims.vocabSize,
      bos_token_id: ids.endOfText,
      eos_token_id: ids.endOfText,
      pad_token_id: ids.endOfText,
      decoder_start_token_id: ids.startOfTranscript,
      begin_suppress_tokens: [space, ids.endOfText],
      suppress_tokens: [],
    }),
    'generation_config.json': json({
      alignment_heads: [[0, 0]],
      begin_suppress_tokens: [space, ids.endOfText],
      bos_token_id: ids.endOfText,
      decoder_start_token_id: ids.startOfTranscript,
      eos_token_id: ids.endOfText,
      forced_decoder_ids: [
        [1, null],
        [2, ids.transcribe],
      ],
      is_multilingual: true,
      lang_to_id: { '<|en|>': ids.english },
      max_initial_timestamp_index: 50,
      max_length: dims.maxTargetPositions,
      no_timestamps_token_id: ids.noTimestamps,
      pad_token_id: ids.endOfText,
      prev_sot_token_id: ids.startOfPrev,
      return_timestamps: false,
      suppress_tokens: [],
      task_to_id: { transcribe: ids.transcribe, translate: ids.translate },
    }),
    'preprocessor_config.json': json({
      chunk_length: 30,
      feature_extractor_type: 'WhisperFeatureExtractor',
      feature_size: 80,
      hop_length: 160,
      n_fft: 400,
      n_samples: 480000,
      nb_max_frames: 3000,
      padding_side: 'right',
      padding_value: 0.0,
      processor_class: 'WhisperProcessor',
      return_attention_mask: false,
      sampling_rate: 16000,
    }),
    ...Object.fromEntries(Object.entries(tok.files).map(([name, content]) => [name, text(content)])),
  };
}

export interface TinyModelOptions {
  words: readonly string[];
}

/** Every tiny model folder, keyed by folder name. */
export function tinyModels(o: TinyModelOptions): Record<string, FolderFiles> {
  return {
    'tiny-text': tinyTextFolder(o.words),
    'tiny-vit': tinyVitFolder(),
    'tiny-wav2vec2': tinyWav2Vec2Folder(),
    'tiny-whisper': tinyWhisperFolder(),
  };
}
