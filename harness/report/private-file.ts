// Report files are readable by their owner only (0600). They describe a deployment's weaknesses,
// and whoever needs them reads them as the user who wrote them: a CI step that uploads the
// artifact or writes the job summary, the developer who ran the tool (in a container: with
// --user, as docs/ci.md says).
import { chmod, writeFile } from 'node:fs/promises';

export const PRIVATE_MODE = 0o600;

export async function writePrivateFile(file: string, text: string): Promise<void> {
  // `mode` applies only to a file being created: one that exists is narrowed before the new text is in it.
  await chmod(file, PRIVATE_MODE).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await writeFile(file, text, { mode: PRIVATE_MODE });
}
