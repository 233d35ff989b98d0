/**
 * `--backend` values to a ggml backend choice, shared by every command and child that opens a
 * backend (the CLI's inference commands, export self-checks, the planner probe). Kept apart from the
 * session so a light child (the probe) does not load the model code.
 */
import { UserError } from '../errors';
import { GGML_BACKEND_CHOICES, type GgmlBackendChoice } from '../engine/ggml/backend';

/** The tfjs backend names CLI.md keeps accepting, and the ggml backend each now means. */
const OLD_NAMES: Record<string, GgmlBackendChoice> = { webgpu: 'vulkan', tensorflow: 'cpu', wasm: 'cpu' };

/** `--backend` value -> a ggml choice; an old tfjs name maps with a one-line notice. */
export function parseBackendChoice(value: string | undefined, notice: (line: string) => void): GgmlBackendChoice {
  const v = value ?? 'auto';
  if ((GGML_BACKEND_CHOICES as readonly string[]).includes(v)) return v as GgmlBackendChoice;
  const mapped = OLD_NAMES[v];
  if (mapped) {
    notice(`--backend ${v} is a name of the old engine; using --backend ${mapped}`);
    return mapped;
  }
  throw new UserError(`unknown backend "${v}"`, { where: '--backend', hint: `choose one of ${GGML_BACKEND_CHOICES.join(', ')}` });
}
