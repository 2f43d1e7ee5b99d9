import { expect } from 'chai';
import { cpSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appWithPackage, root, runNode, tsc } from './packed-app.js';

// A new app (issue 16): the packed tarball installed next to the app's own rxjs 7.8.1 (the
// library is developed against 7.8.2), TypeScript strict with nodenext resolution and the
// package's declarations checked too (skipLibCheck off), an ES module and a CommonJS module
// using TestScheduler, marbleJob, throughFlow and from(job). Two rxjs copies would break the
// types (TS2322/TS2345 on schedulers and operators) and make marble tests on the default
// scheduler record nothing.
const fixtures = join(root, 'spec/package/fixtures/consumer');

const compilerOptions = {
  strict: true,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'ES2022',
  lib: ['ES2022'],
  types: ['node'],
  skipLibCheck: false,
  noEmitOnError: true,
  rootDir: 'src',
  outDir: 'out',
};

describe('a consumer app on the packed package, with rxjs 7.8.1 (issue 16)', function () {
  this.timeout(240_000);
  let app: string;

  before(() => {
    app = appWithPackage('consumer', { rxjs: 'rxjs-7.8.1', link: ['@types/node'] });
    cpSync(fixtures, join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src/esm.ts', 'src/cjs.cts'] }, null, 2));
  });

  it('has one rxjs, the app’s 7.8.1', () => {
    const rxjs = realpathSync(join(app, 'node_modules/rxjs'));
    expect((JSON.parse(readFileSync(join(rxjs, 'package.json'), 'utf8')) as { version: string }).version).to.equal('7.8.1');
    // Routilux has no rxjs of its own: it resolves the app's.
    const fromLibrary = runNode(app, '-e', "console.log(require('fs').realpathSync(require('module').createRequire(require.resolve('routilux')).resolve('rxjs')))");
    expect(fromLibrary.trim()).to.equal(realpathSync(join(app, 'node_modules/rxjs/dist/cjs/index.js')));
  });

  it('type-checks (strict, declarations included) and runs, as an ES module and as CommonJS', () => {
    tsc(app, ['-p', '.']);
    const expected = { marble: 'passed', marbleDefaultScheduler: 'passed', throughFlow: [{ v: 2 }, { v: 4 }, { v: 6 }], fromJob: 'completed' };
    expect(JSON.parse(runNode(app, 'out/esm.js'))).to.deep.equal(expected);
    expect(JSON.parse(runNode(app, 'out/cjs.cjs'))).to.deep.equal({ ...expected, batcher: 'function' });
  });

  it('refuses what is wrong: a Job is an Observable of JobStates, and internals are not in the types', () => {
    writeFileSync(join(app, 'tsconfig.errors.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, include: ['src/type-errors.ts'] }, null, 2));
    let output = '';
    try {
      tsc(app, ['-p', 'tsconfig.errors.json']);
    } catch (error) {
      output = (error as Error).message;
    }
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors, output).to.have.length(2);
    expect(errors[0]).to.match(/type-errors\.ts\(6,\d+\): error TS2322/);
    expect(errors[1]).to.match(/type-errors\.ts\(7,\d+\): error TS2339: Property '_runtime' does not exist/);
  });
});
