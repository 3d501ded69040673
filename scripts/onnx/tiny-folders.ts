/**
 * The complete tiny model folders (ONNX files plus the config, preprocessor and tokenizer files a real
 * Hugging Face export ships), as file name → bytes. Pure and deterministic: the same options give the same
 * bytes, which is what lets a test compare a fresh build with the committed copies.
 */
import {
  buildRegressionHead,
  buildTextEncoder,
  buildVitEncoder,
  buildW2vBertEncoder,
  buildWav2Vec2Encoder,
  buildWhisperDecoder,
  buildWhisperEncoder,
  WAV2VEC2_CONV,
} from './tiny-models.js';
import {
  buildByteLevelBpeTokenizer,
  buildWhisperTokenizer,
  buildWordPieceTokenizer,
  MARKER_TOKEN,
  WHISPER_TINY_IDS,
  WHISPER_TINY_VOCAB,
  type TokenizerFiles,
} from './tokenizers.js';

export type FolderFiles = Record<string, Uint8Array>;

const text = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => text(JSON.stringify(v, null, 2) + '\n');
const tokenizerFiles = (tok: TokenizerFiles): FolderFiles => Object.fromEntries(Object.entries(tok.files).map(([name, content]) => [name, text(content)]));

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
    ...tokenizerFiles(tok),
  };
}

// As google/vit-*-224-in21k: bilinear resize to 224, rescale 1/255, normalise with 0.5 / 0.5.
const VIT_PREPROCESSOR = json({
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_processor_type: 'ViTImageProcessor',
  image_std: [0.5, 0.5, 0.5],
  resample: 2,
  rescale_factor: 0.00392156862745098,
  size: { height: 224, width: 224 },
});

export function tinyVitFolder(seed = 12): FolderFiles {
  return {
    'model.onnx': buildVitEncoder({ hidden: TINY_SIZES.vitHidden, imageSize: 224, patchSize: 14, seed }),
    'config.json': json({ architectures: ['ViTModel'], model_type: 'vit', hidden_size: TINY_SIZES.vitHidden, image_size: 224, patch_size: 14, num_channels: 3 }),
    'preprocessor_config.json': VIT_PREPROCESSOR,
  };
}

/** Wav2Vec2FeatureExtractor config: per-utterance normalisation of the waveform. */
const WAV2VEC2_PREPROCESSOR = json({
  do_normalize: true,
  feature_extractor_type: 'Wav2Vec2FeatureExtractor',
  feature_size: 1,
  padding_side: 'right',
  padding_value: 0.0,
  return_attention_mask: true,
  sampling_rate: 16000,
});

const convConfig = () => ({
  conv_dim: WAV2VEC2_CONV.map(() => TINY_SIZES.audioChannels),
  conv_kernel: WAV2VEC2_CONV.map(([k]) => k),
  conv_stride: WAV2VEC2_CONV.map(([, s]) => s),
});

/** audeering's model stand-in: wav2vec2 backbone + the arousal/dominance/valence head. */
export function tinyWav2Vec2Folder(seed = 13): FolderFiles {
  return {
    'model.onnx': buildWav2Vec2Encoder({ hidden: TINY_SIZES.audioHidden, channels: TINY_SIZES.audioChannels, seed }),
    'head.onnx': buildRegressionHead({ hidden: TINY_SIZES.audioHidden, seed: seed + 100 }),
    'config.json': json({
      architectures: ['Wav2Vec2Model'],
      model_type: 'wav2vec2',
      hidden_size: TINY_SIZES.audioHidden,
      ...convConfig(),
      id2label: { '0': 'arousal', '1': 'dominance', '2': 'valence' },
      label2id: { arousal: 0, dominance: 1, valence: 2 },
    }),
    'preprocessor_config.json': WAV2VEC2_PREPROCESSOR,
  };
}

/**
 * microsoft/wavlm-large stand-in: the wav2vec2 signature and conv stack (input_values → last_hidden_state), no
 * head. WavLM Large was pre-trained on normalised waveforms, hence do_normalize.
 */
export function tinyWavLmFolder(seed = 41): FolderFiles {
  return {
    'model.onnx': buildWav2Vec2Encoder({ name: 'tiny-wavlm', hidden: TINY_SIZES.audioHidden, channels: TINY_SIZES.audioChannels, seed }),
    'config.json': json({ architectures: ['WavLMModel'], model_type: 'wavlm', hidden_size: TINY_SIZES.audioHidden, ...convConfig() }),
    'preprocessor_config.json': WAV2VEC2_PREPROCESSOR,
  };
}

/** W2V2-BERT 2.0's feature extractor config (as facebook/w2v-bert-2.0): 80 log-mel bins, pairs of frames stacked. */
export const W2V_BERT_PREPROCESSOR = {
  feature_extractor_type: 'SeamlessM4TFeatureExtractor',
  feature_size: 80,
  num_mel_bins: 80,
  padding_side: 'right',
  padding_value: 1,
  processor_class: 'Wav2Vec2BertProcessor',
  return_attention_mask: true,
  sampling_rate: 16000,
  stride: 2,
} as const;

