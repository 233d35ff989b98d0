/**
 * Which of a repo's files a fine-tuning download needs: the config, generation config, tokenizer
 * files, chat template, and the safetensors weights (one file or index + shards), top level only —
 * so `original/*.pth`, `onnx/`, GGUF and pytorch_model.bin copies of the same weights are skipped.
 * `include` (glob patterns, `*` within a path segment) replaces the defaults.
 */
import { UserError } from '../../errors';
import type { HubFile } from './hub';

export const DEFAULT_PATTERNS = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'tokenizer.model',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'chat_template.jinja',
  'chat_template.json',
  '*.safetensors',
  'model.safetensors.index.json',
];

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}$`);
}

/** A repo path we will write under the output folder: relative, no `..`, no backslashes. */
export function isSafeRepoPath(path: string): boolean {
  return path.length > 0 && !path.startsWith('/') && !path.includes('\\') && path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export function selectFiles(files: HubFile[], repoId: string, include: string[] = DEFAULT_PATTERNS): HubFile[] {
  const res = include.map(globToRegExp);
  const chosen = files.filter((f) => isSafeRepoPath(f.path) && res.some((re) => re.test(f.path)));
  if (include === DEFAULT_PATTERNS) {
    if (!chosen.some((f) => f.path === 'config.json')) {
      throw new UserError(`repo "${repoId}" has no config.json at its top level`, {
        hint: 'pick a repo with a Hugging Face transformers checkpoint (config.json + *.safetensors)',
      });
    }
    if (!chosen.some((f) => f.path.endsWith('.safetensors'))) {
      throw new UserError(`repo "${repoId}" has no .safetensors weights at its top level`, {
        hint: 'Tuneloom reads safetensors only; pick a repo that ships them (most do), or convert pytorch_model.bin with transformers',
      });
    }
  } else if (chosen.length === 0) {
    throw new UserError(`no file of repo "${repoId}" matches ${include.join(', ')}`, { hint: 'check the file patterns' });
  }
  return chosen;
}
