import { expect } from 'chai';
import { Flow, type ExecuteOptions, type Job, type JobRunner } from '../../lib/index.js';
import { makeRoutine } from '../helpers/routines.js';

describe('Flow.start default options (review 5)', () => {
  it('hands a custom JobRunner an options object it may fill in (as it could before the shared default)', () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => undefined }, []), 'r');
    const seen: ExecuteOptions[] = [];
    const runner: JobRunner = {
      start(f, entryId, params, options) {
        // A runner that stamps its own id when none is given (an ordinary thing to do).
        options.jobId ??= `mine-${seen.length}`;
        seen.push(options);
        return f.start(entryId, params, { ...options, runner: null });
      },
      open(f, options) {
        return f.open({ ...options, runner: null });
      },
    };
    let job: Job | undefined;
    expect(() => (job = flow.start('r', {}, undefined as unknown as ExecuteOptions))).to.not.throw();
    expect(() => (job = flow.start('r', {}, { runner }))).to.not.throw();
    const viaFlow = new Flow({ runner });
    viaFlow.addRoutine(makeRoutine({ trigger: () => undefined }, []), 'r');
    expect(() => (job = viaFlow.start('r'))).to.not.throw();
    expect(job).to.not.equal(undefined);
    expect(seen.map((o) => o.jobId)).to.deep.equal(['mine-0', 'mine-1']);
  });
});
