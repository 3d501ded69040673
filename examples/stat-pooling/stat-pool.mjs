// A user-written node: statistical pooling of a sequence window (per dimension mean, std, min, max), the
// clip-level pooling HSEmotion used for EMI. It turns a `tensor[T,D]` window into a `tensor[D4]` vector
// window, so a fusion head can take it without an LSTM. Plain JavaScript: load it with
// `"plugins": ["./stat-pool.mjs"]` in a graph, or `--plugin examples/stat-pooling/stat-pool.mjs`.

/** mean, std, min and max of each column of `rows` (length × dim), concatenated. */
export function statistics(rows, length, dim) {
  const out = new Float32Array(4 * dim);
  for (let j = 0; j < dim; j++) {
    let sum = 0;
    let sumSq = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < length; i++) {
      const v = rows[i * dim + j];
      sum += v;
      sumSq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const n = Math.max(1, length);
    const mean = sum / n;
    out[j] = mean;
    out[dim + j] = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
    out[2 * dim + j] = length ? min : 0;
    out[3 * dim + j] = length ? max : 0;
  }
  return out;
}

export const nodes = [
  {
    type: 'pool/statistics',
    kind: 'map',
    version: '1',
    description: 'Statistical pooling of a sequence window: mean, std, min and max per dimension.',
    inputs: { window: { type: 'tensor[T,D]', description: 'sequence window (e.g. from window/sequence)' } },
    outputs: { window: { type: 'tensor[D4]', description: 'vector window of 4 × D values' } },
    params: { type: 'object', additionalProperties: false, properties: {} },
    async run(inputs) {
      const seq = inputs.window;
      if (!seq || seq.kind !== 'sequence') throw new Error('input "window" must be a sequence window');
      return {
        window: {
          kind: 'vector',
          dim: 4 * seq.dim,
          at(t) {
            const { rows, length } = seq.at(t);
            return statistics(rows, length, seq.dim);
          },
        },
      };
    },
  },
];
