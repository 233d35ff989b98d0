/**
 * A seeded pseudo-random generator whose whole state is four 32-bit words, so a checkpoint can store
 * it and a resumed run continues the same stream. Algorithm: xoshiro128** (Blackman & Vigna), seeded
 * through splitmix32 so nearby seeds give unrelated streams. Separate named streams (data order,
 * dropout, init) come from `derive`, so drawing more dropout seeds never shifts the data order.
 */

export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

export class Rng {
  private s: Uint32Array;

  constructor(seed: number | RngState) {
    if (Array.isArray(seed)) {
      this.s = Uint32Array.from(seed);
    } else {
      const sm = splitmix32(seed);
      this.s = Uint32Array.from([sm(), sm(), sm(), sm()]);
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1; // xoshiro's one forbidden state
  }

  /** An independent stream for a named purpose (e.g. 'data', 'dropout', 'init'). */
  static derive(seed: number, purpose: string): Rng {
    return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ hashString(purpose)) >>> 0);
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** A Fisher-Yates permutation of 0..n-1. */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  getState(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  setState(state: RngState): void {
    this.s = Uint32Array.from(state);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
