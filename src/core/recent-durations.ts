/**
 * The last `capacity` durations, kept in arrival order and in sorted order, so a slice can
 * ask "90th percentile / slowest of the recent users" before every user start without
 * copying and sorting them each time (that was ~3 KB of garbage per user, 15% of all a
 * dry slice allocated).
 */
export class RecentDurations {
  private readonly arrival: number[] = [];
  private readonly sorted: number[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.arrival.length;
  }

  add(ms: number): void {
    this.arrival.push(ms);
    this.sorted.splice(this.indexFor(ms), 0, ms);
    if (this.arrival.length > this.capacity) this.sorted.splice(this.indexFor(this.arrival.shift()!), 1);
  }

  /** The value at floor(q x size) of the sorted durations (as percentile() over a sorted copy); 0 when empty. */
  percentile(q: number): number {
    return this.sorted[Math.min(this.sorted.length - 1, Math.floor(q * this.sorted.length))] ?? 0;
  }

  /** The slowest, 0 when empty. */
  max(): number {
    return this.sorted[this.sorted.length - 1] ?? 0;
  }

  /** First index whose value is >= ms (binary search). */
  private indexFor(ms: number): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.sorted[mid]! < ms) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
