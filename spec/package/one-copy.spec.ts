import { expect } from 'chai';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { appWithPackage, root, runNode } from './packed-app.js';

// One copy of the library whether an app imports or requires it (issue 16): `require` gets a
// small CommonJS file that require()s the ES module (Node >= 20.19), so both ways reach the
// same module instances — the same classes for `instanceof`, the same registries. Checked in
// one Node process on the packed package, loading it both ways in both orders.
describe('import and require in one process share one copy of Routilux (issue 16)', function () {
  this.timeout(120_000);

  const expected = {
    sameClasses: [true, true, true, true],
    instanceofAcross: [true, true, true, true],
    routineRegistry: [true, true],
    payloadRegistry: 'shared',
    status: 'completed',
    subpaths: [true, true, true],
  };

  for (const [order, file] of [['import first, then require', 'import-first.mjs'], ['require first, then import()', 'require-first.cjs']] as const) {
    it(order, () => {
      const app = appWithPackage('one-copy');
      cpSync(join(root, 'spec/package/fixtures/one-copy'), app, { recursive: true });
      expect(JSON.parse(runNode(app, file))).to.deep.equal(expected);
    });
  }
});
