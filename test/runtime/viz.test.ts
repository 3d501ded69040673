import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeRegistry } from '../../runtime/registry.js';
import { liveNodes, toDot, toMermaid } from '../../runtime/viz.js';
import { prepareGraph } from '../../src/run.js';
import { testRegistry, tmpDir, writeGraph } from '../helpers.js';

let registry: NodeRegistry;
beforeAll(async () => {
  registry = await testRegistry();
});

describe('pictures', () => {
  it('greys out nodes that never run, and draws ports and typed edges', async () => {
    const file = writeGraph(tmpDir('viz-'), 'g.json', {
      name: 'pic',
      description: 'a small picture',
      nodes: [
        { id: 'src', type: 'test/count' },
        { id: 'used', type: 'test/square', in: { x: 'src.value' } },
        { id: 'unused', type: 'test/square', in: { x: 'src.value' } },
        { id: 'sum', type: 'test/sum', in: { x: 'used.y' } },
      ],
    });
    const { plan } = await prepareGraph(file, { registry });
    expect([...liveNodes(plan)].sort()).toEqual(['src', 'sum', 'used']);
    const mmd = toMermaid(plan);
    expect(mmd).toContain('class n_unused unused');
    expect(mmd).toContain('n_src -- "value→x: test/number" --> n_used');
    const dot = toDot(plan);
    expect(dot).toContain('"src":"out_value":e -> "used":"in_x":w [label="test/number"]');
    expect(dot).toContain('(not used)');
    expect(dot).toContain('label="pic\\na small picture"');
  });
});
