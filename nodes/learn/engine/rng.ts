/**
 * A small seeded pseudo-random generator (mulberry32 on a splitmix32-mixed seed): deterministic for a seed,
 * fast, and good enough for weight initialisation and shuffling. It does not reproduce torch's stream.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // splitmix32 mixing so that nearby seeds give unrelated streams.
    let z = (Math.trunc(seed) + 0x9e3779b9) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.state = (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `count` values uniform in [-bound, bound). */
  uniform(count: number, bound: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = (2 * this.next() - 1) * bound;
    return out;
  }
}
