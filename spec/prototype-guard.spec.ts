// Root hooks (they apply to every spec of the run): after each test, Object.prototype and
// Array.prototype must have no enumerable property. What a test (or the library under it) left
// there is removed at once, so it cannot make later specs fail in confusing ways (a for...in
// copying a stray key, a protocol library breaking), and the run fails at its end naming it.
const PROTOTYPES: ReadonlyArray<readonly [string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
];

const culprits: string[] = [];

afterEach(function () {
  const found: string[] = [];
  for (const [name, proto] of PROTOTYPES) {
    for (const key in proto) {
      if (!Object.prototype.hasOwnProperty.call(proto, key)) continue;
      found.push(`${name}.${key}`);
      delete (proto as Record<string, unknown>)[key];
    }
  }
  if (found.length > 0) culprits.push(`${this.currentTest?.fullTitle() ?? '(a hook)'}: ${found.join(', ')}`);
});

// Reported once every spec ran (a failing afterEach would stop the rest of the run).
after(function () {
  if (culprits.length > 0) throw new Error(`specs left enumerable properties on a prototype (removed after each):\n${culprits.join('\n')}`);
});

describe('the prototype guard', () => {
  it('sees nothing enumerable on Object.prototype or Array.prototype', () => {
    for (const [, proto] of PROTOTYPES) for (const key in proto) throw new Error(`unexpected ${key}`);
  });
});
