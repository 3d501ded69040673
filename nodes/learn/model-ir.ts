/**
 * The description of a trainable model that layer nodes build while a graph is planned (symbolic nodes),
 * and that the training engine turns into variables and a forward pass. Plain data, so it can be written
 * into a checkpoint beside the weights.
 *
 * An input of a layer is either a feed (a stream of per-time-point windows, named `nodeId.port` in the
 * graph) or the output of another layer (named by the layer's node id).
 */

export type LayerInput = { feed: string } | { layer: string };

/** Stacked LSTM over a sequence; outputs the top layer's hidden state at each sample's last real step. */
export interface LstmLayer {
  kind: 'lstm';
  id: string;
  input: LayerInput;
  units: number;
  layers: number;
}

/** Concatenate inputs in order → Linear(hidden) → tanh → Linear(outputs). Logits / raw values out. */
export interface FusionLayer {
  kind: 'fusion';
  id: string;
  inputs: LayerInput[];
  hidden: number;
  outputs: number;
}

/**
 * Uncertainty-weighted multi-task fusion (Kendall et al.): one head (Linear → tanh → Linear) per input,
 * a learned log standard deviation per head; loss = Σ exp(-2 s_i) loss_i + Σ s_i; the prediction is the
 * convex combination Σ w_i pred_i / Σ w_i with w_i = exp(-2 s_i).
 */
export interface MtlLayer {
  kind: 'mtl';
  id: string;
  inputs: LayerInput[];
  /** A name per input (e.g. "audio", "vision", "text"), used for reporting the weights. */
  names: string[];
  hidden: number;
  outputs: number;
  /** Initial log standard deviation per head (default 0 → equal weights). */
  initLogStd: number[];
}

export type Layer = LstmLayer | FusionLayer | MtlLayer;

export interface ModelSpec {
  /** Layers in dependency order; the last is the model's output. */
  layers: Layer[];
  /** Id of the output layer. */
  output: string;
}

/** What a feed delivers per time point: a zero-padded sequence with its true length, or a vector. */
export type FeedShape = { kind: 'sequence'; dim: number; maxLength: number } | { kind: 'vector'; dim: number };

export function layerInputs(layer: Layer): LayerInput[] {
  return layer.kind === 'lstm' ? [layer.input] : layer.inputs;
}

/** The feeds a model reads, in first-use order. */
export function modelFeeds(spec: ModelSpec): string[] {
  const feeds: string[] = [];
  for (const l of spec.layers) for (const i of layerInputs(l)) if ('feed' in i && !feeds.includes(i.feed)) feeds.push(i.feed);
  return feeds;
}

/** Merge the layer lists of several specs (layers shared by two branches appear once), keeping order. */
export function mergeSpecs(specs: ModelSpec[], output: Layer): ModelSpec {
  const layers: Layer[] = [];
  for (const s of specs) for (const l of s.layers) if (!layers.some((x) => x.id === l.id)) layers.push(l);
  layers.push(output);
  return { layers, output: output.id };
}
