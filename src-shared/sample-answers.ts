/**
 * The Compare view's "answers to the same prompt": runs are matched by the prompt's text, never by its
 * position in each run's list (two runs may sample different prompt files: the demo's and
 * AdvertiseGen's prompt #1 are different questions). A run that never answered a prompt has no
 * answer there (the view shows "—").
 */
import type { SampleRow } from './dto/runs';

export interface PromptAnswers {
  prompt: string;
  /** One per run, in the runs' order: that run's answer at its latest sampled step, or null. */
  answers: (SampleRow | null)[];
}

/** Prompts in order of first appearance (run by run, each in its own prompt order). */
export function answersByPrompt(runs: readonly (readonly SampleRow[])[]): PromptAnswers[] {
  const rows = new Map<string, PromptAnswers>();
  runs.forEach((samples, r) => {
    const ordered = [...samples].sort((a, b) => a.promptIdx - b.promptIdx || a.step - b.step);
    for (const s of ordered) {
      // Trailing whitespace differs between a prompts file and a dataset row; it is not another prompt.
      const key = s.prompt.trim();
      let row = rows.get(key);
      if (!row) {
        row = { prompt: key, answers: runs.map(() => null) };
        rows.set(key, row);
      }
      const prev = row.answers[r];
      if (!prev || s.step >= prev.step) row.answers[r] = s;
    }
  });
  return [...rows.values()];
}
