// Writes the entry-derived fields of package.json (`exports`, `typesVersions`, `main`, `types`)
// from scripts/entries.mjs. `npm run sync:exports` after adding a line there;
// spec/package/exports.spec.ts fails while package.json is out of step.
import { readFileSync, writeFileSync } from 'node:fs';
import { ENTRIES, packageExports, packageTypesVersions, stem } from './entries.mjs';

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
writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`package.json: exports for ${ENTRIES.map((e) => e.subpath).join(', ')}`);
