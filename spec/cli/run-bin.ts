import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The package root: the built bin runs from here, so `routilux` resolves to this package's dist/. */
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `routilux` bin (npm test builds before mocha) and waits for it. */
export function routilux(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): BinResult {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the built bin and collects its output; for commands that run until signalled. */
export function startRoutilux(args: readonly string[], options: { cwd?: string } = {}) {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? root, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  /** Resolves once `pattern` shows up in stdout or stderr (rejects after `ms`). */
  const waitFor = (pattern: RegExp, ms = 30_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const m = pattern.exec(out.stdout) ?? pattern.exec(out.stderr);
        if (m !== null) {
          clearInterval(poll);
          resolve(m);
        } else if (Date.now() - started > ms) {
          clearInterval(poll);
          reject(new Error(`no ${pattern} within ${ms} ms; stdout: ${out.stdout}\nstderr: ${out.stderr}`));
        }
      }, 20);
    });
  return { child, out, exited, waitFor };
}

/** The lines of a text, without the empty last one. */
export const lines = (text: string): string[] => text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
