// A Vitest reporter that only collects: each test's check record (from its meta). A test that
// failed without one (a crash in the suite itself) becomes an ERROR record, never a silent gap.
import type { Reporter, TestModule } from 'vitest/node';
import type { CheckRecord } from '../checks/model.js';

export class CheckCollector implements Reporter {
  readonly records: CheckRecord[] = [];
  readonly problems: string[] = [];

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const check = test.meta().check;
        if (check) this.records.push(check);
        else if (test.result().state === 'failed') this.problems.push(`${test.fullName}: ${test.result().errors?.[0]?.message ?? 'failed without a record'}`);
      }
      for (const error of module.errors()) this.problems.push(`${module.moduleId}: ${error.message}`);
    }
    for (const error of unhandledErrors) this.problems.push(`unhandled: ${(error as Error)?.message ?? String(error)}`);
  }
}
