/**
 * The wizard's GRPO fields, checked before launch: one problem per bad field, named so the renderer
 * can say it in the user's language (i18n `grpo.bad.<problem>`). The same bounds as the trainer's own
 * check (engine/train/validate-config.ts) and the contract's validator, so a launch the wizard allows
 * is one the trainer accepts.
 */
import type { BackendChoice, GrpoSettings } from './ipc-contract';

export type GrpoProblem = 'numGenerations' | 'beta' | 'maxNewTokens' | 'room' | 'temperature' | 'rewards' | 'rewardFile' | 'backend';

/** The old tfjs engine's backends: GRPO samples on the ggml engine only (engine/train/grpo/grpo-loop.ts). */
export const TFJS_BACKENDS: readonly BackendChoice[] = ['webgpu', 'tensorflow', 'wasm'];

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Empty inputs arrive as null or undefined (a cleared number field); those are problems too.
 * `backend`: the run's compute backend (the Settings choice), when known.
 */
export function grpoProblems(g: GrpoSettings, maxLen: number, backend?: BackendChoice): GrpoProblem[] {
  const out: GrpoProblem[] = [];
  if (!isInt(g.numGenerations, 2, 256)) out.push('numGenerations');
  if (!isNum(g.beta) || g.beta < 0 || g.beta > 100) out.push('beta');
  if (!isInt(g.maxNewTokens, 1, 1 << 16)) out.push('maxNewTokens');
  else if (!(maxLen > g.maxNewTokens)) out.push('room');
  if (!isNum(g.temperature) || g.temperature <= 0 || g.temperature > 10) out.push('temperature');
  const file = g.rewardFile?.trim() ?? '';
  if (!g.rewards.length && !file) out.push('rewards');
  if (file && !/\.(c|m)?js$/i.test(file)) out.push('rewardFile');
  if (backend && TFJS_BACKENDS.includes(backend)) out.push('backend');
  return out;
}
