/**
 * encoder/text: a batch of texts → one feature row per text, from a BERT-like ONNX encoder
 * (input_ids, attention_mask[, token_type_ids] → last_hidden_state), pooled at CLS, by masked mean, or at a
 * marker token such as `[ATTENTION]`.
 */
import path from 'node:path';
import { defineNode, type NodeContext } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { modelParamProperties, PAPER_MODELS, type ModelParams } from '../models/catalog.js';
import { numberField, readOptionalJson } from '../models/files.js';
import { floatOutput, int64Tensor, sharedOnnx, type OnnxModel, type Tensor } from '../models/onnx.js';
import { modelRequirements, ONNX_MODEL, resolveNodeModel, type NodeModelSpec } from '../models/request.js';
import { loadTokenizer } from '../models/tokenizer.js';
import type { Features, TextBatch } from '../values.js';
import { padRows, specialTemplate, tokenRow, type SpecialTemplate, type TokenRow } from './text-tokens.js';

export type TextPooling = 'cls' | 'mean' | 'marker';

export interface TextEncoderParams extends ModelParams {
  pooling: TextPooling;
  marker: string;
  maxLength: number;
  batchSize: number;
}

interface TextEncoderState {
  model: OnnxModel;
  output: string;
  tokenizer: Awaited<ReturnType<typeof loadTokenizer>>['tokenizer'];
  template: SpecialTemplate;
  markerId?: number;
  padId: number;
}

function spec(params: TextEncoderParams): NodeModelSpec {
  return {
    role: 'text-encoder',
    files: [ONNX_MODEL, 'tokenizer.json', 'tokenizer_config.json'],
    ...(params.pooling === 'marker' ? { hintExtra: { marker: params.marker } } : {}),
  };
}

async function setup(ctx: NodeContext<TextEncoderParams>): Promise<TextEncoderState> {
  const p = ctx.params;
  const resolved = await resolveNodeModel(p, ctx.graphFile, spec(p), ctx.signal);
  const modelFile = resolved.files['model.onnx']!;
  const model = await sharedOnnx(ctx, modelFile, { threads: p.threads });
  model.expectSignature(['input_ids'], [], 'text encoder');
  const output = model.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : model.outputNames[0]!;
  const markers = p.pooling === 'marker' ? [p.marker] : [];
  const tok = await ctx.shared(`tokenizer:${resolved.dir}:${markers.join(',')}`, () => loadTokenizer(resolved.dir, markers));
  const state: TextEncoderState = {
    model,
    output,
    tokenizer: tok.tokenizer,
    template: specialTemplate(tok.tokenizer),
    padId: tok.tokenizer.pad_token_id ?? 0,
  };
  if (p.pooling === 'marker') {
    const markerId = tok.tokenizer.convert_tokens_to_ids(p.marker) as number;
    const added = tok.addedMarkers[p.marker];
    if (added !== undefined) {
      // The saved tokenizer lacks the marker: usable only when the exported embedding has a row for it.
      const configFile = path.join(resolved.dir, 'config.json');
      const vocab = numberField(readOptionalJson(configFile), 'vocab_size', configFile, Number.NaN);
      if (!(added < vocab)) {
        throw new InputError(
          `the tokenizer in ${resolved.dir} has no ${p.marker} token and the model's vocabulary ` +
            `(${Number.isNaN(vocab) ? 'config.json has no vocab_size' : `vocab_size ${vocab}`}) has no row for it: add the marker to the ` +
            `tokenizer and resize the embeddings before exporting (docs/models.md#text-encoders)`,
        );
      }
      ctx.log.info(`added ${p.marker} to the tokenizer as token ${added} (the model's vocabulary has ${vocab} rows)`);
    }
    state.markerId = markerId;
  }
  return state;
}

/** Pool one row of hidden states [L, D] (a view into the batch output). */
function pool(hidden: Float32Array, b: number, L: number, D: number, row: TokenRow, pooling: TextPooling, out: Float32Array): void {
  const base = b * L * D;
  if (pooling === 'mean') {
    const n = row.ids.length;
    for (let t = 0; t < n; t++) for (let d = 0; d < D; d++) out[d]! += hidden[base + t * D + d]!;
    for (let d = 0; d < D; d++) out[d]! /= n;
    return;
  }
  const t = pooling === 'marker' ? row.marker! : 0;
  out.set(hidden.subarray(base + t * D, base + (t + 1) * D));
}

