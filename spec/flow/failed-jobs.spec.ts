import { expect } from 'chai';
import { Flow, Routine, JobStateError } from '../../lib/index.js';

class Flaky extends Routine {
  calls = 0;
  constructor(private readonly failures: number) {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger', (_d, ctx) => {
      if (++this.calls <= this.failures) throw new Error(`failure ${this.calls}`);
      ctx.emit('out', { ok: true });
    });
  }
}

describe('failed jobs in the flow', () => {
  it('a failed job is found by id and resumed in place; afterwards it is live again', async () => {
    const flow = new Flow();
    flow.addRoutine(new Flaky(1), 'f');
    const job = flow.start('f', {}, { jobId: 'j' });
    expect((await job.wait()).status).to.equal('failed');
    expect(flow.jobIds()).to.deep.equal([]); // not live
    expect(flow.getJob('j')).to.equal(job); // but still reachable while referenced
    await flow.cancel('j').then(
      () => expect.fail('cancel of a failed job must reject'),
      (e: unknown) => expect(e).to.be.instanceOf(JobStateError).and.have.property('message').that.includes('failed'),
    );
    const again = flow.resume(job.state);
    expect(again).to.equal(job); // the same job continues: its observers and wait() see it
    expect(flow.jobIds()).to.deep.equal(['j']);
    expect((await job.wait()).status).to.equal('completed');
    expect(flow.jobIds()).to.deep.equal([]);
  });

  it('a new job may reuse the id of a failed one', async () => {
    const flow = new Flow();
    flow.addRoutine(new Flaky(1), 'f');
    const first = flow.start('f', {}, { jobId: 'same' });
    await first.wait();
    const second = flow.start('f', {}, { jobId: 'same' });
    expect((await second.wait()).status).to.equal('completed');
    expect(first.state.status).to.equal('failed');
  });
});
