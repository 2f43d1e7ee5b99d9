import { expect } from 'chai';
import { Flow, MemoryJobStore, SerializationError, type Payload } from '../../lib/index.js';
import { makeRoutine } from '../helpers/routines.js';

// Found by review: a value whose reading throws (a revoked proxy, a throwing trap or getter)
// made state.toJSON() throw a raw TypeError, and a checkpoint of it never failed the job.
const revoked = (): object => {
  const p = Proxy.revocable({}, {});
  p.revoke();
  return p.proxy;
};
const HOSTILE: Record<string, () => unknown> = {
  'a revoked proxy': revoked,
  'a proxy whose ownKeys trap throws': () => new Proxy({}, { ownKeys: () => { throw new Error('ownKeys'); } }),
  'a throwing getter': () => ({ get a(): never { throw new Error('getter'); } }),
};

describe('values whose reading throws', () => {
  for (const [name, make] of Object.entries(HOSTILE)) {
    it(`${name} in shared data: toJSON is a SerializationError naming the path, and a checkpoint fails the job`, async () => {
      const flow = new Flow({ store: new MemoryJobStore(), checkpoint: 'always' });
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { ctx.setSharedData('k', make()); ctx.emit('out', {}); } }), 'r');
      flow.addRoutine(makeRoutine({ in: () => new Promise((res) => setTimeout(res, 30)) }, []), 's');
      flow.connect('r', 'out', 's', 'in');
      const job = flow.start('r', {}, { jobId: 'h' });
      const end = await job.wait();
      expect(() => JSON.stringify(end)).to.throw(SerializationError, 'sharedData.k');
      expect(end.status).to.equal('failed');
      expect(end.error).to.deep.include({ name: 'SerializationError' });
    });
  }
});
