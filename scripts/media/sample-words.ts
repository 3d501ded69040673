/**
 * Writes every phrase the sample data says (scripts/media/sample-content.ts) to samples/models/words.txt,
 * which scripts/make-tiny-models.ts --words adds to the tiny text model's vocabulary.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIDENT, HESITANT, PHRASES } from './sample-content.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const phrases = [...Object.values(PHRASES).flat(), ...CONFIDENT, ...HESITANT];
writeFileSync(path.join(root, 'samples/models/words.txt'), phrases.join('\n') + '\n');
