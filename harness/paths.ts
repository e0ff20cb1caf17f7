// Where the tool's own files are, the same whether it runs from a checkout (TypeScript sources
// through tsx) or installed as a package (compiled JavaScript under dist/).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The directory that holds harness/ and suites/: the checkout, or dist/ of the installed package. */
export const CODE_ROOT = path.dirname(here);

/** Whether this is the compiled package (no TypeScript sources beside the running code). */
export const COMPILED = !existsSync(path.join(CODE_ROOT, 'harness', 'paths.ts'));

/** The package's root: package.json, bin/, the prebuilt issuer bundle (dist/issuer). */
export const PACKAGE_ROOT = COMPILED ? path.dirname(CODE_ROOT) : CODE_ROOT;

/** The file extension of the running code, for files found by pattern (the suites). */
export const CODE_EXTENSION = COMPILED ? 'js' : 'ts';

export const PACKAGE = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
