import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The packaging specs work on what `npm publish` would upload: `npm pack` of the built package
// (`npm test` builds before mocha), installed into a throw-away app without any network — the
// tarball is extracted into node_modules/routilux and the dependencies are symlinked from this
// repository's node_modules (Node resolves a symlink to its real path, so each package is one
// copy, shared by the app and Routilux).

/** The repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `routilux-${prefix}-`));
  made.push(dir);
  return dir;
}

let tarball: string | undefined;

/** The path of `npm pack`'s tarball of the built package, made once per process. */
export function packedTarball(): string {
  if (tarball !== undefined) return tarball;
  const dir = tempDir('pack');
  const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [{ filename }] = JSON.parse(out) as Array<{ filename: string }>;
  tarball = join(dir, filename);
  return tarball;
}

/** The files the tarball holds (paths inside the package, `package/` stripped). */
export function packedFiles(): string[] {
  return execFileSync('tar', ['-tzf', packedTarball()], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

export interface AppOptions {
  /** Where `rxjs` comes from, a folder of this repository's node_modules (default: rxjs 7.8.1, not the 7.8.2 the library is developed with). */
  readonly rxjs?: string;
  /** More packages of this repository's node_modules the app links (types, test tools). */
  readonly link?: readonly string[];
  /** The app's package.json `type`. */
  readonly type?: 'module' | 'commonjs';
}

/**
 * A new app directory with the packed Routilux installed as a user's `npm install routilux rxjs`
 * would: `node_modules/routilux` from the tarball, its dependencies and the app's rxjs linked.
 */
export function appWithPackage(name: string, options: AppOptions = {}): string {
  const app = tempDir(name);
  const modules = join(app, 'node_modules');
  const target = join(modules, 'routilux');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', packedTarball(), '-C', target, '--strip-components=1']);
  const link = (from: string, as: string) => {
    mkdirSync(dirname(join(modules, as)), { recursive: true });
    symlinkSync(join(root, 'node_modules', from), join(modules, as), 'dir');
  };
  link(options.rxjs ?? 'rxjs-7.8.1', 'rxjs');
  for (const dep of [...Object.keys(pkg.dependencies), ...(options.link ?? [])]) link(dep, dep);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `app-${name}`, private: true, type: options.type ?? 'module' }, null, 2));
  return app;
}

/** Runs `node ...args` in `cwd` and returns its standard output (throws with stderr on failure). */
export function runNode(cwd: string, ...args: string[]): string {
  try {
    return execFileSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Runs this repository's `tsc` with `args` in `cwd`; returns its output, or throws with it. */
export function tsc(cwd: string, args: readonly string[]): string {
  try {
    return execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
