/**
 * Why a webgpu test cannot run here, or undefined when it can: webgpu runs where an adapter exists (a
 * GPU, or Mesa's lavapipe on CI: ../shared/gpu/README.md). Selecting it leaves this process on webgpu,
 * so call it before choosing the backend a test needs.
 */
import { selectBackend } from '../engine/backends/select-backend';

export async function webgpuSkipReason(): Promise<string | undefined> {
  if (process.env.TUNELOOM_TEST_WEBGPU === '0') return 'TUNELOOM_TEST_WEBGPU=0';
  try {
    await selectBackend('webgpu');
    return undefined;
  } catch (e) {
    return `no WebGPU adapter on this machine (${(e as Error).message})`;
  }
}
