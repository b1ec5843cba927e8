/** A small seeded PRNG (mulberry32) and helpers, so the demo data is the same on every run. */
export class Rng {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number { return min + Math.floor(this.next() * (max - min + 1)); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]!; }
  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [v, w] of items) if ((r -= w) < 0) return v;
    return items[items.length - 1]![0];
  }
  digits(n: number): string { let s = ''; for (let i = 0; i < n; i++) s += Math.floor(this.next() * 10); return s; }
  /** A version-4-shaped UUID from this generator (stable ids for demo rows). */
  uuid(): string {
    const h = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16));
    h[12] = '4';
    h[16] = (8 + Math.floor(this.next() * 4)).toString(16);
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

/** Mobile prefixes of the three carriers that are valid today (see docs: libraries-and-data.md §4). */
export const MOBILE_PREFIXES = [
  ...Array.from({ length: 10 }, (_, i) => String(130 + i)),
  '150', '151', '152', '153', '155', '156', '157', '158', '159',
  ...Array.from({ length: 10 }, (_, i) => String(180 + i)),
  '199',
];

/** Hands out unique mobile numbers. */
export class MobilePool {
  private used = new Set<string>();
  constructor(private rng: Rng) {}
  next(): string {
    for (;;) {
      const m = this.rng.pick(MOBILE_PREFIXES) + this.rng.digits(8);
      if (!this.used.has(m)) { this.used.add(m); return m; }
    }
  }
}