/** facebook/w2v-bert-2.0 stand-in: input_features [B,T,160] + attention_mask → last_hidden_state [B,T,D]. */
export function tinyW2vBertFolder(seed = 42): FolderFiles {
  const featureSize = W2V_BERT_PREPROCESSOR.num_mel_bins * W2V_BERT_PREPROCESSOR.stride;
  return {
    'model.onnx': buildW2vBertEncoder({ hidden: TINY_SIZES.audioHidden, featureSize, seed }),
    'config.json': json({
      architectures: ['Wav2Vec2BertModel'],
      model_type: 'wav2vec2-bert',
      hidden_size: TINY_SIZES.audioHidden,
      feature_projection_input_dim: featureSize,
      num_hidden_layers: 2,
      add_adapter: false,
    }),
    'preprocessor_config.json': json(W2V_BERT_PREPROCESSOR),
  };
}

/**
 * The encoder-ablation stand-ins (paper Tables 2 and 5). Widths keep the real models' ratios at 1/32 scale
 * (768 → 24, 1024 → 32; ViT 384/768/1280 → 12/24/40) and large models get one more layer, so the variants
 * differ on the sample data as the real ones do in kind. Word and patch embeddings are factorised and
 * positions are fixed sinusoids, which keeps each folder a few tens of KB.
 */
export const ABLATION_TEXT = {
  'tiny-bert-base': { family: 'bert', hidden: 24, layers: 2, seed: 21 },
  'tiny-bert-large': { family: 'bert', hidden: 32, layers: 3, seed: 22 },
  'tiny-roberta-base': { family: 'roberta', hidden: 24, layers: 2, seed: 23 },
  'tiny-gte-base': { family: 'gte', hidden: 24, layers: 2, seed: 24 },
  'tiny-gte-large': { family: 'gte', hidden: 32, layers: 3, seed: 25 },
} as const;

export const ABLATION_VISION = {
  'tiny-vit-s': { hidden: 12, patchSize: 16, seed: 31 },
  'tiny-vit-b': { hidden: 24, patchSize: 16, seed: 32 },
  'tiny-vit-h': { hidden: 40, patchSize: 14, seed: 33 },
} as const;

type TextSpec = (typeof ABLATION_TEXT)[keyof typeof ABLATION_TEXT];
type VisionSpec = (typeof ABLATION_VISION)[keyof typeof ABLATION_VISION];

const EMBEDDING_RANK = 8;
const PATCH_RANK = 4;
/** Real position limits: BERT 512, RoBERTa 514 (positions start after the padding id), GTE v1.5 8192 (RoPE). */
const MAX_POSITIONS = { bert: 512, roberta: 514, gte: 8192 } as const;

/** A text-encoder stand-in of one family: WordPiece (BERT, GTE) or byte-level BPE (RoBERTa), both with the marker. */
export function tinyAblationTextFolder(words: readonly string[], spec: TextSpec): FolderFiles {
  const roberta = spec.family === 'roberta';
  const tok = roberta ? buildByteLevelBpeTokenizer(words, [MARKER_TOKEN]) : buildWordPieceTokenizer(words, [MARKER_TOKEN]);
  const common = {
    hidden_size: spec.hidden,
    num_hidden_layers: spec.layers,
    num_attention_heads: 1,
    intermediate_size: spec.hidden,
    max_position_embeddings: MAX_POSITIONS[spec.family],
    vocab_size: tok.vocabSize,
  };
  const config = roberta
    ? { architectures: ['RobertaModel'], model_type: 'roberta', ...common, type_vocab_size: 1, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 }
    : spec.family === 'gte'
      ? { architectures: ['NewModel'], model_type: 'new', ...common, type_vocab_size: 2, pad_token_id: 0, position_embedding_type: 'rope' }
      : { architectures: ['BertModel'], model_type: 'bert', ...common, type_vocab_size: 2, pad_token_id: 0 };
  return {
    'model.onnx': buildTextEncoder({
      name: `tiny-${spec.family}`,
      vocabSize: tok.vocabSize,
      hidden: spec.hidden,
      maxPositions: MAX_POSITIONS[spec.family],
      layers: spec.layers,
      tokenTypes: !roberta,
      embeddingRank: EMBEDDING_RANK,
      positions: 'sinusoidal',
      seed: spec.seed,
    }),
    'config.json': json(config),
    ...tokenizerFiles(tok),
  };
}

/** A ViT stand-in: patch 16 → 197 tokens (ViT-S/16, ViT-B/16) or patch 14 → 257 (ViT-H/14), ViTImageProcessor config. */
export function tinyAblationVitFolder(spec: VisionSpec): FolderFiles {
  return {
    'model.onnx': buildVitEncoder({
      name: `tiny-vit-p${spec.patchSize}`,
      hidden: spec.hidden,
      imageSize: 224,
      patchSize: spec.patchSize,
      patchRank: PATCH_RANK,
      positions: 'sinusoidal',
      seed: spec.seed,
    }),
    'config.json': json({ architectures: ['ViTModel'], model_type: 'vit', hidden_size: spec.hidden, image_size: 224, patch_size: spec.patchSize, num_channels: 3 }),
    'preprocessor_config.json': VIT_PREPROCESSOR,
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
    ...tokenizerFiles(tok),
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
    ...Object.fromEntries(Object.entries(ABLATION_TEXT).map(([name, spec]) => [name, tinyAblationTextFolder(o.words, spec)])),
    ...Object.fromEntries(Object.entries(ABLATION_VISION).map(([name, spec]) => [name, tinyAblationVitFolder(spec)])),
    'tiny-wavlm': tinyWavLmFolder(),
    'tiny-w2v2-bert': tinyW2vBertFolder(),
  };
}
