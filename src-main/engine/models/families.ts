/** The supported families by `model_type`. */
import type { FamilySpec } from './family';
import { llama } from './llama';
import { qwen2 } from './qwen2';
import { qwen3 } from './qwen3';

export const FAMILIES: Record<string, FamilySpec> = { qwen2, qwen3, llama };
