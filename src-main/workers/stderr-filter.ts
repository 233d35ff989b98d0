/**
 * A child's stderr passed on to ours line by line, minus the lines that are noise to a user: Dawn
 * (the `webgpu` package) prints two "artificially reduced" limit warnings from native code whenever
 * it opens a Vulkan adapter that reports huge dynamic-buffer limits (Mesa lavapipe does). They say
 * nothing the user can act on.
 */
import type { Readable, Writable } from 'node:stream';

const NOISE = [/^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+/];

export function isStderrNoise(line: string): boolean {
  return NOISE.some((re) => re.test(line));
}

export function forwardStderr(from: Readable, to: Writable): void {
  let carry = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    const lines = (carry + chunk).split('\n');
    carry = lines.pop() ?? '';
    const kept = lines.filter((l) => !isStderrNoise(l));
    if (kept.length) to.write(kept.map((l) => l + '\n').join(''));
  });
  from.on('end', () => {
    if (carry && !isStderrNoise(carry)) to.write(carry);
    carry = '';
  });
}
