/**
 * Deterministic weights for the tiny models. Integer-only PRNG (mulberry32) and uniform draws, so the same
 * seed gives the same bits on every platform (no transcendental functions involved).
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `n` values uniform in [-scale, scale]. */
  uniform(n: number, scale: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (this.next() * 2 - 1) * scale;
    return out;
  }

  /** A [fanIn, fanOut] matrix scaled like Xavier/Glorot uniform init, so activations stay in tanh's range. */
  matrix(fanIn: number, fanOut: number, gain = 1): Float32Array {
    return this.uniform(fanIn * fanOut, gain * Math.sqrt(6 / (fanIn + fanOut)));
  }
}
