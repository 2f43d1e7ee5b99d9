/**
 * What an owner answers on the job's channel when it applies a client's command (OwnerCommands,
 * with a recording client): a pause that settled at once carries its state (later commands of
 * the same batch may change the job before any save); a resume of an ended job is refused (the
 * client that sent it shows `running` until told).
 */
import { expect } from 'chai';
import { Flow, Routine, type JobState } from '../../lib/index.js';
import { OwnerCommands } from '../../lib/bullmq/owner-commands.js';
import type { RedisClient } from '../../lib/bullmq/lua-script.js';
import { parseMessage } from '../../lib/bullmq/wire.js';
import { sleep } from '../fixtures/helpers.js';

/** An activation of `held` that has started, and holds its job busy until released. */
interface Hold {
  started: Promise<void>;
  release(): void;
}

function build(): Flow & { hold: Hold } {
  const flow = new Flow({ flowId: 'owner-commands' });
  const wait = new Routine();
  wait.defineSlot<{ ms: number }>('trigger', (d) => sleep(d.ms));
  flow.addRoutine(wait, 'wait');
  let started!: () => void;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const hold: Hold = { started: new Promise<void>((resolve) => (started = resolve)), release };
  const held = new Routine();
  held.defineSlot('trigger', () => (started(), gate));
  flow.addRoutine(held, 'held');
  return Object.assign(flow, { hold });
}

/** Polls `done` every 5 ms until it holds (at most 5 s). */
async function until(done: () => boolean): Promise<void> {
  for (const start = Date.now(); !done(); await sleep(5)) if (Date.now() - start > 5_000) throw new Error('timed out');
}

/** The commands of `flow`'s jobs, and what they published (parsed). */
function commands(flow: Flow): { owner: OwnerCommands; published: Array<ReturnType<typeof parseMessage>> } {
  const published: Array<ReturnType<typeof parseMessage>> = [];
  const client = { publish: (_channel: string, message: string) => (published.push(parseMessage(message)), Promise.resolve(1)) } as unknown as RedisClient;
  return { owner: new OwnerCommands(flow, client, 'ch', (e) => expect.fail(String(e))), published };
}

describe('routilux/bullmq: what an owner answers to a command', () => {
  it('a pause that settles at once is answered with its state; one waiting for work in flight, or refused, is not answered ok', async () => {
    const flow = build();
    const { owner, published } = commands(flow);
    const idle = flow.open();
    owner.apply(idle, { id: '1-0', command: { op: 'pause', reason: 'hold', checkpoint: {} } });
    owner.apply(idle, { id: '2-0', command: { op: 'cancel', reason: 'bye' } }); // (the same batch)
    // Busy while its activation is held (not a 50 ms timer against a 5 ms one: under load the
    // activation could end before the pause was applied, which then settled at once).
    const busy = flow.start('held', {});
    await flow.hold.started;
    owner.apply(busy, { id: '3-0', command: { op: 'pause', reason: 'hold', checkpoint: {} } });
    owner.apply(busy, { id: '4-0', command: { op: 'pause', reason: 'again', checkpoint: {} } }); // refused: paused already
    flow.hold.release();
    await until(() => busy.state.status === 'paused');
    await sleep(10); // (an answer to 3-0 would be published as the pause settles)
    const answers = published.map((m) => (m?.type === 'a' ? [m.ack.id, m.ack.ok, m.ack.ok ? (JSON.parse(m.text) as JobState).status : m.ack.error?.name] : m));
    expect(answers).to.deep.equal([
      ['1-0', true, 'paused'],
      ['4-0', false, 'JobStateError'],
    ]);
  });

  it('a resume of a job that ended is refused (one of a running job changes nothing and is not answered)', async () => {
    const flow = build();
    const { owner, published } = commands(flow);
    const done = flow.start('wait', { ms: 1 });
    await done.wait();
    owner.apply(done, { id: '5-0', command: { op: 'resume' } });
    const running = flow.start('wait', { ms: 30 });
    owner.apply(running, { id: '6-0', command: { op: 'resume' } });
    await running.wait();
    expect(published.map((m) => m?.type === 'a' && [m.ack.id, m.ack.ok, m.ack.error?.message])).to.deep.equal([['5-0', false, `cannot resume job '${done.jobId}': it is completed`]]);
  });
});
