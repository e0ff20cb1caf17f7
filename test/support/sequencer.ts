// The project's own tests run in two workers (npm test: --maxWorkers=2). The known-answer files take
// most of the time, the Python and Go stacks and the JWKS one the longest: starting them first lets the
// short files fill the other worker instead of queueing behind them.
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

const FIRST = ['known-answers-stacks.test.ts', 'known-answers-jwks.test.ts', 'known-answers.test.ts', 'known-answers-node-stacks.test.ts'];
const rank = (spec: TestSpecification) => {
  const i = FIRST.findIndex((name) => spec.moduleId.endsWith(`/${name}`));
  return i === -1 ? FIRST.length : i;
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}
