/**
 * Tokenizer files for the tiny models, in the Hugging Face `tokenizers` JSON format that transformers.js
 * (and Python `transformers`) load offline:
 *  - a BERT WordPiece tokenizer whose vocabulary is a word list plus single characters and `##` pieces (so
 *    every word tokenises without [UNK]) and `[ATTENTION]` as an added special token;
 *  - a Whisper-like byte-level BPE tokenizer (256 byte tokens in GPT-2 order, no merges) whose special and
 *    timestamp tokens mirror Whisper's layout: <|endoftext|>, <|startoftranscript|>, <|en|>, <|translate|>,
 *    <|transcribe|>, <|startoflm|>, <|startofprev|>, <|nocaptions|>, <|notimestamps|>, <|0.00|>…<|30.00|>.
 */

export const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const MARKER_TOKEN = '[ATTENTION]';

const PUNCTUATION = [...`.,!?;:'"-()[]{}/&%$#@*+=<>_~\``];
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

interface AddedToken {
  id: number;
  content: string;
  single_word: false;
  lstrip: false;
  rstrip: false;
  normalized: boolean;
  special: boolean;
}

function added(id: number, content: string, special = true): AddedToken {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special };
}

export interface TokenizerFiles {
  /** File name → content. */
  files: Record<string, string>;
  vocabSize: number;
}

/** A WordPiece tokenizer (BERT uncased conventions) over `words`, with `markers` as added special tokens. */
export function buildWordPieceTokenizer(words: readonly string[], markers: readonly string[] = [MARKER_TOKEN]): TokenizerFiles {
  const vocab: string[] = [...BERT_SPECIALS];
  const seen = new Set(vocab);
  const push = (t: string) => {
    if (!seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  };
  for (const p of PUNCTUATION) push(p);
  for (const c of LETTERS) push(c);
  for (const c of LETTERS) push(`##${c}`);
  for (const w of words) push(w);
  const markerIds = markers.map((m, i) => [m, vocab.length + i] as const);
  const idOf = (t: string) => vocab.indexOf(t);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...BERT_SPECIALS.map((t) => added(idOf(t), t)), ...markerIds.map(([m, id]) => added(id, m))],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [idOf('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [idOf('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
  const config = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    additional_special_tokens: markers,
  };
  return {
    files: {
      'tokenizer.json': JSON.stringify(tokenizer),
      'tokenizer_config.json': JSON.stringify(config, null, 2) + '\n',
      'special_tokens_map.json':
        JSON.stringify({ cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]', additional_special_tokens: markers }, null, 2) + '\n',
      'vocab.txt': vocab.join('\n') + '\n',
    },
    vocabSize: vocab.length + markers.length,
  };
}

/** The decoder and model sections of a byte-level BPE tokenizer.json (GPT-2 style: Whisper, RoBERTa). */
function byteLevelBpe(vocab: string[], merges: string[]) {
  return {
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      merges,
    },
  };
}

/** GPT-2's reversible byte → printable character map, in GPT-2 vocabulary order (its first 256 tokens). */
export function byteLevelAlphabet(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return cs.map((c) => String.fromCodePoint(c));
}

/** Byte value → its printable symbol in GPT-2's byte-level alphabet. */
const BYTE_TO_SYMBOL: readonly string[] = (() => {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const symbols: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) symbols[b] = String.fromCodePoint(bs.includes(b) ? b : 256 + n++);
  return symbols;
})();

/** Ids of the tiny Whisper vocabulary (same order as Whisper's specials after the text tokens). */
export const WHISPER_TINY_IDS = {
  endOfText: 256,
  startOfTranscript: 257,
  english: 258,
  translate: 259,
  transcribe: 260,
  startOfLm: 261,
  startOfPrev: 262,
  noCaptions: 263,
  noTimestamps: 264,
  timestampBegin: 265,
} as const;
/** <|0.00|> … <|30.00|> in steps of 0.02 s. */
export const WHISPER_TIMESTAMPS = 1501;
export const WHISPER_TINY_VOCAB = WHISPER_TINY_IDS.timestampBegin + WHISPER_TIMESTAMPS;

/** Seconds of timestamp `i` (steps of 0.02 s) as Whisper writes it, e.g. 1.20; integer arithmetic only. */
function timestampText(i: number): string {
  return `${Math.floor(i / 50)}.${String((i % 50) * 2).padStart(2, '0')}`;
}

