import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The README's Quick start, extracted from README.md itself (so the two cannot drift), seen as an
// app sees it: `routilux` is the built package (dist/*.d.ts, dist/index.js). `npm test` builds
// before mocha runs.
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function quickStart(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('README.md: no ts block under "## Quick start"');
  return block[1];
}

describe('README Quick start (issue 18)', function () {
  // A tsc run and a tsx child: seconds on an idle machine, far more on a loaded one (the
  // children's own timeouts bound a hang).
  this.timeout(180_000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'routilux-quickstart-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is typed: it imports Routine, declares port maps and wires by handles', () => {
    const code = quickStart();
    expect(code).to.match(/extends Routine<\{ trigger: \{ n: number \} \}/);
    expect(code).to.include("flow.connect(numbers.event('out'), square.slot('in'), { value: 'x' })");
    expect(code).to.include("flow.start(numbers.slot('trigger'), { n: 3 })");
  });

  it('compiles under strict, noPropertyAccessFromIndexSignature and exactOptionalPropertyTypes against the built declarations', () => {
    writeFileSync(join(dir, 'quickstart.ts'), quickStart());
    // The same code with one mistake in it must not compile: the check above is not vacuous.
    writeFileSync(join(dir, 'mistake.ts'), quickStart().replace("{ value: 'x' }", "{ value: 'y' }"));
    // One program for both files (one tsc run: checking the declarations is the slow part);
    // skipLibCheck off, so the built .d.ts are checked under these flags too.
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true,
        noPropertyAccessFromIndexSignature: true,
        exactOptionalPropertyTypes: true,
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
        paths: { routilux: [join(root, 'dist', 'index.d.ts')] },
      },
      files: ['quickstart.ts', 'mistake.ts'],
    }));
    let out = '';
    try {
      out = execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    } catch (error) {
      out = String((error as { stdout?: string }).stdout ?? error);
    }
    const errors = out.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(/^mistake\.ts\(\d+,\d+\): error TS\d+: Type '"y"' is not assignable to type '"x"'/);
  });

  it('runs as its comments say: squares 1, 4, 9, then completed', () => {
    const file = join(dir, 'run.mts'); // .mts: an ES module wherever the temp dir is (top-level await)
    writeFileSync(file, quickStart().replace("from 'routilux'", `from ${JSON.stringify(join(root, 'dist', 'index.js'))}`));
    const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const lines = out.trim().split('\n');
    // Four workers and a timer each: the squares may arrive in any order; the status comes last.
    expect(lines.slice(0, 3).sort()).to.deep.equal(['1', '4', '9']);
    expect(lines.slice(3)).to.deep.equal(['completed']);
  });
});
