/**
 * Registers tfjs-core's gradient functions (needed for training; inference does without them).
 *
 * The package's CommonJS bundle, which `import '@tensorflow/tfjs-core'` loads in Node, does not carry
 * the gradients; they live only in its ESM build (`dist/register_all_gradients.js`), whose imports
 * are extensionless and which Node's ESM loader therefore refuses. A resolve hook that adds the `.js`
 * (or `/index.js`) only for relative imports inside tfjs-core's dist makes that file loadable, from
 * source (tsx) and from the esbuild bundle alike. The gradient and kernel registries and the engine
 * are process-global in tfjs, so the ESM copy registers into the same engine the CJS copy runs.
 */
import { register } from 'node:module';

const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  const parent = context.parentURL || '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    try { return await next(specifier + '.js', context); } catch { return next(specifier + '/index.js', context); }
  }
  return next(specifier, context);
}`;

let loaded: Promise<void> | undefined;

export function registerGradients(): Promise<void> {
  loaded ??= (async () => {
    register('data:text/javascript,' + encodeURIComponent(RESOLVE_HOOK));
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return loaded;
}
