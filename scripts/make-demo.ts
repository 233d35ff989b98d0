/**
 * Demo-mode assets. The handbook sample (resources/demo/handbook-sample.jsonl) is committed; the demo
 * model is generated, not committed (random seeded weights + the ~11 MB Qwen tokenizer), so this script
 * builds it on demand — the app does the same on first start through ensureDemoAssets().
 *
 *   node --import tsx scripts/make-demo.ts                 model + dataset into $TUNELOOM_HOME/demo, registered
 *   node --import tsx scripts/make-demo.ts --home DIR      the same for another data folder
 *   node --import tsx scripts/make-demo.ts --model-only OUT   just the model folder, registered nowhere
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { writeDemoModel } from '../src-main/models/demo/demo-model';
import { ensureDemoAssets } from '../src-main/models/demo/ensure-demo';
import { tuneloomHome } from '../src-main/store/paths';

const { values } = parseArgs({ options: { home: { type: 'string' }, 'model-only': { type: 'string' } } });
const t0 = performance.now();
if (values['model-only']) {
  const out = resolve(values['model-only']);
  const params = writeDemoModel(out);
  console.log(`demo model (${params} parameters) written to ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} else {
  const home = values.home ? resolve(values.home) : tuneloomHome();
  const a = await ensureDemoAssets(home);
  console.log(`${a.createdModel ? 'generated' : 'kept'} ${a.modelDir} (model #${a.model.id}, ${a.model.params} parameters)`);
  console.log(`dataset #${a.dataset.id}: ${a.datasetPath} (${a.dataset.examples} examples)`);
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
