/** The vision family: faces from video frames or from folders of face crops. */
import type { NodeDefinition } from '../../runtime/contract.js';
import { faceImages } from './face-images.js';
import { faces } from './faces.js';

export const visionNodes: NodeDefinition[] = [faces as NodeDefinition, faceImages as NodeDefinition];
