import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ErrorHandler, Flow, Routine, type Payload } from '../../lib/index.js';
import { serveInspector, type InspectorServer } from '../../lib/inspector/index.js';
import { launchChromium, requireChromium } from './chromium.js';
import { root, routilux, startRoutilux } from '../cli/run-bin.js';

// Issue 20: the inspector page in a real browser (Debian's chromium through playwright-core).
const TOKEN = 'inspector-spec-token';
/** Per job: a gate its `pack` activations wait at until the spec opens it. */
const gates = new Map<string, { opened: Promise<void>; open: () => void }>();
function gate(jobId: string): () => void {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  gates.set(jobId, { opened, open });
  return open;
}

class Intake extends Routine {
  constructor() {
    super();
    this.defineEvent('order');
    this.defineSlot('trigger', (p: Payload, ctx) => {
      for (let i = 1; i <= Number(p.count ?? 3); i++) ctx.emit('order', { orderId: i, fail: p.fail === true });
    });
  }
}
class Price extends Routine {
  constructor() {
    super();
    this.defineEvent('priced');
    this.defineSlot('in', (o: Payload, ctx) => {
      if (o.fail) throw new Error(`no price for order ${String(o.orderId)}`);
      ctx.emit('priced', { orderId: o.orderId, amount: 10 * Number(o.orderId) });
    });
    this.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 1, retryDelay: 1 }));
  }
}
class Pack extends Routine {
  constructor() {
    super();
    this.defineEvent('packed');
    this.defineSlot('in', (o: Payload, ctx) => (gates.get(ctx.jobId)?.opened ?? Promise.resolve()).then(() => ctx.emit('packed', o)));
  }
}
class Ship extends Routine {
  constructor() {
    super();
    this.defineSlot('in', () => undefined, { mergeStrategy: 'append' });
  }
}

/** intake → price → pack (waits for its gate, per job) → ship; price retries; `fail` makes price throw. */
function ordersFlow(): Flow {
  const flow = new Flow({ flowId: 'orders', executionStrategy: 'concurrent', maxWorkers: 4 });
  flow.addRoutine(new Intake(), 'intake');
  flow.addRoutine(new Price(), 'price');
  flow.addRoutine(new Pack(), 'pack');
  flow.addRoutine(new Ship(), 'ship');
  flow.connect('intake', 'order', 'price', 'in');
  flow.connect('price', 'priced', 'pack', 'in', { amount: 'total' });
  flow.connect('pack', 'packed', 'ship', 'in');
  return flow;
}

const statusOf = (page: Page, jobId: string) => page.locator(`#jobs tr[data-job="${jobId}"] .status`);

