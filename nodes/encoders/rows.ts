/**
 * Collects feature rows whose count is not known in advance, in order: rows computed in batches (filled
 * later, in the order they were announced) interleaved with zero rows, concatenated once at the end.
 */
export class RowCollector {
  private readonly slots: Array<Float32Array | 'zero' | 'pending'> = [];
  private nextPending = 0;
  dim: number | undefined;

  /** Announce a row that a later `fill` will provide. */
  pending(): void {
    this.slots.push('pending');
  }

  /** A row of zeros (width known only later). */
  zero(): void {
    this.slots.push('zero');
  }

  setDim(dim: number): void {
    if (this.dim !== undefined && this.dim !== dim) throw new Error(`feature width changed from ${this.dim} to ${dim}`);
    this.dim = dim;
  }

  /** Provide the next rows (rows.length / dim of them) for the earliest pending slots. */
  fill(rows: Float32Array, dim: number): void {
    this.setDim(dim);
    const n = rows.length / dim;
    for (let r = 0; r < n; r++) {
      while (this.slots[this.nextPending] !== 'pending') {
        if (this.nextPending >= this.slots.length) throw new Error('more rows than pending slots');
        this.nextPending++;
      }
      this.slots[this.nextPending++] = rows.subarray(r * dim, (r + 1) * dim);
    }
  }

  get rows(): number {
    return this.slots.length;
  }

  finish(): { dims: [number, number]; data: Float32Array } {
    const dim = this.dim ?? 0;
    const data = new Float32Array(this.slots.length * dim);
    this.slots.forEach((s, i) => {
      if (s === 'pending') throw new Error(`row ${i} was never computed`);
      if (s !== 'zero') data.set(s, i * dim);
    });
    return { dims: [this.slots.length, dim], data };
  }
}
