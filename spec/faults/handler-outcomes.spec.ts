import { expect } from 'chai';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Flow, Routine } from '../../lib/index.js';
import { HOSTILE, runHostile } from '../fixtures/hostile-handlers.js';

const CHILD = fileURLToPath(new URL('../fixtures/hostile-handlers.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Fault 1 and 2 of issue 14: whatever a handler throws, rejects or returns, the activation
// fails with a safe description under the error policy; nothing reaches the event loop.
describe('faults: hostile handler outcomes', () => {
  for (const [name, behave] of Object.entries(HOSTILE)) {
    it(`a handler that ${name} fails its activation with a safe description`, async () => {
      const state = await runHostile(behave);
      expect(state.status).to.equal('failed');
      expect(state.error!.name).to.be.a('string').that.is.not.empty;
      expect(state.error!.message).to.be.a('string');
      expect(state.error!.routineId).to.equal('r');
      expect(JSON.parse(JSON.stringify(state.toJSON())).error).to.deep.equal({ ...state.error });
    });
  }

  it('the process survives every one of them (run in a child process: exit code 0, one line per case)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const lines = out.trim().split('\n');
    expect(lines).to.have.length(Object.keys(HOSTILE).length);
    for (const line of lines) expect(line).to.match(/: failed \S+$/);
  });

  it('for any thrown or rejected value, and any returned object, the job settles and the error is describable', async () => {
    const anyValue = fc.oneof(
      fc.anything(),
      fc.constant(Object.create(null)),
      fc.string().map((s) => ({ toString: () => { throw new Error(s); } })),
      fc.string().map((s) => Symbol(s)),
    );
    const outcome = fc.oneof(
      anyValue.map((v) => ({ kind: 'throw' as const, v })),
      anyValue.map((v) => ({ kind: 'reject' as const, v })),
      anyValue.map((v) => ({ kind: 'return' as const, v })),
      anyValue.map((v) => ({ kind: 'thenable' as const, v })),
    );
    await fc.assert(
      fc.asyncProperty(outcome, async ({ kind, v }) => {
        const flow = new Flow();
        const r = new Routine();
        r.defineSlot('trigger', (() => {
          if (kind === 'throw') throw v;
          if (kind === 'reject') return Promise.reject(v);
          if (kind === 'thenable') return { then: () => { throw v; } };
          return v;
        }) as never);
        flow.addRoutine(r, 'r');
        const state = await flow.execute('r', {});
        expect(['completed', 'failed']).to.include(state.status);
        if (kind !== 'return') expect(state.status).to.equal('failed');
        if (state.status === 'failed') {
          expect(state.error!.name).to.be.a('string');
          expect(state.error!.message).to.be.a('string');
        }
      }),
      { numRuns: 200 },
    );
  });
});
