/**
 * What picking a preset (or importing a dataset) chooses in the new-run wizard: the settings it
 * starts from, the model it asks for, and sample prompts taken from the data. Pure functions of the
 * library lists; the wizard applies them to its state.
 */
import type { ModelRecord } from '../../../src-shared/dto/library';
import type { DatasetPreview } from '../../../src-shared/dto/dataset-preview';
import { BASE_CONFIG, type Preset, type WizardConfig } from '../../lib/presets';

/** The preset's settings over the base ones, keeping the run name typed so far. */
export function presetConfig(p: Preset, name: string): WizardConfig {
  // The preset's GRPO settings are copied, so editing them never changes the preset itself.
  return { ...BASE_CONFIG, ...p.config, name, grpo: p.config.grpo ? { ...p.config.grpo, rewards: [...p.config.grpo.rewards] } : null };
}

/**
 * The model a preset asks for (the demo model, its preferred one), else the current pick while it is
 * in the list, else the first real model (a training preset never opens on the demo model when there
 * is another), else none.
 */
export function presetModelId(p: Preset, models: ModelRecord[], currentId: number | null): number | null {
  const wanted = p.demo ? models.find((m) => m.isDemo) : p.preferredModel ? models.find((m) => m.name.includes(p.preferredModel!)) : undefined;
  const current = models.find((m) => m.id === currentId);
  return (wanted ?? current ?? models.find((m) => !m.isDemo) ?? models[0])?.id ?? null;
}

/** The first user turn of each chat sample in a preview: good fixed prompts for the samples timeline. */
export function firstUserTurns(sample: DatasetPreview['sample']): string[] {
  return sample.flatMap((ex) =>
    'messages' in ex
      ? ex.messages
          .filter((m) => m.role === 'user')
          .slice(0, 1)
          .map((m) => m.content)
      : [],
  );
}
