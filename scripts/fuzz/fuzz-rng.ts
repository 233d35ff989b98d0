/** The fuzz corpus's seeded generator (mulberry32) and the picks built on it: same seed, same corpus. */
export class FuzzRng {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Outcome counts of one fuzz family; `failures` lists what broke a rule (a crash, a hang, a bad reject). */
export interface FuzzCounts {
  family: string;
  inputs: number;
  /** Read or answered without an error. */
  accepted: number;
  /** Refused with one line naming the file, line or field. */
  rejected: number;
  failures: string[];
  /** The slowest input, in ms, and the bound each must stay within. */
  slowestMs: number;
  boundMs: number;
}

export function newCounts(family: string, boundMs: number): FuzzCounts {
  return { family, inputs: 0, accepted: 0, rejected: 0, failures: [], slowestMs: 0, boundMs };
}

/** A reject is good when it is a UserError of one line whose message names `where` (a path or a field). */
export function checkReject(c: FuzzCounts, label: string, err: unknown, where: string): void {
  const e = err as Error;
  if (!(err instanceof Error) || e.name !== 'UserError') c.failures.push(`${label}: not a user error: ${e?.name}: ${String(e?.message).split('\n')[0]}`);
  else if (e.message.includes('\n')) c.failures.push(`${label}: a reject of several lines`);
  else if (!e.message.includes(where)) c.failures.push(`${label}: the reject does not name ${where}: ${e.message}`);
  else {
    c.rejected++;
    return;
  }
}

/** Times one input against the bound. */
export async function timed(c: FuzzCounts, label: string, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  c.inputs++;
  c.slowestMs = Math.max(c.slowestMs, Math.round(ms));
  if (ms > c.boundMs) c.failures.push(`${label}: took ${Math.round(ms)} ms, over the ${c.boundMs} ms bound`);
}
