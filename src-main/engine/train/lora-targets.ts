/**
 * Which projections a LoRA run targets and its scaling, on the host (any engine): peft's
 * `target_modules` short names or 'all-linear', and alpha/r, or alpha/sqrt(r) with rsLoRA.
 */
import { UserError } from '../errors';
import { PROJECTIONS, type Projection } from '../adapters/lora-set';

export interface LoraTrainSpec {
  r: number;
  alpha: number;
  dropout: number;
  useRslora: boolean;
  /** Short module names (`q_proj`, `down_proj`) or 'all-linear'. */
  targets: string[] | 'all-linear';
}

/** peft's short module name (`q_proj`) of a projection. */
export const SHORT = (p: Projection): string => p.split('.')[1];

export function resolveTargets(targets: string[] | 'all-linear', where = '--lora-targets'): Projection[] {
  if (targets === 'all-linear') return [...PROJECTIONS];
  const known = PROJECTIONS.map(SHORT);
  const out: Projection[] = [];
  for (const t of targets) {
    const i = known.indexOf(t);
    if (i < 0) {
      throw new UserError(`unknown target module "${t}": this model's linear layers are ${known.join(', ')}`, {
        where,
        hint: 'pass a comma-separated subset of those names, or all-linear',
      });
    }
    if (!out.includes(PROJECTIONS[i])) out.push(PROJECTIONS[i]);
  }
  if (out.length === 0) throw new UserError('no target modules given', { where, hint: 'e.g. --lora-targets q_proj,v_proj' });
  return out;
}

export function loraScale(spec: Pick<LoraTrainSpec, 'alpha' | 'r' | 'useRslora'>): number {
  return spec.useRslora ? spec.alpha / Math.sqrt(spec.r) : spec.alpha / spec.r;
}
