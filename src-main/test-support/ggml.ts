/**
 * ggml backends for tests: cpu always; vulkan where a Vulkan device exists (a GPU, or Mesa's lavapipe
 * in CI). ggml-vulkan ignores CPU-type devices unless GGML_VK_VISIBLE_DEVICES names them, so tests
 * set it (before the library loads) to reach lavapipe.
 */
import { openBackend, type OpenedBackend } from '../engine-node/ggml-runtime';
import type { GgmlBackendName } from '../engine/ggml/backend';

process.env.GGML_VK_VISIBLE_DEVICES ??= '0';
// ggml-vulkan runs F32 matmuls through f16 where the device has it (lavapipe does): the fixture's
// LoRA gradients then differ from peft by up to 4e-2 relative (measured). Parity tests check the
// f32 path; the default mixed path is what `--backend vulkan` users get (docs/ARCHITECTURE.md).
process.env.GGML_VK_DISABLE_F16 ??= '1';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

export function testBackend(name: GgmlBackendName): OpenedBackend {
  return openBackend(name, { threads: 2 });
}

/** Why the vulkan tests cannot run here, or undefined when they can. */
export function vulkanSkipReason(): string | undefined {
  if (process.env.TUNELOOM_TEST_VULKAN === '0') return 'TUNELOOM_TEST_VULKAN=0';
  try {
    testBackend('vulkan').backend.dispose();
    return undefined;
  } catch (e) {
    return `no Vulkan device on this machine (${(e as Error).message})`;
  }
}
