/**
 * How to obtain each kind of model, for the "missing model" error and `run-graph models`. The models the
 * paper uses get their exact export command; any other id gets the generic command for its role.
 * docs/models.md has the full recipes.
 */
import type { JsonSchema } from '../../runtime/contract.js';

export type ModelRole = 'text-encoder' | 'image-encoder' | 'audio-encoder' | 'asr';

/** Human name of a role, used in messages. */
export const ROLE_NAMES: Record<ModelRole, string> = {
  'text-encoder': 'text encoder',
  'image-encoder': 'image encoder',
  'audio-encoder': 'audio encoder',
  asr: 'Whisper ASR model',
};

/** The Hugging Face ids used by the paper's code (see docs/models.md). */
export const PAPER_MODELS = {
  textEmi: 'Alibaba-NLP/gte-en-mlm-base',
  textBah: 'Alibaba-NLP/gte-large-en-v1.5',
  vision: 'google/vit-huge-patch14-224-in21k',
  audio: 'audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim',
  asr: 'openai/whisper-large-v3',
} as const;

function target(model: string): string {
  return /^[\w.-]+\/[\w.-]+$/.test(model) ? `$AFFECTFLOW_MODELS/${model}` : '<folder>';
}

/** How to obtain `model` for `role` (multi-line). */
export function obtainHint(role: ModelRole, model: string, extra: { marker?: string; head?: boolean } = {}): string {
  const dir = target(model);
  const docs = 'Recipes: docs/models.md';
  switch (role) {
    case 'text-encoder': {
      const remote = model.startsWith('Alibaba-NLP/') ? ' --trust-remote-code' : '';
      const lines = [`optimum-cli export onnx --model ${model} --task feature-extraction${remote} ${dir}`];
      if (extra.marker) {
        lines.unshift(
          `The ${extra.marker} marker must be in the tokenizer and the embedding before export: add it with`,
          `tokenizer.add_special_tokens({"additional_special_tokens": ["${extra.marker}"]}); model.resize_token_embeddings(len(tokenizer)),`,
          `save both, then export the saved folder:`,
        );
      }
      return [...lines, `(if optimum does not know the architecture: the torch.onnx.export recipe) ${docs}#text-encoders`].join('\n');
    }
    case 'image-encoder':
      return [`optimum-cli export onnx --model ${model} --task feature-extraction ${dir}`, docs + '#image-encoder'].join('\n');
    case 'audio-encoder': {
      if (/w2v-bert/i.test(model)) {
        return [
          `Export Wav2Vec2BertModel with torch.onnx.export (input_features [B,T,160] + attention_mask → last_hidden_state) and save its`,
          `preprocessor_config.json (SeamlessM4TFeatureExtractor) into ${dir}; it has no arousal/dominance/valence head (head: false)`,
          docs + '#w2v2-bert',
        ].join('\n');
      }
      if (/wavlm|hubert/i.test(model)) {
        return [
          `optimum-cli export onnx --model ${model} --task feature-extraction ${dir} (input_values → last_hidden_state);`,
          'it has no arousal/dominance/valence head (head: false)',
          docs + '#audio-encoder',
        ].join('\n');
      }
      return [
        `No ONNX on the hub: export the wav2vec2 backbone (input_values → last_hidden_state) with torch.onnx.export${
          extra.head ? ' and the regression head separately as head.onnx ([N,1024] → [N,3])' : ''
        } into ${dir}`,
        ...(extra.head ? [`(head.onnx is audeering's head of ${PAPER_MODELS.audio}; other encoders need head: false, graph param audioHead: false)`] : []),
        docs + '#audio-encoder',
      ].join('\n');
    }
    case 'asr':
      return [
        `optimum-cli export onnx --model ${model} --task automatic-speech-recognition ${dir}`,
        '(writes encoder_model.onnx, decoder_model.onnx and the tokenizer/config files the node needs), or name a hub',
        'repository that already holds onnx/encoder_model.onnx and onnx/decoder_model.onnx (e.g. Xenova/whisper-medium.en)',
        docs + '#whisper',
      ].join('\n');
  }
}

/** JSON Schema properties shared by every model-backed node. */
export function modelParamProperties(role: ModelRole, example: string): Record<string, JsonSchema> {
  return {
    model: {
      type: 'string',
      minLength: 1,
      'x-model': role,
      description: `${ROLE_NAMES[role]}: a local folder (relative to the graph) or a Hugging Face id, e.g. "${example}"; see docs/models.md`,
    },
    revision: { type: 'string', default: 'main', description: 'hub revision (branch, tag or commit) when `model` is a Hugging Face id' },
    threads: { type: 'integer', minimum: 0, default: 0, description: 'onnxruntime intra-op threads (0: all cores)' },
  };
}

export interface ModelParams {
  model: string;
  revision: string;
  threads: number;
}
