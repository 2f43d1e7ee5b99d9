import { expect } from 'chai';
import { ConfigurationError, Flow, JOB_JSON_VERSION, JobState, SerializationError, registerJobStateMigration } from '../../lib/index.js';
import { JobStateMigrations } from '../../lib/state/job-state-migrations.js';
import { makeRoutine } from '../helpers/routines.js';

async function currentJSON(): Promise<Record<string, unknown>> {
  const flow = new Flow({ flowId: 'm' });
  flow.addRoutine(makeRoutine({ trigger: (_d, ctx) => ctx.setSharedData('n', 1) }), 'r');
  return JSON.parse(JSON.stringify(await flow.execute('r', { x: 1 }, { jobId: 'mig' })));
}

describe('job JSON migrations', () => {
  it('loads a file of an older version through a registered migration (test-only version 0)', async () => {
    const current = await currentJSON();
    // Version 0, as this test pretends it was: `shared` instead of `sharedData`, no runningTasks.
    const { sharedData, runningTasks: _running, ...rest } = current;
    const v0 = { ...rest, version: 0, shared: sharedData };
    const unregister = registerJobStateMigration(0, ({ shared, ...json }) => ({ ...json, version: 1, sharedData: shared }));
    try {
      const state = JobState.fromJSON(JSON.stringify(v0));
      expect(state.getSharedData('n')).to.equal(1);
      expect(state.runningTasks).to.deep.equal([]);
      expect(state.toJSON()).to.deep.equal(current);
    } finally {
      unregister();
    }
    expect(() => JobState.fromJSON(v0)).to.throw(SerializationError, 'version: unsupported version 0; this library reads version 2');
  });

  it('upgrades step by step to the target version (a version-1 file read as version 3)', () => {
    const migrations = new JobStateMigrations();
    migrations.register(2, (json) => ({ ...json, version: 3, steps: [...(json.steps as string[]), '2->3'] }));
    migrations.register(1, (json) => ({ ...json, version: 2, steps: ['1->2'] }));
    expect(migrations.upgrade({ format: 'routilux.job', version: 1 }, 3)).to.deep.equal({ format: 'routilux.job', version: 3, steps: ['1->2', '2->3'] });
    expect(migrations.upgrade({ version: 3 }, 3)).to.deep.equal({ version: 3 });
  });

  it('refuses what it cannot upgrade, naming why', () => {
    const migrations = new JobStateMigrations();
    migrations.register(1, () => ({ version: 5 }));
    expect(() => migrations.upgrade({ version: 4 }, 3)).to.throw(SerializationError, 'unsupported version 4');
    expect(() => migrations.upgrade({ version: 2 }, 3)).to.throw(SerializationError, 'unsupported version 2');
    expect(() => migrations.upgrade({ version: '1' }, 3)).to.throw(SerializationError, `unsupported version "1"`);
    expect(() => migrations.upgrade({ version: 1 }, 3)).to.throw(SerializationError, 'the migration from version 1 must return an object of version 2');
    migrations.register(1, () => {
      throw new Error('bad data');
    });
    expect(() => migrations.upgrade({ version: 1 }, 3)).to.throw(SerializationError, 'the migration from version 1 failed: bad data');
  });

  it('rejects bad registrations with ConfigurationError', () => {
    expect(() => registerJobStateMigration(-1, (j) => j)).to.throw(ConfigurationError);
    expect(() => registerJobStateMigration(1.5, (j) => j)).to.throw(ConfigurationError);
    expect(() => registerJobStateMigration(0, 'nope' as never)).to.throw(ConfigurationError);
  });

  it('writes the current version', async () => {
    expect((await currentJSON()).version).to.equal(JOB_JSON_VERSION);
  });
});
