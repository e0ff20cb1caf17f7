#!/usr/bin/env node
// In a checkout, runs the TypeScript CLI from a bundle of its sources, rebuilt when one is newer
// (bin/checkout.mjs: no build step between a clone and a run); the installed package has no sources
// and runs its compiled JavaScript.
import { existsSync } from 'node:fs';

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

if (existsSync(new URL('../harness/cli.ts', import.meta.url))) {
  await import('./checkout.mjs');
} else {
  await import('../dist/harness/cli.js');
}
