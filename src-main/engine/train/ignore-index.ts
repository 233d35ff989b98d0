/** The label that marks a position without a target (transformers' and torch's -100). */
export const IGNORE_INDEX = -100;
