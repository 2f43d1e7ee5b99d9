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

describe('RemoteView: a pause settled by its owner’s answer', () => {
  const settled = (id: string): string => `a${JSON.stringify({ id, ok: true })}\n${JSON.stringify(blankState('j', 'f', 'paused', 0).toJSON())}`;

  /** A running view at seq 1 with a pause sent (entry 5-0, queued at seq 1) and state$ observed. */
  function pausing(): { view: RemoteView; emitted: string[]; outcome: () => unknown; track: () => void } {
    const view = new RemoteView(blankState('j', 'f', 'running', 0), 1);
    const emitted: string[] = [];
    view.stateSubject().subscribe((s) => emitted.push(s.status));
    let outcome: unknown = 'pending';
    view.sendingOp();
    const track = (): void => view.track({ kind: 'pause', id: '5-0', seq: 1, resolve: (s) => (outcome = s.status), reject: (e) => (outcome = e) });
    return { view, emitted, outcome: () => outcome, track };
  }

  it('the view says paused when the answer settles the pause, before the checkpoint’s status comes (which is then no news)', () => {
    const p = pausing();
    p.track();
    p.view.receive(settled('5-0'));
    expect([p.outcome(), p.view.status, p.view.resting, p.emitted]).to.deep.equal(['paused', 'paused', true, ['paused']]);
    p.view.receive(status(2, 'paused'));
    expect([p.view.seq, p.emitted]).to.deep.equal([2, ['paused']]);
    p.view.receive(status(3, 'running'));
    expect(p.emitted).to.deep.equal(['paused', 'running']);
  });

  it('an answer heard before the reply settles the pause and the view; a status heard after it, before the reply, wins', () => {
    const early = pausing();
    early.view.receive(settled('5-0'));
    early.track();
    expect([early.outcome(), early.view.status]).to.deep.equal(['paused', 'paused']);
    const newer = pausing();
    newer.view.receive(settled('5-0'));
    newer.view.receive(status(2, 'paused'));
    newer.view.receive(status(3, 'running')); // resumed by another client meanwhile
    newer.track();
    expect([newer.outcome(), newer.view.status, newer.emitted]).to.deep.equal(['paused', 'running', ['paused', 'running']]);
  });

  it('an answer never takes an ended view back', () => {
    const p = pausing();
    p.view.receive(settled('5-0'));
    p.view.receive(status(2, 'cancelled'));
    p.track();
    expect([p.outcome(), p.view.status]).to.deep.equal(['paused', 'cancelled']);
  });
});

describe('RemoteView: a resume from here that the owner refused (the job had ended)', () => {
  const refusal = (id: string): string => `a${JSON.stringify({ id, ok: false, error: { name: 'JobStateError', message: `cannot resume job 'j': it is cancelled` } })}\n`;
  const stored = blankState('j', 'f', 'cancelled', 0);

  /** A paused view at seq 3 resuming: the resume is queued at seq 5, the cancel before it published at 5. */
  function resuming(): { view: RemoteView; refused: () => number } {
    const view = new RemoteView(blankState('j', 'f', 'paused', 0), 3);
    let refused = 0;
    view.resumeRefused = () => void refused++;
    view.local(blankState('j', 'f', 'running', 0)); // (what resume() shows at once)
    view.sendingOp();
    view.hold();
    return { view, refused: () => refused };
  }

  it('the cancelled status heard only after the resume’s reply is stale by seq; the refusal has the stored state read, and it is kept', () => {
    const { view, refused } = resuming();
    view.release(5);
    view.trackResume('9-0');
    view.receive(status(5, 'cancelled')); // dropped: not newer than the resume
    expect(view.status).to.equal('running');
    view.receive(refusal('9-0'));
    expect(refused()).to.equal(1);
    view.keepEnded(5, stored);
    expect([view.status, view.terminal, view.busy]).to.deep.equal(['cancelled', true, false]);
  });

  it('a refusal heard before the resume’s reply is kept for it', () => {
    const { view, refused } = resuming();
    view.receive(refusal('9-0'));
    view.release(5);
    view.trackResume('9-0');
    expect(refused()).to.equal(1);
  });

  it('the cancelled status held while the resume was sent is kept (a resume cannot change it); a paused one is stale', () => {
    const { view } = resuming();
    view.receive(status(5, 'cancelled'));
    view.release(5);
    view.trackResume('9-0');
    expect(view.status).to.equal('cancelled');
    const other = resuming().view;
    other.receive(status(4, 'paused'));
    other.release(5);
    other.trackResume('9-0');
    expect(other.status).to.equal('running');
  });

  it('the stored state kept after a refusal is only an ended one (a failed job may be resumed again)', () => {
    const { view } = resuming();
    view.release(5);
    view.trackResume('9-0');
    view.keepEnded(5, blankState('j', 'f', 'failed', 0));
    expect(view.status).to.equal('running');
  });
});