export function buildWhisperTokenizer(): TokenizerFiles {
  const alphabet = byteLevelAlphabet();
  const ids = WHISPER_TINY_IDS;
  const specials: Array<[string, number]> = [
    ['<|endoftext|>', ids.endOfText],
    ['<|startoftranscript|>', ids.startOfTranscript],
    ['<|en|>', ids.english],
    ['<|translate|>', ids.translate],
    ['<|transcribe|>', ids.transcribe],
    ['<|startoflm|>', ids.startOfLm],
    ['<|startofprev|>', ids.startOfPrev],
    ['<|nocaptions|>', ids.noCaptions],
    ['<|notimestamps|>', ids.noTimestamps],
  ];
  const timestamps = Array.from({ length: WHISPER_TIMESTAMPS }, (_, i) => [`<|${timestampText(i)}|>`, ids.timestampBegin + i] as const);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    // Timestamps are plain (non-special) added tokens, as in the newer Whisper tokenizers on the hub.
    added_tokens: [...specials.map(([t, id]) => added(id, t)), ...timestamps.map(([t, id]) => added(id, t, false))],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '<|startoftranscript|>', type_id: 0 } },
        { SpecialToken: { id: '<|notimestamps|>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<|endoftext|>', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '<|startoftranscript|>', type_id: 0 } },
        { SpecialToken: { id: '<|notimestamps|>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '<|endoftext|>', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        (['<|endoftext|>', '<|notimestamps|>', '<|startoftranscript|>'] as const).map((t) => [
          t,
          { id: t, ids: [specials.find(([s]) => s === t)![1]], tokens: [t] },
        ]),
      ),
    },
    ...byteLevelBpe(alphabet, []),
  };
  const eot = { __type: 'AddedToken', content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false };
  const config = {
    add_bos_token: false,
    add_prefix_space: false,
    bos_token: eot,
    eos_token: eot,
    unk_token: eot,
    pad_token: null,
    clean_up_tokenization_spaces: true,
    errors: 'replace',
    model_max_length: 1024,
    processor_class: 'WhisperProcessor',
    return_attention_mask: false,
    tokenizer_class: 'WhisperTokenizer',
  };
  return {
    files: {
      'tokenizer.json': JSON.stringify(tokenizer),
      'tokenizer_config.json': JSON.stringify(config, null, 2) + '\n',
    },
    vocabSize: WHISPER_TINY_VOCAB,
  };
}

export const ROBERTA_SPECIALS = { bos: '<s>', pad: '<pad>', eos: '</s>', unk: '<unk>', mask: '<mask>' } as const;

/**
 * A RoBERTa-style byte-level BPE tokenizer: `<s>` 0, `<pad>` 1, `</s>` 2, `<unk>` 3, the 256 byte symbols in
 * GPT-2 order, then one merge chain per word so that each word after a space (`Ġword`, how RoBERTa sees every
 * word but a text's first) becomes one token; `<mask>` last, and `markers` as added special tokens after it (as
 * `tokenizer.add_special_tokens` appends them). The post-processor adds `<s> … </s>`; there are no token type
 * ids (RoBERTa's export has no such input).
 *
 * Merge chains run left to right (`Ġ h` → `Ġh`, `Ġh e` → `Ġhe`, …), so every intermediate is a token too. A
 * text's first word (no space before it; usually capitalised anyway, and the vocabulary is cased) falls back to
 * byte symbols: a valid segmentation, and it halves the vocabulary (the tiny model's size) against also
 * chaining bare words.
 */
export function buildByteLevelBpeTokenizer(words: readonly string[], markers: readonly string[] = [MARKER_TOKEN]): TokenizerFiles {
  const alphabet = byteLevelAlphabet();
  const utf8 = new TextEncoder();
  const toSymbols = (text: string) => [...utf8.encode(text)].map((b) => BYTE_TO_SYMBOL[b]!);
  const specials = [ROBERTA_SPECIALS.bos, ROBERTA_SPECIALS.pad, ROBERTA_SPECIALS.eos, ROBERTA_SPECIALS.unk];
  const vocab: string[] = [...specials, ...alphabet];
  const known = new Set(vocab);
  const merges: string[] = [];
  const mergeSet = new Set<string>();
  const addChain = (symbols: string[]) => {
    let current = symbols[0]!;
    for (const next of symbols.slice(1)) {
      const merge = `${current} ${next}`;
      current += next;
      if (mergeSet.has(merge)) continue;
      mergeSet.add(merge);
      merges.push(merge);
      if (!known.has(current)) {
        known.add(current);
        vocab.push(current);
      }
    }
  };
  const space = BYTE_TO_SYMBOL[0x20]!;
  for (const w of words) addChain([space, ...toSymbols(w)]);
  const maskId = vocab.length;
  vocab.push(ROBERTA_SPECIALS.mask);
  const markerIds = markers.map((m, i) => [m, maskId + 1 + i] as const);
  const idOf = (t: string) => vocab.indexOf(t);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      ...specials.map((t) => added(idOf(t), t)),
      // RoBERTa's <mask> strips the space before it, as in the real tokenizer.
      { ...added(maskId, ROBERTA_SPECIALS.mask), lstrip: true },
      ...markerIds.map(([m, id]) => added(id, m)),
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: [ROBERTA_SPECIALS.eos, idOf(ROBERTA_SPECIALS.eos)], cls: [ROBERTA_SPECIALS.bos, idOf(ROBERTA_SPECIALS.bos)], trim_offsets: true, add_prefix_space: false },
    ...byteLevelBpe(vocab, merges),
  };
  const config = {
    tokenizer_class: 'RobertaTokenizer',
    add_prefix_space: false,
    errors: 'replace',
    model_max_length: 512,
    bos_token: ROBERTA_SPECIALS.bos,
    eos_token: ROBERTA_SPECIALS.eos,
    sep_token: ROBERTA_SPECIALS.eos,
    cls_token: ROBERTA_SPECIALS.bos,
    unk_token: ROBERTA_SPECIALS.unk,
    pad_token: ROBERTA_SPECIALS.pad,
    mask_token: ROBERTA_SPECIALS.mask,
    additional_special_tokens: markers,
  };
  return {
    files: {
      'tokenizer.json': JSON.stringify(tokenizer),
      'tokenizer_config.json': JSON.stringify(config, null, 2) + '\n',
    },
    vocabSize: maskId + 1 + markers.length,
  };
}
