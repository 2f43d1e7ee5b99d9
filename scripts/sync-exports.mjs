// Writes the entry-derived fields of package.json (`exports`, `typesVersions`, `main`, `types`)
// and the `paths` of tsconfig.json from scripts/entries.mjs. `npm run sync:exports` after adding a line there;
// spec/package/exports.spec.ts fails while package.json is out of step.
import { readFileSync, writeFileSync } from 'node:fs';
import { BINS, ENTRIES, packageExports, packageTypesVersions, stem } from './entries.mjs';

const file = new URL('../package.json', import.meta.url);
const pkg = JSON.parse(readFileSync(file, 'utf8'));
const root = ENTRIES.find((e) => e.subpath === '.');
// Tools that predate `exports` (TypeScript's node10 resolution, old bundlers) read these: the
// Node flavour, for require.
pkg.main = `./dist/${stem(root.node ?? root.source)}.cjs`;
pkg.types = `./dist/${stem(root.node ?? root.source)}.d.cts`;
delete pkg.module;
pkg.exports = packageExports();
pkg.typesVersions = packageTypesVersions();
pkg.bin = Object.fromEntries(BINS.map((b) => [b.name, `./dist/${stem(b.source)}.js`]));
writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`package.json: exports for ${ENTRIES.map((e) => e.subpath).join(', ')}`);

// tsconfig.json `paths`: the package by its own name resolves to the sources (examples and
// specs run without a build). The file has comments, so only the `paths` object is rewritten.
const tsconfigFile = new URL('../tsconfig.json', import.meta.url);
const tsconfig = readFileSync(tsconfigFile, 'utf8');
const paths = ENTRIES.map((e) => `      ${JSON.stringify(`routilux${e.subpath.slice(1)}`)}: [${JSON.stringify(`./${e.node ?? e.source}`)}]`).join(',\n');
const rewritten = tsconfig.replace(/"paths": \{[^}]*\}/, `"paths": {\n${paths}\n    }`);
if (rewritten === tsconfig && !tsconfig.includes('"paths": {')) throw new Error('tsconfig.json has no "paths" object to rewrite');
writeFileSync(tsconfigFile, rewritten);
console.log('tsconfig.json: paths for the same entries');
