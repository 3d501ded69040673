import { defineNode } from '../../runtime/contract.js';

export const writeJson = defineNode<{ file: string }>({
  type: 'write/json',
  version: '1',
  description: 'Writes a value (e.g. scores) as JSON in the run directory.',
  kind: 'map',
  sideEffects: true,
  inputs: { value: { type: 'any' } },
  outputs: {},
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { file: { type: 'string', default: 'scores.json', description: 'path in the run directory' } },
  },
  async run(inputs, ctx) {
    const json = JSON.stringify(inputs['value'], (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v), 2);
    ctx.log.info(`wrote ${await ctx.writeOutput(ctx.params.file, json + '\n')}`);
    return {};
  },
});
