#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader: no build step between a clone and a run.
import { register } from 'tsx/esm/api';

// `npx` and CI runners may die of a signal without passing it on (npm exec's shell does not), which
// left a run attacking the backend with nobody waiting for it. When the process that started this
// one is gone, act as on SIGHUP: the run writes its report and stops everything it started.
const parent = process.ppid;
if (parent > 1) {
  const watchdog = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watchdog);
    process.kill(process.pid, 'SIGHUP');
  }, 250);
  watchdog.unref();
}

register();
await import('../harness/cli.ts');
