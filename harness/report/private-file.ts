// Report files are readable by their owner only (0600). They describe a deployment's weaknesses,
// and whoever needs them reads them as the user who wrote them: a CI step that uploads the
// artifact or writes the job summary, the developer who ran the tool (in a container: with
// --user, as the README says). `mode` applies only when a file is created, so an existing one is
// narrowed as well.
import { chmod, writeFile } from 'node:fs/promises';

export const PRIVATE_MODE = 0o600;

export async function writePrivateFile(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: PRIVATE_MODE });
  await chmod(file, PRIVATE_MODE);
}
