/** Encoders: text, image and audio feature extractors running ONNX models (see docs/models.md). */
import type { NodeDefinition } from '../../runtime/contract.js';
import { audioEncoder } from './audio.js';
import { imageEncoder } from './image.js';
import { textEncoder } from './text.js';

export const encoderNodes: NodeDefinition[] = [textEncoder, imageEncoder, audioEncoder];
