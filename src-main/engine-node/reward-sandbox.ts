/**
 * A user's own GRPO reward: a JavaScript file that defines `reward(prompt, completion, example)` and
 * returns a number. It runs in node:vm with nothing of ours in reach:
 * - the context's global is a null-prototype object (no `this.constructor.constructor` way back to
 *   the host's Function), so there is no `process`, `require`, `module` of the host, no fs or network;
 * - string code generation (`eval`, `new Function`) and wasm are off;
 * - every call runs as a script with a timeout, micro-tasks included (`microtaskMode: afterEvaluate`);
 * - arguments go in as JSON and the result must be a plain number: nothing of the sandbox's runs in
 *   the host later (a returned object's valueOf, a promise).
 * A call that throws, times out, touches a forbidden name or returns a non-number scores 0, and the
 * reason goes to `onError`; it never ends the run. A file that does not compile, or defines no
 * `reward`, is a one-line UserError at start.
 *
 * Accepted shapes: `function reward(...)`, `export function reward` / `export default function`
 * (the `export` keyword is dropped: vm scripts are not modules), `module.exports = ...`,
 * `exports.reward = ...`.
 */
import vm from 'node:vm';
import { UserError } from '../errors';
import type { RewardFunction, RewardInput } from '../engine/train/grpo/rewards';

export const REWARD_TIMEOUT_MS = 1000;

const PRELUDE = 'var module = { exports: {} }; var exports = module.exports;\n';
const FIND = `(function () {
  var m = module.exports;
  if (typeof m === 'function') return m;
  if (m && typeof m.reward === 'function') return m.reward;
  if (m && typeof m.default === 'function') return m.default;
  if (typeof reward === 'function') return reward;
  if (typeof __default_reward === 'function') return __default_reward;
  return undefined;
})()`;

function esmToScript(source: string): string {
  return source
    .replace(/^(\s*)export\s+default\s+(async\s+)?function\s*(\w*)/m, (_, s, a = '', n) => `${s}var __default_reward = ${a}function ${n}`)
    .replace(/^(\s*)export\s+(?=(async\s+)?function|const|let|var)/gm, '$1');
}

export function loadUserReward(source: string, file: string, opts: { timeoutMs?: number; name?: string } = {}): RewardFunction {
  const timeout = opts.timeoutMs ?? REWARD_TIMEOUT_MS;
  const context = vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' });
  try {
    new vm.Script(PRELUDE + esmToScript(source), { filename: file }).runInContext(context, { timeout });
    const found = new vm.Script(`globalThis.__reward = ${FIND}; typeof globalThis.__reward`).runInContext(context, { timeout });
    if (found !== 'function')
      throw new UserError('the reward file defines no reward(prompt, completion, example) function', {
        where: file,
        hint: 'export a function named reward that returns a number',
      });
  } catch (e) {
    if (e instanceof UserError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new UserError(`the reward file could not be loaded: ${why}`, { where: file, hint: 'fix the file so it runs as plain JavaScript' });
  }
  // Everything that touches a sandbox value (its result, its error's message) runs inside the
  // sandbox under the timeout; only primitives come out.
  const call = new vm.Script(
    `(function (a) {
      try {
        var r = globalThis.__reward(a[0], a[1], a[2]);
        return typeof r === 'number' ? r : 'returned ' + (r === null ? 'null' : typeof r) + ', not a number';
      } catch (e) {
        try { return 'threw: ' + String(e && typeof e === 'object' && 'message' in e ? e.message : e); } catch (_) { return 'threw an unprintable error'; }
      }
    })(JSON.parse(globalThis.__args))`,
    { filename: file },
  );
  return {
    name: opts.name ?? 'custom',
    score(input: RewardInput): number {
      (context as Record<string, unknown>).__args = JSON.stringify([input.prompt, input.completion, input.example]);
      let out: unknown;
      try {
        out = call.runInContext(context, { timeout });
      } catch (e) {
        // Only the host throws here (the script catches its own errors): the timeout, or vm itself.
        if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new Error(`${file}: reward() ran past ${timeout} ms`, { cause: e });
        throw new Error(`${file}: reward() failed: ${(e as Error).message}`, { cause: e });
      }
      if (typeof out !== 'number') throw new Error(`${file}: reward() ${String(out)}`);
      return out;
    },
  };
}
