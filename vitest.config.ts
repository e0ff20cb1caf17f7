import { defineConfig } from 'vitest/config';
import { suiteProjects } from './harness/run/projects.js';
import LongestFirst from './test/support/sequencer.js';

// The harness's own tests (run by `npm test`), and the conformance suites under suites/, which
// `ba-conformance run` drives against a backend (harness/run/projects.ts, shared with the CLI).
export default defineConfig({
  test: {
    // Orders test files (the known-answer files first); the suites' files keep Vitest's order.
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          name: 'harness',
          include: ['test/**/*.test.ts'],
          // Real issuers, real containers: start-up (an image build on a cold machine) takes seconds.
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      ...suiteProjects(),
    ],
  },
});
