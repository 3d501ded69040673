/** Speech recognition: Whisper through ONNX, and readers of existing transcripts. */
import type { NodeDefinition } from '../../runtime/contract.js';
import { transcriptReader } from './transcript.js';
import { whisperAsr } from './whisper.js';

export const asrNodes: NodeDefinition[] = [whisperAsr, transcriptReader];
