// Builds dist/ from the entries listed in scripts/entries.mjs:
// - ESM, one output file per module (preserveModules), so bundlers keep only what an app
//   imports (with `sideEffects` in package.json);
// - for `require`, one small `.cjs` file per entry that `require()`s the ESM entry (Node >= 20.19
//   loads ES modules synchronously): `import` and `require` get the very same module instances,
//   so one copy of every class and registry;
// - declarations bundled per entry, with `@internal` declarations stripped: `.d.ts` for `import`
//   and, written next to each, a `.d.cts` twin for `require` (each condition gets types of its
//   own module format);
// - no type check of its own: `npm run typecheck` checks lib/ (with the specs) before the build,
//   and `noCheck` saves the build a second full check (half of its time).
// Runtime and peer dependencies stay external: users get one copy of rxjs (Subjects and
// schedulers must be the same instances as in their code).
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildInputs, ENTRIES, stem } from './scripts/entries.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const external = (id) => deps.some((dep) => id === dep || id.startsWith(`${dep}/`)) || id.startsWith('node:') || id === 'routilux';

const inputs = buildInputs();

/** Emits `<entry>.cjs`: `module.exports = require('./<entry>.js')`, for each entry. */
const requireShims = {
  name: 'require-shims',
  generateBundle() {
    for (const name of Object.keys(inputs)) {
      const file = name.split('/').pop();
      this.emitFile({
        type: 'asset',
        fileName: `${name}.cjs`,
        source: `'use strict';\n// require(esm): the ES module itself, so require and import share one copy of the library.\nmodule.exports = require('./${file}.js');\n`,
      });
    }
  },
};

/**
 * A relative module specifier of a declaration file (`from './x.js'`, `import './x.js'`,
 * `import('./x.js')`): the `.js` of these is what a `.d.cts` twin writes `.cjs`.
 */
const RELATIVE_JS = /(\bfrom\s*|\bimport\s*(?:\(\s*)?)(['"])(\.{1,2}\/[^'"]+)\.js\2/g;

/**
 * Writes each `.d.ts` file of the bundle again as a `.d.cts` twin whose relative imports name
 * `.cjs` files: the declarations of both module formats are the same text but for those
 * specifiers, so one dts run serves both (a second run took a third of the build's time).
 */
const commonjsTwins = {
  name: 'commonjs-declaration-twins',
  generateBundle(_options, bundle) {
    for (const file of Object.values(bundle)) {
      if (file.type !== 'chunk' || !file.fileName.endsWith('.d.ts')) continue;
      this.emitFile({
        type: 'asset',
        fileName: file.fileName.replace(/\.d\.ts$/, '.d.cts'),
        source: file.code.replace(RELATIVE_JS, (_m, before, quote, path) => `${before}${quote}${path}.cjs${quote}`),
      });
    }
  },
};

/** Declarations (`.d.ts`, and their `.d.cts` twins), bundled per entry with shared chunks. */
const declarations = {
  input: Object.fromEntries(ENTRIES.map((e) => [stem(e.source), e.source])),
  external,
  plugins: [dts({ tsconfig: './tsconfig.build.json', compilerOptions: { stripInternal: true } }), commonjsTwins],
  output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'types/[name]-[hash].d.ts' },
};

/**
 * Declarations of a Node variant (`lib/index.ts`): it only re-exports other entries, so their
 * modules stay imports (`./portable.js`, `./node/index.js`) instead of being bundled again —
 * the types of Node's `routilux` are then the very declarations of the other entries.
 */
const entrySources = new Set(ENTRIES.map((e) => resolve(e.source)));
const nodeDeclarations = ENTRIES.filter((e) => e.node).map((e) => ({
  input: { [stem(e.node)]: e.node },
  external: (id, importer, resolved) => external(id) || (resolved && entrySources.has(id.replace(/\.js$/, '.ts'))),
  plugins: [dts({ tsconfig: './tsconfig.build.json', compilerOptions: { stripInternal: true } }), commonjsTwins],
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: '[name].d.ts',
    paths: (id) => (entrySources.has(id.replace(/\.js$/, '.ts')) ? `./${stem(id.slice(resolve('lib').length + 1).replace(/\.js$/, '.ts'))}.js` : id),
  },
}));

export default [
  {
    input: inputs,
    external,
    plugins: [typescript({ tsconfig: './tsconfig.build.json', sourceMap: true, inlineSources: true, declaration: false, noEmitOnError: true, noCheck: true }), requireShims],
    output: { dir: 'dist', format: 'es', preserveModules: true, preserveModulesRoot: 'lib', entryFileNames: '[name].js', sourcemap: true },
  },
  declarations,
  ...nodeDeclarations,
];
