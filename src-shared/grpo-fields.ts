/**
 * The wizard's GRPO fields, checked before launch: one problem per bad field, named so the renderer
 * can say it in the user's language (i18n `grpo.bad.<problem>`). The bounds are the launch bounds of
 * GRPO_SETTINGS, which the contract's validator checks too and which lie within the trainer's own
 * (engine/train/validate-config.ts), so a launch the wizard allows is one the trainer accepts.
 */
import { numberAllowed } from '../src-main/engine/train/setting-kinds';
import { grpoSetting, type GrpoLaunchNumberKey } from '../src-main/engine/train/grpo/grpo-settings';
import type { GrpoSettings } from './ipc-contract';

export type GrpoProblem = 'numGenerations' | 'beta' | 'maxNewTokens' | 'room' | 'temperature' | 'rewards' | 'rewardFile';

/** A number the launch bounds of its GRPO_SETTINGS entry allow (an int setting: an integer). */
function allowed(key: GrpoLaunchNumberKey, v: unknown): boolean {
  const s = grpoSetting(key);
  if (typeof v !== 'number' || (s.kind !== 'int' && s.kind !== 'number')) return false;
  return numberAllowed(s, v, s.launchBounds ?? s.bounds);
}

/**
 * Empty inputs arrive as null or undefined (a cleared number field); those are problems too. Any
 * compute backend can run GRPO: every run trains on ggml, and the old tfjs engine's names map to ggml
 * backends (engine-node/train-engine-choice.ts).
 */
export function grpoProblems(g: GrpoSettings, maxLen: number): GrpoProblem[] {
  const out: GrpoProblem[] = [];
  if (!allowed('numGenerations', g.numGenerations)) out.push('numGenerations');
  if (!allowed('beta', g.beta)) out.push('beta');
  if (!allowed('maxNewTokens', g.maxNewTokens)) out.push('maxNewTokens');
  else if (!(maxLen > g.maxNewTokens)) out.push('room');
  if (!allowed('temperature', g.temperature)) out.push('temperature');
  const file = g.rewardFile?.trim() ?? '';
  if (!g.rewards.length && !file) out.push('rewards');
  if (file && !/\.(c|m)?js$/i.test(file)) out.push('rewardFile');
  return out;
}