describe('RemoteView: a resume sent from here, and statuses saved before its owner read it', () => {
  const withCursor = (seq: number, s: string, cursor: string): string => `s${seq} ${s} ${cursor}\n${JSON.stringify(blankState('j', 'f', s as never, 0).toJSON())}`;

  /** A paused view whose resume() was queued as entry `id` at status seq `seq`, as RemoteJob.resume does (messages during the send held). */
  function resumed(id: string, seq: number, during: string[] = []): RemoteView {
    const view = new RemoteView(blankState('j', 'f', 'paused', 0), 2);
    view.hold();
    view.local(blankState('j', 'f', 'running', 0));
    view.sendingOp();
    for (const m of during) view.receive(m);
    view.trackResume(id);
    view.release(seq);
    return view;
  }

  it('a paused status published after the resume was queued, saved with a cursor before it, is not news: the view stays running and wait() does not settle paused', async () => {
    const view = resumed('9-0', 2);
    let settled: string | undefined;
    view.waitFor((s) => (settled = s.status), () => undefined);
    view.receive(withCursor(3, 'paused', '4-0'));
    await Promise.resolve();
    expect([view.status, settled]).to.deep.equal(['running', undefined]);
    view.receive(withCursor(4, 'running', '9-0'));
    view.receive(withCursor(5, 'completed', '9-0'));
    await Promise.resolve();
    expect([view.status, settled]).to.deep.equal(['completed', 'completed']);
  });

  it('the same while the resume is being sent (the stale status held, then dropped), and with no cursor saved yet', () => {
    const view = resumed('9-0', 2, [withCursor(3, 'paused', '')]);
    expect(view.status).to.equal('running');
  });

  it('a failed status shows even when its owner had not read the resume (a worker refusing the job, owners lost)', () => {
    const view = resumed('9-0', 2);
    view.receive(withCursor(3, 'failed', '8-5'));
    expect(view.status).to.equal('failed');
  });

  it('a pause read after the resume is news: its paused status (cursor at or after the resume) shows; so does any status of a message with no cursor (an older worker)', () => {
    const view = resumed('9-0', 2);
    view.receive(withCursor(3, 'running', '9-0'));
    view.receive(withCursor(4, 'paused', '9-3'));
    expect(view.status).to.equal('paused');
    const old = resumed('9-0', 2);
    old.receive(`s3 paused\n${JSON.stringify(blankState('j', 'f', 'paused', 0).toJSON())}`);
    expect(old.status).to.equal('paused');
  });

  it('a resume the owner refused leaves the fence: a later paused status shows', () => {
    const view = resumed('9-0', 2);
    view.receive(`a${JSON.stringify({ id: '9-0', ok: false, error: { name: 'JobStateError', message: 'x' } })}\n`);
    view.receive(withCursor(3, 'paused', '4-0'));
    expect(view.status).to.equal('paused');
  });
});
