import type { NodeDefinition } from '../../runtime/contract.js';
import { sampleClips, sampleSegments } from './nodes.js';

export const sampleNodes: NodeDefinition[] = [sampleClips, sampleSegments] as NodeDefinition[];
