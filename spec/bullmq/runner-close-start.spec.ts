/**
 * `BullMQRunner.close()` while a start is on its way (review s21's open finding): a start the
 * runner registered and then, closed, never queued used to fail as "it may or may not have been
 * queued" and to keep its id claimed (`runner.job` said "no job stored", a new start of the id
 * "taken"). Now close() waits for registrations on their way; a start closed before it was
 * queued fails as not queued and gives its id back.
 */
import { expect } from 'chai';
import { Flow, Routine } from '../../lib/index.js';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster, type Cluster } from './helpers.js';

class Add extends Routine {
  constructor() {
    super();
    this.defineSlot<{ n: number }>('trigger', (d, ctx) => ctx.setSharedData('n', d.n + 1));
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'runner-close-start' });
  flow.addRoutine(new Add(), 'add');
  return flow;
}

type Registrar = { register: (...args: unknown[]) => Promise<unknown> };

describe('routilux/bullmq: a runner closed while a start is on its way', function () {
  this.timeout(60_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 1);
    redis.atStop(() => cluster.close());
  });
  afterEach(() => expect(cluster.errors, 'background errors').to.deep.equal([]));

  /** A warm runner of its own (its channel followed), so the starts below go straight to their registration. */
  async function warmRunner(): Promise<BullMQRunner> {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    expect((await build().start('add', { n: 0 }, { runner }).wait()).status).to.equal('completed');
    return runner;
  }

  /** The id is free: another runner starts a job under it, and it completes. */
  async function expectFree(jobId: string): Promise<void> {
    await expectNotStored(jobId);
    const again = await build().start('add', { n: 5 }, { runner: cluster.runner, jobId }).wait({ timeout: 20_000 });
    expect([again.status, again.getSharedData('n')]).to.deep.equal(['completed', 6]);
  }

  async function expectNotStored(jobId: string): Promise<void> {
    let refused: unknown;
    await cluster.runner.job(build(), jobId).catch((e: unknown) => (refused = e));
    expect(String(refused)).to.include(`no job '${jobId}' is stored`);
  }

  it('closed while its registration is on its way: close() waits for it, the start fails as not queued, and its id is free again', async () => {
    const runner = await warmRunner();
    const registrar = (runner as unknown as { registrar: Registrar }).registrar;
    const register = registrar.register.bind(registrar);
    let closing: Promise<void> | undefined;
    registrar.register = (...args) => {
      const reply = register(...args);
      closing = runner.close(); // the registration is sent: Redis claims the id, the runner is closed before the reply
      return reply;
    };
    const job = build().start('add', { n: 1 }, { runner, jobId: 'rcs-1' });
    const final = await job.wait({ timeout: 20_000 });
    await closing;
    expect(final.status).to.equal('failed');
    expect(final.error!.message).to.include("job 'rcs-1' was not queued").and.include('its id is free again');
    await expectFree('rcs-1');
  });

  it('closed in the same turn as the start: nothing is claimed, the start fails as not queued', async () => {
    const runner = await warmRunner();
    const job = build().start('add', { n: 1 }, { runner, jobId: 'rcs-2' });
    const closing = runner.close();
    const final = await job.wait({ timeout: 20_000 });
    await closing;
    expect(final.status).to.equal('failed');
    expect(final.error!.message).to.include("job 'rcs-2' was not queued");
    await expectFree('rcs-2');
  });

  it('closed once the id was granted and before the job was queued (a command between): not queued, its id and its command gone', async () => {
    const runner = await warmRunner();
    const control = (runner as unknown as { control: (...args: unknown[]) => Promise<unknown> }).control.bind(runner);
    let closing: Promise<void> | undefined;
    (runner as unknown as { control: (...args: unknown[]) => Promise<unknown> }).control = (...args) => {
      const sent = control(...args);
      closing ??= runner.close(); // the command is on its way; the queueing step comes after it
      return sent;
    };
    const job = build().open({ runner, jobId: 'rcs-3' });
    job.send('add', 'trigger', { n: 1 }); // given before the grant: sent before the job would be queued
    const final = await job.wait({ timeout: 20_000 });
    await closing;
    expect(final.status).to.equal('failed');
    expect(final.error!.message).to.include("job 'rcs-3' was not queued").and.include('its id is free again');
    await expectFree('rcs-3');
  });
});
