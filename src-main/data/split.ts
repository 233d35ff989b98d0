/**
 * The seeded train/validation split of a dataset is the trainer's own (engine/train/split.ts), so the
 * import's counts, eval's --split and training agree example for example.
 */
export { validationIndices, validationMask } from '../engine/train/split';
