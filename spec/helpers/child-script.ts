/**
 * The child programs of the crash specs (TypeScript fixtures that run a job or a worker and are
 * killed) start from one bundled ES module each instead of through tsx: `node --import tsx
 * <fixture>` spends about 0.85 s of CPU compiling the library before the child runs, the bundle
 * about 0.3 s, and the crash specs start some seventy children (a distributed crash run two, the
 * file store's soak one per kill), on two cores. The fixture and the library are bundled by esbuild (which tsx uses too, with the
 * same tsconfig), names kept (a flow's fingerprint reads class names); packages stay external,
 * loaded from node_modules, which is why the bundle is written under node_modules/.cache. Its name carries a hash of its text, so checkouts that share
 * a node_modules never run each other's code, and a process writes it once.
 *
 * @example
 * ```ts
 * const script = await childScript(fileURLToPath(new URL('../fixtures/review-s9c-child.ts', import.meta.url)));
 * spawn(process.execPath, [script, socket, prefix, dir]);
 * ```
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'node_modules', '.cache', 'routilux-spec-children');
const made = new Map<string, Promise<string>>();

export function childScript(fixture: string): Promise<string> {
  let script = made.get(fixture);
  if (script === undefined) {
    script = bundle(fixture);
    made.set(fixture, script);
  }
  return script;
}

async function bundle(fixture: string): Promise<string> {
  const out = await build({ entryPoints: [fixture], bundle: true, platform: 'node', format: 'esm', packages: 'external', keepNames: true, write: false, logLevel: 'warning', absWorkingDir: ROOT });
  const text = out.outputFiles[0].text;
  const file = join(OUT, `${basename(fixture, '.ts')}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(OUT, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file); // (atomic: a run beside this one reads the whole file or none)
  }
  return file;
}
