/**
 * The child programs of the crash specs (TypeScript fixtures that run a job or a worker and are
 * killed) start from one bundled ES module each instead of through tsx: `node --import tsx
 * <fixture>` spends about 2 s of CPU loading the library and its packages through tsx's hooks
 * before the child runs, a bundle of the fixture with its packages about 0.4 s (with the
 * packages left in node_modules, 0.7 s: bullmq and ioredis alone are 0.55 s of module loading),
 * and the distributed specs start some seventy children on two cores. The fixture, the library
 * and the packages are bundled by esbuild (which tsx uses too, with the same tsconfig), names
 * kept (a flow's fingerprint reads class names). The bundle is written under
 * node_modules/.cache; its name carries a hash of its text, so checkouts that share a
 * node_modules never run each other's code, and a process writes it once.
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
/** Optional native addons of bundled packages (msgpackr's, under bullmq): loaded from node_modules if installed. */
const NATIVE_OPTIONAL = ['msgpackr-extract'];

export function childScript(fixture: string): Promise<string> {
  let script = made.get(fixture);
  if (script === undefined) {
    script = bundle(fixture);
    made.set(fixture, script);
  }
  return script;
}

async function bundle(fixture: string): Promise<string> {
  const out = await build({
    entryPoints: [fixture],
    bundle: true,
    platform: 'node',
    format: 'esm',
    keepNames: true,
    write: false,
    logLevel: 'warning',
    absWorkingDir: ROOT,
    // Packages are bundled too: one file to parse instead of some hundreds to resolve and load
    // (bullmq and ioredis alone cost a child 0.55 s of CPU from node_modules). A native
    // addon that a package loads only if it is there stays outside.
    external: NATIVE_OPTIONAL,
    // The CommonJS packages in the bundle require Node's built-in modules.
    banner: { js: "import { createRequire as __childRequire } from 'node:module'; const require = __childRequire(import.meta.url);" },
  });
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
