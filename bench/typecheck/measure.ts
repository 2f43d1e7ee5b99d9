import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTypedFlow } from './generate.js';

/** What `tsc --extendedDiagnostics` reports for one program. */
export interface TscFigures {
  instantiations: number;
  types: number;
  checkSeconds: number;
  totalSeconds: number;
  memoryKb: number;
  /** The compiler's error lines (empty when the program compiles). */
  errors: string[];
}

/** The figures of a generated typed flow, next to those of a program that only imports routilux. */
export interface TypecheckResult {
  n: number;
  flow: TscFigures;
  baseline: TscFigures;
  /** The same flow with one renaming mapping wrong: its error lines (exactly one expected). */
  mistake: TscFigures;
}

/** The repository root: the nearest folder up from here whose package.json names routilux (this file also runs compiled, from bench/.build). */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'routilux') return dir;
    if (dirname(dir) === dir) throw new Error(`no routilux package.json above ${from}`);
  }
}

function figure(out: string, label: string): number {
  const match = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(out);
  if (match === null) throw new Error(`tsc --extendedDiagnostics printed no '${label}'`);
  return Number(match[1]);
}

function tsc(root: string, dir: string, file: string): TscFigures {
  const compiler = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  // As an app would compile it: strict, against the built declarations, skipLibCheck (the
  // usual app setting: the library's own .d.ts are not re-checked, only what the flow uses).
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', noEmit: true, skipLibCheck: true, types: [],
      paths: { routilux: [join(root, 'dist', 'index.d.ts')] },
    },
    files: [file],
  }));
  let out: string;
  try {
    out = execFileSync(process.execPath, [compiler, '-p', join(dir, 'tsconfig.json'), '--extendedDiagnostics'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  } catch (error) {
    out = String((error as { stdout?: string }).stdout ?? '');
    if (!/Instantiations:/.test(out)) throw error;
  }
  return {
    instantiations: figure(out, 'Instantiations'),
    types: figure(out, 'Types'),
    checkSeconds: figure(out, 'Check time'),
    totalSeconds: figure(out, 'Total time'),
    memoryKb: figure(out, 'Memory used'),
    errors: out.split('\n').filter((line) => /error TS\d+/.test(line)),
  };
}

/**
 * Compiles a generated flow of `n` typed routines with `tsc --extendedDiagnostics`, a baseline
 * program that only imports the library, and the flow with one mistake; the flow's figures are
 * those of the fastest of `runs` compiles. Needs `dist/` (npm run build).
 *
 * @example
 * ```ts
 * const { flow } = measureTypecheck(200, { runs: 3 }); // flow.instantiations, flow.checkSeconds
 * ```
 */
export function measureTypecheck(n: number, options: { runs?: number; root?: string } = {}): TypecheckResult {
  const root = options.root ?? repoRoot();
  const runs = Math.max(1, options.runs ?? 1);
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) throw new Error('bench/typecheck needs the built declarations: run npm run build first');
  const dir = mkdtempSync(join(tmpdir(), 'routilux-typecheck-'));
  try {
    writeFileSync(join(dir, 'baseline.ts'), "import { Flow } from 'routilux';\nexport const flow = new Flow();\n");
    writeFileSync(join(dir, 'flow.ts'), generateTypedFlow(n));
    writeFileSync(join(dir, 'mistake.ts'), generateTypedFlow(n, { mistake: true }));
    const baseline = tsc(root, dir, 'baseline.ts');
    // Check time depends on what else the machine does: the least of `runs` compiles (the
    // counts are the same every time).
    let flow = tsc(root, dir, 'flow.ts');
    for (let i = 1; i < runs; i++) {
      const again = tsc(root, dir, 'flow.ts');
      if (again.checkSeconds < flow.checkSeconds) flow = again;
    }
    const mistake = tsc(root, dir, 'mistake.ts');
    return { n, flow, baseline, mistake };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