describe('inspector in a real browser', function () {
  this.timeout(120_000);
  let browser: Browser;
  before(async function () {
    requireChromium(this);
    browser = await launchChromium();
  });
  after(async () => browser?.close());

  describe('serveInspector with a live flow', () => {
    let flow: Flow;
    let inspector: InspectorServer;
    let page: Page;
    before(async () => {
      flow = ordersFlow();
      inspector = await serveInspector({ flows: flow, port: 0, token: TOKEN });
      // Settled before the page opens: the inspector kept them (a completed job has left the flow).
      await flow.execute('intake', { count: 2 }, { jobId: 'done-1' });
      await flow.execute('intake', { count: 1, fail: true }, { jobId: 'fail-1' });
      page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(inspector.url);
      await page.locator('#live.on').waitFor();
      expect(errors).to.deep.equal([]);
    });
    after(async () => {
      await page?.close();
      await inspector?.close();
    });

    it('shows the flow graph: every routine with its ports, every connection with its mapping', async () => {
      await page.locator('#graph svg g.routine[data-routine="pack"]').waitFor();
      expect(await page.locator('#graph svg g.routine').count()).to.equal(4);
      expect(await page.locator('#graph svg g.connection').count()).to.equal(3);
      expect(await page.locator('#graph svg g.connection[data-source="price"] .edge-label').textContent()).to.equal('priced → in');
      expect(await page.locator('#graph svg g.connection[data-source="price"] .edge-mapping').textContent()).to.equal('{amount→total}');
      expect(await page.locator('#graph svg g.routine[data-routine="price"] .policy').textContent()).to.equal('retry ×1');
      expect(await page.locator('#graph svg g.routine[data-routine="ship"] .port-label').textContent()).to.equal('in (append)');
    });

    it('lists the jobs with status and the error of a failed one', async () => {
      expect(await statusOf(page, 'done-1').textContent()).to.equal('completed');
      expect(await statusOf(page, 'fail-1').textContent()).to.equal('failed');
      expect(await page.locator('#jobs tr[data-job="fail-1"]').textContent()).to.include('Error: no price for order 1');
    });

    it('a running job appears and changes status live; pause is refused without the token and works with it', async () => {
      const open = gate('live-1');
      const job = flow.start('intake', { count: 3 }, { jobId: 'live-1' });
      await statusOf(page, 'live-1').filter({ hasText: 'running' }).waitFor(); // no reload: the event stream
      await page.locator('#jobs tr[data-job="live-1"]').click();
      await page.locator('#job-status', { hasText: 'running' }).waitFor();
      await page.locator('#graph g.routine.status-running[data-routine="pack"]').waitFor();

      await page.locator('#actions button[data-action="pause"]').click();
      await page.locator('#message.refused').waitFor();
      expect(await page.locator('#message').textContent()).to.match(/^refused: a valid token is needed/);
      expect(job.state.status).to.equal('running');

      await page.locator('#token').fill(TOKEN);
      await page.locator('#use-token').click();
      await page.locator('#actions button[data-action="pause"]').click();
      await page.locator('#message.ok', { hasText: 'pause: job is paused' }).waitFor();
      expect(job.state.status).to.equal('paused');
      await statusOf(page, 'live-1').filter({ hasText: 'paused' }).waitFor();
      await page.locator('#job-status', { hasText: 'paused' }).waitFor();
      // The token never travels in a URL: not in the page's address, not in what it fetched.
      expect(page.url()).to.not.include(TOKEN);
      await page.locator('#detail details summary', { hasText: 'Running' }).first().waitFor();
      await saveScreenshot(page);

      await page.locator('#actions button[data-action="resume"]').click();
      await page.locator('#message.ok', { hasText: 'resume: job is running' }).waitFor();
      open();
      expect((await job.wait()).status).to.equal('completed');
      await statusOf(page, 'live-1').filter({ hasText: 'completed' }).waitFor();
      await page.locator('#graph g.routine.status-completed[data-routine="ship"]').waitFor();
    });

    it('shows per-routine activations, failures, mean and p95 duration', async () => {
      // The figures refresh at most once a second: wait for the five pack attempts to show.
      const row = page.locator('#stats tr[data-routine="pack"]', { has: page.locator('td:nth-child(2)', { hasText: /^5$/ }) });
      await row.waitFor();
      const cells = await row.locator('td').allTextContents();
      expect(cells[0]).to.equal('pack');
      expect(Number(cells[1])).to.equal(5); // done-1's two orders, live-1's three
      expect(cells[4]).to.match(/^\d+\.\d ms$/);
      expect(cells[5]).to.match(/^\d+\.\d ms$/);
    });
  });

  describe('routilux inspect (the built bin) on a store', () => {
    it('serves the page: the flow graph and the stored jobs, read-only without a token', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'routilux-inspect-'));
      const flowArgs = ['--flow', 'examples/flows/orders.json', '--require', './examples/flows/routines.js'];
      try {
        const run = routilux(['run', 'examples/flows/orders.json', '--require', './examples/flows/routines.js', '--entry', 'intake', '--params', '{"count":3}', '--job-id', 'stored-1', '--store', dir]);
        expect(run.code, run.stderr).to.equal(0);
        const cli = startRoutilux(['inspect', '--store', dir, ...flowArgs, '--port', '0'], { cwd: root });
        const [, url] = await cli.waitFor(/routilux inspector: (http:\/\/\S+) \(read-only/);
        const page = await browser.newPage();
        await page.goto(url);
        await page.locator('#graph svg g.routine[data-routine="invoice"]').waitFor();
        expect(await page.locator('#graph svg g.routine').count()).to.equal(4);
        await statusOf(page, 'stored-1').filter({ hasText: 'completed' }).waitFor();
        await page.locator('#jobs tr[data-job="stored-1"]').click();
        await page.locator('#job-facts', { hasText: 'stored' }).waitFor();
        expect(await page.locator('#mode').textContent()).to.match(/read-only/);
        expect(await page.locator('#actions button:disabled').count()).to.equal(4);
        await page.close();
        cli.child.kill('SIGINT');
        expect(await cli.exited).to.equal(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

/** Always under .tmp/ (git-ignored); UPDATE_SCREENSHOTS=1 also writes docs/inspector.png, the README's picture. */
async function saveScreenshot(page: Page): Promise<void> {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const path = join(root, '.tmp', 'inspector.png');
  await page.screenshot({ path });
  if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(path, join(root, 'docs', 'inspector.png'));
}
