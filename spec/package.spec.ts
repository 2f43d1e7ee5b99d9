import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `npm test` builds before mocha runs; these prove the published entry points work from plain
// Node (no tsx), through the package's own `exports` map (self-reference by name).
const root = fileURLToPath(new URL('..', import.meta.url));

function node(code: string, type: 'module' | 'commonjs'): string {
  return execFileSync(process.execPath, [type === 'module' ? '--input-type=module' : '--input-type=commonjs', '-e', code], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
}

const program = (load: string) => `${load}
const { Flow, Routine } = r;
class Src extends Routine { constructor() { super(); this.defineEvent('out'); this.defineSlot('trigger', (d) => this.emit('out', { v: d.v })); } }
class Sink extends Routine { constructor() { super(); this.defineSlot('in', (d) => { got.push(d.v); }); } }
const got = [];
const flow = new Flow();
flow.addRoutine(new Src(), 's'); flow.addRoutine(new Sink(), 'k'); flow.connect('s', 'out', 'k', 'in');
flow.execute('s', { v: 42 }).then((st) => console.log(st.status + ':' + got.join(',') + ':' + typeof t.marbleJob + typeof t.createTestScheduler));`;

describe('package entry points (built dist)', () => {
  it('works with import() of routilux and routilux/testing', () => {
    const out = node(program(`const r = await import('routilux'); const t = await import('routilux/testing');`), 'module');
    expect(out).to.equal('completed:42:functionfunction');
  });

  it('works with require() of routilux and routilux/testing', () => {
    const out = node(program(`const r = require('routilux'); const t = require('routilux/testing');`), 'commonjs');
    expect(out).to.equal('completed:42:functionfunction');
  });

  it('ships type declarations for both entry points', () => {
    // Per-module output (issue 16): an entry's files sit where its source does (lib/testing/index.ts → dist/testing/).
    expect(existsSync(new URL('../dist/index.d.ts', import.meta.url))).to.equal(true);
    expect(existsSync(new URL('../dist/testing/index.d.ts', import.meta.url))).to.equal(true);
  });
});

describe('package metadata (issue 16)', () => {
  it('rxjs is a peer dependency (one copy, the app\u2019s), and the build keeps it external', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.peerDependencies.rxjs).to.match(/^\^7\.8/);
    expect(pkg.dependencies.rxjs).to.equal(undefined);
    // One output file per module (issue 16): the engine's modules import rxjs, none holds a copy.
    const built = readFileSync(new URL('../dist/flow/run-observable.js', import.meta.url), 'utf8');
    expect(built).to.match(/from 'rxjs'/);
    const { readdirSync } = await import('node:fs');
    const files = (readdirSync(new URL('../dist', import.meta.url), { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
    expect(files.length).to.be.greaterThan(100);
    for (const f of files) expect(readFileSync(new URL(`../dist/${f}`, import.meta.url), 'utf8'), f).to.not.match(/class Subscriber\b/); // rxjs itself is not bundled in
  });

  it('ships a LICENSE and a CHANGELOG', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };
    expect(pkg.files).to.include.members(['LICENSE', 'CHANGELOG.md']);
    expect(existsSync(new URL('../LICENSE', import.meta.url))).to.equal(true);
    expect(existsSync(new URL('../CHANGELOG.md', import.meta.url))).to.equal(true);
  });
});

describe('subpath entries (issue 16)', () => {
  it('routilux/node and routilux/builtins give the very classes of routilux (ESM and CJS)', () => {
    const esm = node(
      `const r = await import('routilux'); const n = await import('routilux/node'); const b = await import('routilux/builtins');
       console.log(String(n.FileJobStore === r.FileJobStore) + String(b.Batcher === r.Batcher) + typeof n.jobFileName);`,
      'module',
    );
    expect(esm).to.equal('truetruefunction');
    const cjs = node(
      `const r = require('routilux'); const n = require('routilux/node'); const b = require('routilux/builtins');
       console.log(String(n.FileJobStore === r.FileJobStore) + String(b.Batcher === r.Batcher));`,
      'commonjs',
    );
    expect(cjs).to.equal('truetrue');
  });
});
