import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ENTRIES } from '../../scripts/entries.mjs';
import { packedFiles, packedTarball, root } from './packed-app.js';

// publint and arethetypeswrong on the tarball `npm publish` would upload (issue 16).

function bin(name: string, args: readonly string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(join(root, 'node_modules/.bin', name), args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, maxBuffer: 256 * 1024 * 1024 }) };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface AttwResolution {
  resolution?: { fileName: string };
  implementationResolution?: { fileName: string };
}
interface AttwReport {
  /** Problems grouped by kind (an empty object when there is none). */
  problems: Record<string, unknown>;
  analysis: { problems: unknown[]; entrypoints: Record<string, { resolutions: Record<string, AttwResolution> }> };
}

describe('the packed tarball (issue 16)', function () {
  this.timeout(180_000);

  it('ships dist, README, LICENSE and CHANGELOG, and no sources, specs or maps without their sources', () => {
    const files = packedFiles();
    expect(files).to.include.members(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/portable.js']);
    expect(files.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/.test(f))).to.deep.equal([]);
    // Source maps carry their sources (the .ts files are not in the package).
    const map = JSON.parse(execFileSync('tar', ['-xzOf', packedTarball(), 'package/dist/flow/flow.js.map'], { encoding: 'utf8' })) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).to.include('export class Flow');
  });

  it('publishes no internals in its types: no @internal member, no engine class', () => {
    const declarations = packedFiles().filter((f) => /\.d\.c?ts$/.test(f));
    expect(declarations).to.include.members(['dist/index.d.ts', 'dist/index.d.cts', 'dist/portable.d.ts', 'dist/portable.d.cts']);
    for (const file of declarations) {
      const text = execFileSync('tar', ['-xzOf', packedTarball(), `package/${file}`], { encoding: 'utf8' });
      expect(text, file).to.not.include('@internal');
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''); // declarations, not their prose
      expect(code.match(/\b(JobRuntime|TaskQueue|Dispatcher|FlowEngine|ActivationContext|ContextHost|Clock|WorkLedger)\b/g) ?? [], file).to.deep.equal([]);
      // Members named `_x` were the internal ones (`Job._runtime`, `Flow._emissionsObserved`, ...);
      // only `private` ones remain, which declarations show without a type.
      const underscored = text.split('\n').filter((line) => /^\s+(readonly |static |get |set |protected )*_\w+/.test(line));
      expect(underscored, file).to.deep.equal([]);
    }
  });

  it('publint --strict reports nothing', () => {
    const { code, out } = bin('publint', ['--strict', packedTarball()]);
    expect(out, out).to.include('All good!');
    expect(code).to.equal(0);
  });

  it('arethetypeswrong reports no problem for any entry under node10, node16 (CJS and ESM) and bundler resolution', () => {
    const { code, out } = bin('attw', [packedTarball(), '--format', 'json']);
    const report = JSON.parse(out) as AttwReport;
    expect(report.problems, JSON.stringify(report.problems, null, 2)).to.deep.equal({});
    expect(report.analysis.problems).to.deep.equal([]);
    expect(code).to.equal(0);
    const entrypoints = report.analysis.entrypoints;
    expect(Object.keys(entrypoints)).to.include.members(ENTRIES.map((e) => e.subpath));
    for (const { subpath } of ENTRIES) {
      const r = entrypoints[subpath].resolutions;
      for (const mode of ['node10', 'node16-cjs', 'node16-esm', 'bundler']) expect(r[mode].resolution?.fileName, `${subpath} ${mode}`).to.be.a('string');
      // Each module format gets types of its own format: .d.cts with the .cjs file, .d.ts with the ES module.
      expect(r['node16-cjs'].resolution!.fileName).to.match(/\.d\.cts$/);
      expect(r['node16-cjs'].implementationResolution!.fileName).to.match(/\.cjs$/);
      expect(r['node16-esm'].resolution!.fileName).to.match(/\.d\.ts$/);
      expect(r['node16-esm'].implementationResolution!.fileName).to.match(/\.js$/);
    }
    // Node gets the Node entry (FileJobStore, AsyncLocalStorage); a bundler the portable core.
    expect(entrypoints['.'].resolutions['node16-esm'].implementationResolution!.fileName).to.match(/dist\/index\.js$/);
    expect(entrypoints['.'].resolutions.bundler.implementationResolution!.fileName).to.match(/dist\/portable\.js$/);
  });
});
