// `npm run docs`: API reference of the four public entries (scripts/entries.mjs) into docs/api/
// (git-ignored). Warnings fail the run, so a public signature naming an unexported type, or a
// broken {@link}, is caught. `routilux` is documented by its portable core; Node's `routilux`
// adds what `routilux/node` documents.
import { ENTRIES } from './scripts/entries.mjs';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints: ENTRIES.map((e) => e.source),
  out: 'docs/api',
  tsconfig: 'tsconfig.build.json',
  name: 'Routilux',
  readme: 'none',
  excludeInternal: true,
  excludePrivate: true,
  excludeProtected: false,
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, notDocumented: false },
  // The one type the public types name without exporting it: a one-level "not readonly"
  // helper of JobStateJSON, documented where it is shown (a name of its own in the public
  // API would be noise).
  intentionallyNotExported: ['lib/state/job-state-json.ts:Writable'],
  // No source links: the package names no repository to link to.
  disableSources: true,
};
