// A Vitest reporter that collects each test's check record (from its meta) and reports progress.
// A test that failed without a record (a crash in the suite itself) becomes a problem, never a
// silent gap. Progress: one line per finished family; on a TTY also a live line of the last check.
// When the run is stopped (a signal, the backend's exit), `freeze` fixes what was decided: checks
// that finish later are not believed, and every selected check not finished by then is ERROR.
import type { Reporter, TestCase, TestModule, TestSpecification } from 'vitest/node';
import type { CheckRecord, Family, Verdict } from '../checks/model.js';
import { familyOf } from '../checks/model.js';
import type { KnownSecret } from '../report/redact.js';
import { summarize, summaryLine } from '../report-model.js';
import type { Progress } from '../terminal.js';

export class CheckCollector implements Reporter {
  readonly records: CheckRecord[] = [];
  readonly problems: string[] = [];
  /** The credentials the checks' issuers handed out (checks/secrets.ts), for the report's redaction; kept also after `freeze`. */
  readonly secrets: KnownSecret[] = [];
  private collected = 0;
  private finished = 0;
  /** Records of the tests finished so far, and the tests collected to run (for `freeze`). */
  private readonly decided = new Map<string, CheckRecord>();
  private readonly pending = new Map<string, TestCase>();
  private frozen: { records: CheckRecord[]; unfinished: CheckRecord[] } | undefined;

  /** Per family (ID prefix), the modules with its selected checks that have not ended: its line waits for the last. */
  private readonly familyModules = new Map<Family, Set<string>>();
  private readonly familySeconds = new Map<Family, number>();
  private readonly familiesPrinted = new Set<Family>();
  /** Modules of the run not collected yet: a family's checks may be in one of them (KEY-* are in two files). */
  private uncollected: number | undefined;

  constructor(private readonly progress?: Progress) {}

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.uncollected = specifications.length;
  }

  onTestModuleCollected(module: TestModule): void {
    if (this.uncollected !== undefined) this.uncollected--;
    this.collected += [...module.children.allTests()].length;
    if (this.frozen) return;
    const tests = [...module.children.allTests()];
    // CTL-PERSIST runs for a family when any of its checks is selected (it skips itself otherwise).
    const anySelected = tests.some((t) => t.options.mode === 'run' && t.meta().catalogue?.id !== 'CTL-PERSIST');
    for (const t of tests) if (t.options.mode === 'run' && anySelected) this.pending.set(t.id, t);
    for (const t of tests) {
      const id = t.meta().catalogue?.id;
      if (t.options.mode !== 'run' || !id || id === 'CTL-PERSIST') continue;
      const family = familyOf(id);
      this.familyModules.set(family, (this.familyModules.get(family) ?? new Set()).add(module.moduleId));
    }
    this.printFinishedFamilies();
  }

  onTestCaseResult(test: TestCase): void {
    this.finished++;
    this.secrets.push(...(test.meta().secrets ?? []));
    if (this.frozen) return;
    this.pending.delete(test.id);
    const check = test.meta().check;
    if (check) this.decided.set(test.id, check);
    if (check) this.progress?.live?.(`[${this.finished}/${this.collected}] ${check.verdict.padEnd(10)} ${check.id}`);
  }

  onTestModuleEnd(module: TestModule): void {
    if (!this.progress || this.frozen) return;
    const seconds = (module.diagnostic().duration ?? 0) / 1000;
    for (const [family, modules] of this.familyModules) {
      if (modules.delete(module.moduleId)) this.familySeconds.set(family, (this.familySeconds.get(family) ?? 0) + seconds);
    }
    this.printFinishedFamilies();
  }

  /**
   * One line per family (by ID prefix, so the lines add up to the total), once its last module ended;
   * not before every module is collected, since one still to come may hold more of its checks.
   */
  private printFinishedFamilies(): void {
    if (!this.progress || this.frozen || (this.uncollected ?? 0) > 0) return;
    for (const [family, modules] of this.familyModules) {
      if (modules.size > 0 || this.familiesPrinted.has(family)) continue;
      const checks = [...this.decided.values()].filter((c) => c.id !== 'CTL-PERSIST' && familyOf(c.id) === family);
      if (checks.length === 0) continue;
      this.familiesPrinted.add(family);
      const worst: Verdict[] = ['FAIL', 'ERROR'];
      const flagged = checks.filter((c) => worst.includes(c.verdict)).map((c) => c.id).sort();
      this.progress.line(`${family.padEnd(5)} ${String(checks.length).padStart(3)} checks in ${this.familySeconds.get(family)!.toFixed(1).padStart(5)} s: ${summaryLine(summarize(checks))}${flagged.length ? ` (${flagged.slice(0, 4).join(', ')}${flagged.length > 4 ? ', …' : ''})` : ''}`);
    }
  }

  /** Stops believing results: what finished so far, and an ERROR "interrupted" for each selected check that had not. */
  freeze(reason: string): { records: CheckRecord[]; unfinished: CheckRecord[] } {
    this.frozen ??= {
      records: [...this.decided.values()],
      unfinished: [...this.pending.values()].flatMap((t) => {
        const meta = t.meta().catalogue;
        if (!meta) return [];
        // "CTL-PERSIST after SIG": the family it vouches for is in its name.
        const suite = (meta.id === 'CTL-PERSIST' ? t.name.split(' ').pop() : familyOf(meta.id)) as Family;
        return [{ ...meta, family: familyOf(meta.id), suite, verdict: 'ERROR' as const, observed: `interrupted: ${reason} before this check finished`, evidence: [], durationMs: 0, interrupted: true }];
      }),
    };
    return this.frozen;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    if (this.frozen) return;
    // Whatever was never collected (a module that failed to load) holds no more checks.
    this.uncollected = 0;
    this.printFinishedFamilies();
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
