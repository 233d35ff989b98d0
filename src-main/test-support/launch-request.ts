/**
 * A launch request as the wizard sends it, every required setting at a usual value: the starting point of
 * tests that check the runs.launch validator field by field. A fresh object each call.
 */
export function wizardLaunchRequest() {
  return {
    name: 'r',
    method: 'lora',
    modelPath: '/m',
    datasetId: 1,
    loraR: 8,
    loraAlpha: 16,
    loraDropout: 0.05,
    loraTargets: ['q_proj', 'v_proj'],
    prefixLen: 128,
    epochs: 3,
    lr: 2e-4,
    scheduler: 'cosine',
    warmupSteps: 10,
    batchSize: 1,
    gradAccum: 8,
    maxLen: 512,
    seed: 42,
    gradientCheckpointing: false,
    weightDecay: 0,
    maxGradNorm: 1,
    lossOn: 'completion',
    packing: false,
    valSplit: 0.05,
    evalEvery: 50,
    sampleEvery: 50,
  };
}
