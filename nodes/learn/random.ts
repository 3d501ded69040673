/**
 * Seeded randomness for sampling and shuffling: a function form of the engine's generator, so the project
 * has one seeded generator.
 */
import { Rng as SeededGenerator } from './engine/rng.js';

export type Rng = () => number;

export function createRng(seed: number): Rng {
  const generator = new SeededGenerator(seed);
  return () => generator.next();
}

/** Fisher–Yates shuffle in place. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A seed for a sub-stream (e.g. epoch e of a sampler), derived from a base seed. */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const p of parts) h = Math.imul(h ^ (p + 0x9e3779b9 + (h << 6) + (h >>> 2)), 0x85ebca6b) >>> 0;
  return h;
}
