import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ENTRIES, packageExports, packageTypesVersions, stem } from '../../scripts/entries.mjs';
import { root } from './packed-app.js';

// scripts/entries.mjs is the one list of public entries; everything that names them follows it
// (issue 16: adding a subpath is one line there plus `npm run sync:exports`).
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown> & { sideEffects: string[] };

describe('package entries (scripts/entries.mjs)', () => {
  it('package.json exports, typesVersions, main and types are what `npm run sync:exports` writes', () => {
    expect(pkg.exports).to.deep.equal(packageExports());
    expect(pkg.typesVersions).to.deep.equal(packageTypesVersions());
    const root = ENTRIES.find((e) => e.subpath === '.')!;
    expect(pkg.main).to.equal(`./dist/${stem(root.node ?? root.source)}.cjs`);
    expect(pkg.types).to.equal(`./dist/${stem(root.node ?? root.source)}.d.cts`);
  });

  it('every entry source exists, and tsconfig paths map each subpath to it (Node’s flavour), so examples run without a build', () => {
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), (file) => ts.sys.readFile(file)) as { config: { compilerOptions: { paths: Record<string, string[]> } } };
    const expected: Record<string, string[]> = {};
    for (const e of ENTRIES) {
      for (const source of [e.source, e.node].filter((s): s is string => s !== undefined)) expect(existsSync(join(root, source)), source).to.equal(true);
      expected[`routilux${e.subpath.slice(1)}`] = [`./${e.node ?? e.source}`];
    }
    expect(config.config.compilerOptions.paths).to.deep.equal(expected);
  });

  it('sideEffects names files the build makes: the Node entry (installs AsyncLocalStorage) and the built-ins entry (registers all)', () => {
    const built = pkg.sideEffects.filter((p) => p.startsWith('./dist/'));
    expect(built).to.include.members(['./dist/index.js', './dist/node/index.js', './dist/builtins/index.js']);
    for (const file of built) expect(existsSync(join(root, file)), file).to.equal(true);
  });

  it('Node resolves routilux to the Node entry; other runtimes get the portable core without Node-only names', () => {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "const r = await import('routilux'); console.log(import.meta.resolve('routilux') + ' ' + typeof r.FileJobStore)"],
      { cwd: root, encoding: 'utf8' },
    );
    expect(out.trim()).to.match(/\/dist\/index\.js function$/);
    const browser = (pkg.exports as Record<string, { default: { import: { default: string } } }>)['.'].default.import.default;
    const portable = readFileSync(join(root, browser), 'utf8');
    expect(portable).to.not.match(/export \{[^}]*\bFileJobStore\b/);
    expect(portable).to.not.match(/from ['"]node:|import ['"]\.\/node\//);
  });

  it('spec-types/published.tsconfig.json checks user code against the built declarations only: every subpath maps to dist/, no library source is a root file or imported relatively', () => {
    const file = join(root, 'spec-types', 'published.tsconfig.json');
    const parsed = ts.getParsedCommandLineOfConfigFile(file, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => expect.fail(String(d.messageText)) })!;
    const expected: Record<string, string[]> = {};
    for (const e of ENTRIES) expected[`routilux${e.subpath.slice(1)}`] = [`../dist/${stem(e.node ?? e.source)}.d.ts`];
    expect(parsed.options.paths).to.deep.equal(expected);
    // Without its own `include`, the config inherited ../tsconfig.json's: the whole repository,
    // lib/ included, checked once more (30 s) and mixed into what was meant to be dist/ only.
    const roots = parsed.fileNames.map((f) => relative(root, f).split('\\').join('/'));
    expect(roots.filter((f) => !/^(spec-types|examples)\/[^/]+\.ts$/.test(f)), 'root files outside spec-types/ and examples/').to.deep.equal([]);
    expect(roots).to.include.members(['examples/basic.ts', 'examples/joins-and-batches.ts', 'spec-types/review-s20.ts']);
    for (const f of parsed.fileNames) {
      const reachesLib = ts
        .preProcessFile(readFileSync(f, 'utf8'))
        .importedFiles.map((i) => i.fileName)
        .filter((spec) => spec.startsWith('.') && relative(root, resolve(dirname(f), spec)).startsWith('lib'));
      expect(reachesLib, `${relative(root, f)} imports library sources`).to.deep.equal([]);
    }
  });
});
