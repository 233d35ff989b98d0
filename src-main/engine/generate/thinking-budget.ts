/**
 * Budget forcing from s1 (Muennighoff et al. 2025, "s1: Simple test-time scaling"): while the model
 * is inside `<think>`, count its tokens; at the budget, force the end-of-thinking delimiter so it
 * answers. Optionally extend thinking: when the model tries to close `</think>` early, replace the
 * delimiter with "Wait" (up to `maxWaits` times), as s1 does to make it think longer.
 */

export interface ThinkingBudgetOptions {
  /** Tokens allowed inside `<think>`; Infinity: no cap (only "Wait" extensions). */
  budget: number;
  thinkStartId: number;
  thinkEndId: number;
  /** Tokens forced at the budget, e.g. the ids of "\n</think>\n\n". Must contain thinkEndId. */
  closeIds: number[];
  /** Ids of "Wait" (with its leading text), used to replace early `</think>`s. */
  waitIds?: number[];
  maxWaits?: number;
}

/** What budget forcing did in one generation (recorded with an eval prediction or a playground answer). */
export interface ThinkingUsage {
  /** The budget asked for (tokens inside `<think>`; null: no cap) and the "Wait" extensions allowed. */
  budget: number | null;
  maxWaits: number;
  /** Tokens counted inside `<think>` (forced "Wait" tokens included). */
  tokens: number;
  /** Early `</think>`s replaced with "Wait". */
  waits: number;
  /** The budget ran out and the close was forced. */
  forcedClose: boolean;
}

export class ThinkingBudget {
  private inThink = false;
  private thinkTokens = 0;
  private waitsLeft: number;
  private waitsUsed = 0;
  private forced = false;

  constructor(
    private readonly opts: ThinkingBudgetOptions,
    promptIds: number[],
  ) {
    this.waitsLeft = opts.maxWaits ?? 0;
    const start = promptIds.lastIndexOf(opts.thinkStartId);
    this.inThink = start >= 0 && promptIds.lastIndexOf(opts.thinkEndId) < start;
  }

  /**
   * Given the token the model chose, returns the tokens to emit instead (usually just it).
   * Forced tokens are emitted and fed to the model like generated ones.
   */
  intercept(next: number): number[] {
    if (!this.inThink) {
      if (next === this.opts.thinkStartId) this.inThink = true;
      return [next];
    }
    if (next === this.opts.thinkEndId && this.waitsLeft > 0 && this.opts.waitIds?.length && this.thinkTokens < this.opts.budget) {
      this.waitsLeft--;
      this.waitsUsed++;
      this.thinkTokens += this.opts.waitIds.length;
      return this.opts.waitIds;
    }
    if (next === this.opts.thinkEndId) {
      this.inThink = false;
      return [next];
    }
    if (this.thinkTokens >= this.opts.budget) {
      this.inThink = false;
      this.forced = true;
      return this.opts.closeIds;
    }
    this.thinkTokens++;
    return [next];
  }

  get thinking(): boolean {
    return this.inThink;
  }

  get tokensThought(): number {
    return this.thinkTokens;
  }

  get usage(): ThinkingUsage {
    return {
      budget: Number.isFinite(this.opts.budget) ? this.opts.budget : null,
      maxWaits: this.opts.maxWaits ?? 0,
      tokens: this.thinkTokens,
      waits: this.waitsUsed,
      forcedClose: this.forced,
    };
  }
}
