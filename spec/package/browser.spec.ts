import { expect } from 'chai';
import { build } from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { appWithPackage, root, tempDir } from './packed-app.js';

// The core entry runs in a browser (issue 16): an app importing `routilux` from the packed
// package is bundled for the browser — no Node polyfills, and the build fails on any `node:`
// import — then runs in headless Chromium (Debian's package, driven by playwright-core) from a
// file:// page, no network. Locally a missing Chromium skips with the reason; under CI=true it
// fails (`.ci/run` installs the package).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('routilux in a browser (issue 16)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;

  before(function () {
    if (existsSync(CHROMIUM)) return;
    const reason = `no Chromium at ${CHROMIUM} (install Debian's chromium package or set CHROMIUM_PATH)`;
    if (process.env.CI === 'true') throw new Error(`browser spec: ${reason}`);
    console.log(`    skipped: ${reason}`);
    this.skip();
  });

  after(async () => {
    await browser?.close();
  });

  it('bundles for the browser without any Node module, and runs a flow: fan-out, ctx.emit and ctx.scheduler after an await, pause/resume, a retry, job.wait()', async () => {
    const app = appWithPackage('browser');
    const result = await build({
      stdin: { contents: readFileSync(join(root, 'spec/package/fixtures/browser-app.ts'), 'utf8'), resolveDir: app, loader: 'ts', sourcefile: 'browser-app.ts' },
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    // (esbuild fails a browser build on a `node:` import; this names what would have been reached.)
    expect(inputs.filter((f) => f.startsWith('node:') || /node_modules\/routilux\/dist\/(node\/|persistence\/file-)/.test(f))).to.deep.equal([]);
    expect(inputs.some((f) => f.includes('node_modules/routilux/dist/portable.js'))).to.equal(true);

    const page = tempDir('browser-page');
    writeFileSync(join(page, 'app.js'), result.outputFiles[0].text);
    writeFileSync(join(page, 'index.html'), '<!doctype html><meta charset="utf-8"><title>routilux</title><script src="app.js"></script>');

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(pathToFileURL(join(page, 'index.html')).href);
    await tab.waitForFunction(() => (globalThis as { __routilux?: unknown }).__routilux !== undefined, undefined, { timeout: 60_000 });
    const outcome = (await tab.evaluate(() => (globalThis as { __routilux?: unknown }).__routilux)) as { result?: Record<string, unknown>; error?: string };
    expect(errors).to.deep.equal([]);
    expect(outcome.error, outcome.error).to.equal(undefined);
    expect(outcome.result).to.deep.equal({
      hasSetImmediate: false, // hand-offs took the MessageChannel path
      hasProcess: false,
      pausedStatus: 'paused',
      queuedWhilePaused: 1, // the entry activation, not dispatched yet
      status: 'completed',
      sink: ['double:2', 'double:4', 'double:6', 'flaky:1@2', 'flaky:2@2', 'flaky:3@2', 'slow:10', 'slow:20', 'slow:30', 'timed:1', 'timed:2', 'timed:3'],
      flakyAttempts: 6, // each of the three failed once, then succeeded on its retry
      retries: 3,
      // `this.emit` after an await: no async context in a browser, so the payload reaches only
      // event.asObservable() (README, "Entries"): use ctx.emit there.
      seenOutsideJob: ['lost:1', 'lost:2', 'lost:3'],
    });
  });
});
