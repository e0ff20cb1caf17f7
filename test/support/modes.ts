// Runs a block of tests once per issuer runtime. Container tests skip only where no Docker engine
// answers and this is not CI: in CI a missing engine is a failure, never a silent skip.
import { describe } from 'vitest';
import { probeDocker } from '../../harness/issuer/index.js';

const docker = await probeDocker();
export const CONTAINERS_TESTABLE = docker.available || Boolean(process.env.CI);
export const MODES = ['process', 'container'] as const;
export type Mode = (typeof MODES)[number];

export function describeEachMode(name: string, body: (mode: Mode) => void): void {
  for (const mode of MODES) {
    const skip = mode === 'container' && !CONTAINERS_TESTABLE;
    describe.skipIf(skip)(`${name} [${mode}]${skip ? ` (skipped: ${docker.detail})` : ''}`, () => body(mode));
  }
}
