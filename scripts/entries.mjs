// The package's public entries, one line each. The rollup build (rollup.config.mjs), the
// `exports`, `typesVersions` and `sideEffects` fields of package.json (written by
// `npm run sync:exports`, checked by spec/package/exports.spec.ts), typedoc and the packaging
// specs all derive from this list: adding a subpath is adding a line here, then running
// `npm run sync:exports`.
//
// `source` is what every runtime gets; `node`, when given, is what Node (and bundles made for
// Node) get instead, through the `node` export condition. A source `lib/x/y.ts` is built to
// `dist/x/y.js` (ESM), `dist/x/y.cjs` (for require), `dist/x/y.d.ts` and `dist/x/y.d.cts`.
export const ENTRIES = [
  { subpath: '.', source: 'lib/portable.ts', node: 'lib/index.ts' },
  { subpath: './builtins', source: 'lib/builtins/index.ts' },
  { subpath: './testing', source: 'lib/testing/index.ts' },
  { subpath: './node', source: 'lib/node/index.ts' },
  { subpath: './otel', source: 'lib/otel/index.ts' },
  { subpath: './inspect', source: 'lib/inspector/index.ts' },
  { subpath: './bullmq', source: 'lib/bullmq/index.ts' },
];

/** Executables (package.json `bin`): built like entries, but no export subpath. */
export const BINS = [{ name: 'routilux', source: 'lib/cli/main.ts' }];

/** `lib/x/y.ts` → `x/y`: where a source lands in dist/, without extension. */
export const stem = (source) => source.replace(/^lib\//, '').replace(/\.ts$/, '');

/** Every source file that is an entry of the build (rollup input name → file). */
export function buildInputs() {
  const inputs = {};
  for (const e of ENTRIES) for (const source of [e.source, e.node].filter(Boolean)) inputs[stem(source)] = source;
  for (const b of BINS) inputs[stem(b.source)] = b.source;
  return inputs;
}

/** The `exports` map of package.json. */
export function packageExports() {
  const exports = {};
  const target = (source) => ({
    import: { types: `./dist/${stem(source)}.d.ts`, default: `./dist/${stem(source)}.js` },
    require: { types: `./dist/${stem(source)}.d.cts`, default: `./dist/${stem(source)}.cjs` },
  });
  for (const e of ENTRIES) exports[e.subpath] = e.node ? { node: target(e.node), default: target(e.source) } : target(e.source);
  exports['./package.json'] = './package.json';
  return exports;
}

/**
 * `typesVersions` for TypeScript's node10 resolution, which ignores `exports`: each subpath's
 * CommonJS types (node10 is CommonJS resolution). The root is `types`.
 */
export function packageTypesVersions() {
  const paths = {};
  for (const e of ENTRIES) if (e.subpath !== '.') paths[e.subpath.slice(2)] = [`./dist/${stem(e.node ?? e.source)}.d.cts`];
  return { '*': paths };
}
