/**
 * Mocha's root hooks for every spec run (a root hook plugin, loaded by `require` in
 * .mocharc.cjs and .mocharc.distributed.cjs, so that they also hold in parallel mode, which
 * ignores hooks declared at a spec file's top level).
 *
 * The prototype guard: after each test, Object.prototype and Array.prototype must have no
 * enumerable property. What a test (or the library under it) left there is removed at once, so
 * it cannot make later specs fail in confusing ways (a for...in copying a stray key, a protocol
 * library breaking), and the run (in parallel mode: the file's run) fails at its end naming it.
 */
import type { Context, RootHookObject } from 'mocha';

const PROTOTYPES: ReadonlyArray<readonly [string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
];

const culprits: string[] = [];

/** The enumerable keys found on the guarded prototypes, removed as they are found. */
export function strayPrototypeKeys(): string[] {
  const found: string[] = [];
  for (const [name, proto] of PROTOTYPES) {
    for (const key in proto) {
      if (!Object.prototype.hasOwnProperty.call(proto, key)) continue;
      found.push(`${name}.${key}`);
      delete (proto as Record<string, unknown>)[key];
    }
  }
  return found;
}

export const mochaHooks: RootHookObject = {
  afterEach(this: Context) {
    const found = strayPrototypeKeys();
    if (found.length > 0) culprits.push(`${this.currentTest?.fullTitle() ?? '(a hook)'}: ${found.join(', ')}`);
  },
  // Reported once every spec ran (a failing afterEach would stop the rest of the run).
  afterAll() {
    if (culprits.length > 0) throw new Error(`specs left enumerable properties on a prototype (removed after each):\n${culprits.splice(0).join('\n')}`);
  },
};