/** Encode rows in batches of similar length; returns [N, D] in the rows' order. */
async function encodeRows(state: TextEncoderState, rows: TokenRow[], p: TextEncoderParams): Promise<{ data: Float32Array; dim: number }> {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.ids.length - rows[b]!.ids.length);
  let data = new Float32Array(0);
  let dim = 0;
  for (let start = 0; start < order.length; start += p.batchSize) {
    const members = order.slice(start, start + p.batchSize);
    const batch = padRows(members.map((i) => rows[i]!), state.padId);
    const shape = [members.length, batch.length];
    const feeds: Record<string, Tensor> = { input_ids: int64Tensor(batch.ids, shape) };
    if (state.model.inputNames.includes('attention_mask')) feeds['attention_mask'] = int64Tensor(batch.mask, shape);
    if (state.model.inputNames.includes('token_type_ids')) feeds['token_type_ids'] = int64Tensor(new BigInt64Array(batch.ids.length), shape);
    const result = await state.model.run(feeds, [state.output]);
    const hidden = floatOutput(result[state.output], state.output, 3, state.model.file);
    if (dim === 0) {
      dim = hidden.dims[2]!;
      data = new Float32Array(rows.length * dim);
    }
    members.forEach((i, b) => pool(hidden.data, b, batch.length, dim, rows[i]!, p.pooling, data.subarray(i * dim, (i + 1) * dim)));
  }
  return { data, dim };
}

/** An empty batch still has a feature width: learn it from a probe (the special tokens alone), keep no rows. */
async function emptyBatch(state: TextEncoderState, p: TextEncoderParams): Promise<{ data: Float32Array; dim: number }> {
  const ids = [...state.template.prefix, ...state.template.suffix];
  const probe = await encodeRows(state, [{ ids: ids.length ? ids : [state.padId], marker: 0 }], { ...p, pooling: 'cls' });
  return { data: new Float32Array(0), dim: probe.dim };
}

export const textEncoder = defineNode<TextEncoderParams, TextEncoderState>({
  type: 'encoder/text',
  version: '1',
  description: 'Texts → one feature row each from a BERT/GTE-like ONNX encoder (CLS, mean or marker pooling)',
  docs: `
Encodes every text of a \`text/batch\` with an ONNX text encoder (inputs \`input_ids\`, \`attention_mask\`,
\`token_type_ids\` when the model has them; output \`last_hidden_state\` [B,L,D]) and its Hugging Face tokenizer
(\`tokenizer.json\` + \`tokenizer_config.json\` in the model folder). Output: \`features[N,D]\`, one row per text, in
the batch's order; the batch's \`index\` (time step → row) is passed through unchanged.

Pooling:
- \`cls\` (EMI, \`Alibaba-NLP/gte-en-mlm-base\`): hidden state of the first token.
- \`mean\`: mean over all non-padding tokens, special tokens included (as sentence-transformers does).
- \`marker\` (BAH, \`Alibaba-NLP/gte-large-en-v1.5\`): hidden state AT the marker token (default \`[ATTENTION]\`).
  Each text must contain exactly one marker; a text without it is an error naming the text and the sample. The
  marker must be a token of the exported model: when the saved tokenizer lacks it, it is added as a special
  token with the next id, which is accepted only if \`config.json\`'s \`vocab_size\` shows the embedding was
  resized for it (docs/models.md).

Truncation to \`maxLength\` tokens (special tokens included): \`cls\`/\`mean\` keep the first tokens; \`marker\` keeps
the window of tokens centred on the marker (equal context on both sides, shifted when one side is short), so the
marker is never cut off. Texts are batched (\`batchSize\`) in order of length; padding does not change the result.
`,
  kind: 'map',
  cacheable: true,
  concurrency: 1,
  inputs: { texts: { type: 'text/batch', description: 'texts to encode (and an optional time-step index)' } },
  outputs: { features: { type: 'features[N,D]', description: 'one row per text; `index` passed through' } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['model'],
    properties: {
      ...modelParamProperties('text-encoder', PAPER_MODELS.textBah),
      pooling: { enum: ['cls', 'mean', 'marker'], default: 'cls', description: 'cls: first token; mean: masked mean; marker: the marker token' },
      marker: { type: 'string', minLength: 1, default: '[ATTENTION]', description: 'marker token for pooling "marker"' },
      maxLength: { type: 'integer', minimum: 3, default: 128, description: 'tokens per text including special tokens' },
      batchSize: { type: 'integer', minimum: 1, default: 16, description: 'texts per model call' },
    },
  },
  requires: (params, graphFile) => modelRequirements(params, graphFile, spec(params)),
  setup,
  async run(inputs, ctx, state) {
    const batch = inputs['texts'] as TextBatch;
    if (!batch || !Array.isArray(batch.texts)) throw new InputError('input "texts" is not a text batch ({texts: string[]})');
    const p = ctx.params;
    const rows = batch.texts.map((text, i) =>
      tokenRow(state.tokenizer, state.template, text, i, {
        maxLength: p.maxLength,
        ...(state.markerId !== undefined ? { markerId: state.markerId, markerText: p.marker } : {}),
      }),
    );
    const encoded = rows.length ? await encodeRows(state, rows, p) : await emptyBatch(state, p);
    const features: Features = { dims: [rows.length, encoded.dim], data: encoded.data };
    if (batch.index) features.index = batch.index;
    return { features };
  },
});
