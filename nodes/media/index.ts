/** The media family: reading audio, frames and metadata from media files with ffmpeg. */
import type { NodeDefinition } from '../../runtime/contract.js';
import { demux } from './demux.js';

export const mediaNodes: NodeDefinition[] = [demux as NodeDefinition];
