/**
 * RemoteView's bookkeeping of pauses and cancels in flight: a refusal heard before the command's
 * reply, a command queued after the job ended, and when the job's channel is still needed.
 */
import { expect } from 'chai';
import { JobStateError } from '../../lib/index.js';
import { RemoteView } from '../../lib/bullmq/remote-view.js';
import { blankState } from '../../lib/bullmq/state-edit.js';

const ack = (id: string): string => `a${JSON.stringify({ id, ok: false, error: { name: 'JobStateError', message: `cannot cancel job 'j': it is paused` } })}\n`;
const status = (seq: number, s: string): string => `s${seq} ${s}\n${JSON.stringify(blankState('j', 'f', s as never, 0).toJSON())}`;

/** Tracks a cancel queued as entry `id` at seq `seq`; resolves with what it settled with ('pending' if nothing yet). */
function track(view: RemoteView, id: string, seq: number): () => Promise<unknown> {
  let outcome: unknown = 'pending';
  view.track({ kind: 'cancel', id, seq, resolve: (s) => (outcome = s.status), reject: (e) => (outcome = e) });
  return async () => outcome;
}

describe('RemoteView: pauses and cancels in flight', () => {
  it('a refusal heard while the command is being sent rejects it once tracked (the ack can come before the reply)', async () => {
    const view = new RemoteView(blankState('j', 'f', 'running', 0), 1);
    view.sendingOp();
    expect(view.busy).to.equal(true);
    view.receive(ack('5-0'));
    const outcome = await track(view, '5-0', 1)();
    expect(outcome).to.be.instanceOf(JobStateError);
    expect((outcome as Error).message).to.match(/it is paused/);
    expect(view.busy).to.equal(false);
  });

  it('a refusal heard while nothing is being sent is not kept (nothing grows with other clients\' acks)', async () => {
    const view = new RemoteView(blankState('j', 'f', 'running', 0), 1);
    view.receive(ack('5-0'));
    view.sendingOp();
    expect(await track(view, '5-0', 1)()).to.equal('pending');
  });

  it('a command queued when the job had completed or been cancelled is rejected at once; one queued when it had failed waits (a resume may come first)', async () => {
    for (const ended of ['completed', 'cancelled']) {
      const view = new RemoteView(blankState('j', 'f', 'running', 0), 1);
      view.sendingOp();
      view.receive(status(2, ended));
      const outcome = await track(view, '5-0', 2)();
      expect(outcome, ended).to.be.instanceOf(JobStateError);
      expect((outcome as Error).message).to.equal(`cannot cancel job 'j': it is ${ended}`);
      expect(view.busy).to.equal(false);
    }
    const view = new RemoteView(blankState('j', 'f', 'running', 0), 1);
    view.sendingOp();
    view.receive(status(2, 'failed'));
    const outcome = track(view, '5-0', 2);
    expect(await outcome()).to.equal('pending');
    expect([view.terminal, view.busy]).to.deep.equal([true, true]);
    view.receive(status(3, 'running'));
    view.receive(status(4, 'cancelled'));
    expect(await outcome()).to.equal('cancelled');
  });

  it('a command that could not be sent leaves nothing in flight', () => {
    const view = new RemoteView(blankState('j', 'f', 'running', 0), 1);
    view.sendingOp();
    view.receive(ack('5-0'));
    view.track(undefined);
    expect(view.busy).to.equal(false);
  });
});
