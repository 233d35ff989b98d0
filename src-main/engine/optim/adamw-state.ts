/** AdamW's state as checkpoints store it, whatever engine holds it while training. */
export interface AdamWState {
  step: number;
  /** First and second moments per parameter name, same shapes as the parameters. */
  m: Record<string, Float32Array>; // name -> [param.size], row-major
  v: Record<string, Float32Array>; // name -> [param.size], row-major
}
