import { defineConfig } from 'vitest/config';
import LongestFirst from './test/support/sequencer.js';

// Two projects: the harness's own tests (run by `npm test`), and the conformance suites under
// suites/, which `ba-conformance run` drives against a backend.
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
      {
        test: {
          name: 'suites',
          include: ['suites/**/*.suite.ts'],
          exclude: ['suites/jwks.suite.ts'],
          sequence: { groupOrder: 0 },
          // Checks wait on the network, not the CPU: threads without per-file isolation, and every
          // check of a family in flight at once.
          pool: 'threads',
          isolate: false,
          maxConcurrency: 64,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'jwks',
          include: ['suites/jwks.suite.ts'],
          // After every other family (a higher group runs later): it rotates keys, breaks the JWKS,
          // restarts the backend and counts fetches, so nothing else may run beside it. Its checks
          // wait up to jwks.waitBudgetS each; the harness gives each test the budget and a margin.
          sequence: { groupOrder: 1 },
          pool: 'threads',
          isolate: false,
          testTimeout: 3_600_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
