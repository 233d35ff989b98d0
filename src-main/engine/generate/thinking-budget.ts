/**
 * Budget forcing from s1 (Muennighoff et al. 2025, "s1: Simple test-time scaling"): while the model
 * is inside `<think>`, count its tokens; at the budget, force the end-of-thinking delimiter so it
 * answers. Optionally extend thinking: when the model tries to close `</think>` early, replace the
 * delimiter with "Wait" (up to `maxWaits` times), as s1 does to make it think longer.
 */

export interface ThinkingBudgetOptions {
  budget: number;
  thinkStartId: number;
  thinkEndId: number;
  /** Tokens forced at the budget, e.g. the ids of "\n</think>\n\n". Must contain thinkEndId. */
  closeIds: number[];
  /** Ids of "Wait" (with its leading text), used to replace early `</think>`s. */
  waitIds?: number[];
  maxWaits?: number;
}

export class ThinkingBudget {
  private inThink = false;
  private thinkTokens = 0;
  private waitsLeft: number;

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
      this.thinkTokens += this.opts.waitIds.length;
      return this.opts.waitIds;
    }
    if (next === this.opts.thinkEndId) {
      this.inThink = false;
      return [next];
    }
    if (this.thinkTokens >= this.opts.budget) {
      this.inThink = false;
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
}
