// A Vitest reporter that collects each test's check record (from its meta) and reports progress.
// A test that failed without a record (a crash in the suite itself) becomes a problem, never a
// silent gap. Progress: one line per finished family; on a TTY also a live line of the last check.
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { CheckRecord, Verdict } from '../checks/model.js';
import { summarize, summaryLine } from './report.js';

export interface Progress {
  /** A finished family: one line. */
  line(text: string): void;
  /** Overwrites the live line (TTY only); undefined where there is none. */
  live?: (text: string) => void;
}

export class CheckCollector implements Reporter {
  readonly records: CheckRecord[] = [];
  readonly problems: string[] = [];
  private collected = 0;
  private finished = 0;

  constructor(private readonly progress?: Progress) {}

  onTestModuleCollected(module: TestModule): void {
    this.collected += [...module.children.allTests()].length;
  }

  onTestCaseResult(test: TestCase): void {
    this.finished++;
    const check = test.meta().check;
    if (check) this.progress?.live?.(`[${this.finished}/${this.collected}] ${check.verdict.padEnd(10)} ${check.id}`);
  }

  onTestModuleEnd(module: TestModule): void {
    if (!this.progress) return;
    const checks = [...module.children.allTests()].flatMap((t) => t.meta().check ?? []).filter((c) => c.id !== 'CTL-PERSIST');
    if (checks.length === 0) return;
    const family = checks[0]!.suite ?? checks[0]!.family;
    const seconds = ((module.diagnostic().duration ?? 0) / 1000).toFixed(1);
    const worst: Verdict[] = ['FAIL', 'ERROR'];
    const flagged = checks.filter((c) => worst.includes(c.verdict)).map((c) => c.id);
    this.progress.line(`${family.padEnd(5)} ${String(checks.length).padStart(3)} checks in ${seconds.padStart(5)} s: ${summaryLine(summarize(checks))}${flagged.length ? ` (${flagged.slice(0, 4).join(', ')}${flagged.length > 4 ? ', …' : ''})` : ''}`);
  }

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
