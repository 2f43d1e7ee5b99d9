import { expect } from 'chai';
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigurationError, Flow, JobFailedStreamError, Routine, RoutiluxError, TimeoutError } from '../../lib/index.js';
import { inspect } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Issue 16: error names are part of the contract (state.error.name === 'TimeoutError'), and a
// minifier renames classes: each library error names itself with a string literal.
describe('error names', () => {
  it('survive minification (a minified bundle of the library, loaded and run)', async function () {
    this.timeout(20_000);
    const result = await build({
      entryPoints: [join(root, 'lib/index.ts')],
      bundle: true,
      minify: true,
      write: false,
      format: 'esm',
      platform: 'node',
      external: ['rxjs', 'immer', 'class-transformer', 'reflect-metadata', 'sift', 'superjson'],
      logLevel: 'silent',
    });
    // Written next to node_modules so the bundle's external imports resolve.
    const dir = mkdtempSync(join(root, 'node_modules', '.routilux-min-'));
    try {
      const file = join(dir, 'bundle.mjs');
      writeFileSync(file, result.outputFiles[0].text);
      const lib = (await import(pathToFileURL(file).href)) as typeof import('../../lib/index.js');
      expect(new lib.ConfigurationError('x').name).to.equal('ConfigurationError');
      expect(new lib.StoreError('x').name).to.equal('StoreError');
      expect(new lib.WorkerLostError('x').name).to.equal('WorkerLostError');
      expect(lib.TimeoutError.name).to.not.equal('TimeoutError'); // the class itself was renamed...
      const flow = new lib.Flow({ activationTimeout: 5 });
      const r = new lib.Routine();
      r.defineSlot('trigger', () => new Promise(() => {}));
      flow.addRoutine(r, 'r');
      const state = await flow.execute('r', {});
      expect(state.error?.name).to.equal('TimeoutError'); // ...its errors' name was not
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a user's own subclass is named after its class", () => {
    class QuotaExceeded extends RoutiluxError {}
    class BadPlan extends ConfigurationError {}
    expect(new QuotaExceeded('x').name).to.equal('QuotaExceeded');
    expect(new BadPlan('x').name).to.equal('BadPlan');
    expect(new TimeoutError('x').name).to.equal('TimeoutError');
    expect(Object.keys(new TimeoutError('x'))).to.deep.equal([]);
  });

  // Issue 16: a failed job observed with a bare subscribe used to dump the whole state.
  it("a failed job's stream error has a short message and keeps the state off its enumerable fields", async () => {
    const flow = new Flow();
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot('trigger', () => {
      throw new Error('x'.repeat(5000));
    });
    flow.addRoutine(r, 'r');
    const job = flow.start('r', {});
    const error = await new Promise<JobFailedStreamError>((resolve) => job.observe('r', 'out').subscribe({ error: resolve }));
    expect(error).to.be.instanceOf(JobFailedStreamError);
    expect(error.message.length).to.be.below(300);
    expect(error.state.status).to.equal('failed');
    expect(error.state.error!.message).to.have.length(5000);
    expect(Object.keys(error)).to.deep.equal([]);
    // The stack's length depends on where the checkout lives, so measure what inspect adds to it.
    const shown = inspect(error);
    expect(shown).not.to.include('x'.repeat(300));
    expect(shown.length - (error.stack ?? '').length).to.be.below(500);
  });
});
