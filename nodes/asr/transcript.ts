/** asr/transcript: read an existing transcript file (chunks, word list or plain text) into a `text/transcript`. */
import { readFile } from 'node:fs/promises';
import { defineNode } from '../../runtime/contract.js';
import { errorMessage, InputError } from '../../runtime/errors.js';
import type { MediaInfo } from '../values.js';
import { parseTranscript, type TranscriptFormat } from './transcript-formats.js';
import { buildTranscript, chunksFromWords, repairRestarts, type WordTiming } from './words.js';

export interface TranscriptParams {
  format: TranscriptFormat;
  duration?: number;
  wordTiming: WordTiming;
  gap: number;
}

export const transcriptReader = defineNode<TranscriptParams>({
  type: 'asr/transcript',
  version: '1',
  description: 'Reads a transcript file (Whisper chunks YAML/JSON, word list JSON/CSV, or plain text)',
  docs: `
Reads the transcripts users already have, by extension (\`format: "auto"\`) or as told:

| file | content |
|---|---|
| \`.yaml\`, \`.yml\`, \`.json\` | \`{chunks: [{text, timestamp: [start, end]}]}\` as the paper's code stores Whisper output (also \`{start, end}\` per chunk, or Whisper/whisperX \`{segments: [{text, start, end, words?}]}\`) |
| \`.json\` | a word list \`[{word, start, end}]\` (or \`{words: [...]}\`, whisperX \`word_segments\`) |
| \`.csv\` | \`word,start,end\` per line (a header line is allowed) |
| anything else | plain text: one chunk spanning [0, duration] (\`duration\` param, else the \`info\` input's duration, else unknown: NaN times) |

Times are seconds. Chunk times that go back before the previous chunk's start (a pipeline that restarted every
30 s window at 0) are repaired by adding the previous chunk's end; word lists likewise. A chunk without an end
time (Whisper's last chunk can have \`null\`) ends at the next chunk's start or at the duration.

Words: taken from the file when it gives them; otherwise spread linearly over each chunk (\`wordTiming:
"equal"\`, every word the same share, as the paper's code does; or \`"chars"\`, by word length). A word list is
grouped into chunks at pauses longer than \`gap\` seconds. Errors name the file and the line and field at fault.
`,
  kind: 'map',
  cacheable: true,
  inputs: {
    file: { type: 'media/file', description: 'transcript file' },
    info: { type: 'media/info', optional: true, description: 'media info: its duration spans a plain-text transcript' },
  },
  outputs: { transcript: { type: 'text/transcript', description: 'chunks and words with times in seconds' } },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      format: { enum: ['auto', 'chunks', 'words', 'text'], default: 'auto', description: 'auto: by file extension' },
      duration: { type: 'number', exclusiveMinimum: 0, description: 'seconds spanned by a plain-text transcript (overrides the info input)' },
      wordTiming: { enum: ['equal', 'chars'], default: 'equal', description: 'how word times are interpolated inside a chunk' },
      gap: { type: 'number', minimum: 0, default: 1, description: 'a word list starts a new chunk after a pause longer than this (s)' },
    },
  },
  async run(inputs, ctx) {
    const file = inputs['file'];
    if (typeof file !== 'string') throw new InputError(`input "file" is ${typeof file}, expected a file path`);
    const info = inputs['info'] as MediaInfo | undefined;
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read transcript ${file}: ${errorMessage(e)}`);
    }
    const p = ctx.params;
    const duration = p.duration ?? info?.duration;
    const parsed = parseTranscript(file, content, { format: p.format, ...(duration !== undefined ? { duration } : {}) });
    for (const w of parsed.warnings) ctx.log.warn(w);
    const words = parsed.words ? repairRestarts(parsed.words) : undefined;
    const chunks = parsed.chunks.length ? repairRestarts(parsed.chunks) : { chunks: chunksFromWords(words?.chunks ?? [], p.gap), repaired: 0 };
    const repaired = chunks.repaired + (words?.repaired ?? 0);
    if (repaired) ctx.log.info(`${file}: repaired ${repaired} timestamp restart${repaired === 1 ? '' : 's'}`);
    return { transcript: buildTranscript(chunks.chunks, p.wordTiming, words?.chunks) };
  },
});
