import { expect } from 'chai';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigurationError, Flow, JobState, Routine, SerializationError } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { makeState, rejected, thrown } from '../fixtures/helpers.js';
import { storeContract } from './store-contract.js';

class Emitter extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['i']);
    this.defineSlot<{ n: number }>('trigger', (data) => {
      for (let i = 0; i < data.n; i++) this.emit('out', { i, text: `ü-${i}` });
    });
  }
}
class Collector extends Routine {
  constructor() {
    super();
    this.defineSlot('in', undefined, { mergeStrategy: 'append' });
  }
}

describe('FileJobStore', () => {
  let root: string;
  let dir: string;
  let n = 0;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'routilux-file-store-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    dir = join(root, `case-${++n}`);
  });

  describe('constructor', () => {
    it('rejects a missing, empty or non-string directory with a ConfigurationError', () => {
      for (const bad of ['', '   ', undefined, null, 42, {}, 'a\0b']) {
        thrown(() => new FileJobStore(bad as unknown as string), ConfigurationError, 'FileJobStore');
      }
    });

    it('resolves the directory to an absolute path and creates it, nested, on first use', async () => {
      const nested = join(dir, 'a', 'b');
      const store = new FileJobStore(nested);
      expect(store.directory).to.equal(nested);
      expect(readdirSync(root)).to.not.include(`case-${n}`);
      expect(await store.list()).to.deep.equal([]);
      expect(readdirSync(nested)).to.deep.equal([]);
    });

    it('reports a directory path that is a file as a ConfigurationError', async () => {
      mkdirSync(dir);
      const file = join(dir, 'plain-file');
      writeFileSync(file, 'x');
      const store = new FileJobStore(file);
      await rejected(store.save(makeState('a')), ConfigurationError, 'not a directory');
    });
  });

  it('round-trips a real job state, one <id>.json file per job', async () => {
    const flow = new Flow({ flowId: 'files' });
    flow.addRoutine(new Emitter(), 'emitter');
    flow.addRoutine(new Collector(), 'collector');
    flow.connect('emitter', 'out', 'collector', 'in');
    const state = await flow.execute('emitter', { n: 4 }, { jobId: 'order-17' });
    const store = new FileJobStore(dir);
    await store.save(state);
    expect(readdirSync(dir)).to.deep.equal(['order-17.json']);
    expect(store.pathOf('order-17')).to.equal(join(dir, 'order-17.json'));
    const onDisk = JSON.parse(readFileSync(join(dir, 'order-17.json'), 'utf8'));
    expect(onDisk.format).to.equal('routilux.job');
    const loaded = await store.load('order-17');
    expect(loaded).to.be.instanceOf(JobState);
    expect(JSON.parse(JSON.stringify(loaded))).to.deep.equal(JSON.parse(JSON.stringify(state)));
    expect(loaded!.slotData['collector.in']).to.deep.equal(state.slotData['collector.in']);
  });

  it('lists, replaces and deletes; unknown ids load as undefined and delete as a no-op', async () => {
    const store = new FileJobStore(dir);
    expect(await store.load('nope')).to.equal(undefined);
    await store.delete('nope');
    await store.save(makeState('a', { updatedAt: 1 }));
    await store.save(makeState('b'));
    await store.save(makeState('a', { updatedAt: 9 }));
    expect(await store.list()).to.deep.equal(['a', 'b']);
    expect((await store.load('a'))!.updatedAt).to.equal(9);
    await store.delete('a');
    await store.delete('a');
    expect(await store.list()).to.deep.equal(['b']);
    expect(await store.load('a')).to.equal(undefined);
    expect(readdirSync(dir)).to.deep.equal(['b.json']);
  });

  it('maps any id to a safe file name inside the directory and back', async () => {
    const ids = [
      'a/b', '../../escape', '..', '.', '', '.hidden', 'job.json', 'a\\b', 'C:\\x', 'with space', 'tab\tnew\nline',
      'CON', 'con', 'nul', 'com1', 'Order-17', 'order-17', 'a%2fb', '%', '%u0041', 'ünïcödé', '日本語', '🎉', '\ud800 lone',
      'trailing.', 'trailing ', 'x'.repeat(500), 'y'.repeat(500), '🎉'.repeat(200), 'a~b', '*?<>|":',
    ];
    const store = new FileJobStore(dir);
    await Promise.all(ids.map((id) => store.save(makeState(id))));
    expect(await store.list()).to.deep.equal([...ids].sort());
    for (const id of ids) expect((await store.load(id))!.jobId).to.equal(id);
    const names = readdirSync(dir);
    expect(names).to.have.length(ids.length);
    // Portable names: one level, no separators or leading dots, short, distinct even ignoring case.
    expect(new Set(names.map((name) => name.toLowerCase())).size).to.equal(ids.length);
    for (const name of names) {
      expect(name).to.match(/^[a-z0-9_%~-]+\.json$/);
      expect(Buffer.byteLength(name)).to.be.at.most(200);
      expect(name).to.not.match(/^(con|prn|aux|nul|com[0-9]|lpt[0-9])\.json$/);
    }
    for (const id of ids) expect(dirname(store.pathOf(id))).to.equal(dir);
    // A fresh store (another process) sees the same ids.
    expect(await new FileJobStore(dir).list()).to.deep.equal([...ids].sort());
  });

  it('saves 50 jobs concurrently', async () => {
    const store = new FileJobStore(dir);
    const ids = Array.from({ length: 50 }, (_, i) => `job-${i}`);
    await Promise.all(ids.map((id, i) => store.save(makeState(id, { sharedData: { i } }))));
    expect(await store.list()).to.deep.equal([...ids].sort());
    const loaded = await Promise.all(ids.map((id) => store.load(id)));
    loaded.forEach((state, i) => expect(state!.getSharedData('i')).to.equal(i));
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('writes saves of one job in call order: the newest snapshot always wins', async () => {
    const store = new FileJobStore(dir);
    const big = 'x'.repeat(200_000); // early writes are slower than later ones
    const saves: Promise<void>[] = [];
    const seenByLoads: Promise<number | undefined>[] = [];
    for (let v = 1; v <= 30; v++) {
      saves.push(store.save(makeState('same', { updatedAt: v, sharedData: v < 10 ? { big } : {} })));
      if (v % 5 === 0) seenByLoads.push(store.load('same').then((s) => s?.updatedAt));
    }
    // Other jobs interleaved do not disturb the order.
    for (let v = 0; v < 10; v++) saves.push(store.save(makeState(`other-${v}`)));
    await Promise.all(saves);
    expect((await store.load('same'))!.updatedAt).to.equal(30);
    // A load issued after a save sees that save (or a later one), never an older one.
    expect(await Promise.all(seenByLoads)).to.deep.equal([5, 10, 15, 20, 25, 30]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('reports a corrupt, empty or foreign file as a SerializationError naming the file', async () => {
    const store = new FileJobStore(dir);
    await store.save(makeState('torn'));
    const file = store.pathOf('torn');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length / 2));
    await rejected(store.load('torn'), SerializationError, file, 'malformed JSON');
    writeFileSync(file, '');
    await rejected(store.load('torn'), SerializationError, file);
    writeFileSync(file, JSON.stringify({ format: 'something-else', version: 1 }));
    await rejected(store.load('torn'), SerializationError, file, 'format');
    writeFileSync(file, JSON.stringify(makeState('another-job')));
    await rejected(store.load('torn'), SerializationError, file, 'another-job');
    // A good save repairs it.
    await store.save(makeState('torn'));
    expect((await store.load('torn'))!.jobId).to.equal('torn');
  });

  it('ignores temp files, foreign files and directories when listing', async () => {
    const store = new FileJobStore(dir);
    await store.save(makeState('real'));
    writeFileSync(join(dir, '.real.json.123.1.abc.tmp'), '{"half":');
    writeFileSync(join(dir, '.hidden.json'), '{}');
    writeFileSync(join(dir, 'README.json'), '{}');
    writeFileSync(join(dir, 'Upper.json'), '{}');
    writeFileSync(join(dir, '%zz.json'), '{}');
    writeFileSync(join(dir, 'con.json'), '{}'); // a name this store never writes (it writes %63on.json)
    writeFileSync(join(dir, 'abc~0000000000000000000000000000000000000000000000000000000000000000.json'), '{"jobId":"abc"}');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    writeFileSync(join(dir, 'sink.log'), '1\n2\n');
    mkdirSync(join(dir, 'sub.json'));
    expect(await store.list()).to.deep.equal(['real']);
    expect(await store.load('con')).to.equal(undefined);
  });

  it('rejects a state JSON cannot carry, naming the job, and keeps the previous file', async () => {
    const store = new FileJobStore(dir);
    await store.save(makeState('big', { updatedAt: 3 }));
    // (A BigInt was the example here; it is encodable since job JSON version 2.)
    const bad = new JobState({ ...makeState('big'), sharedData: { n: () => 1 } });
    await rejected(store.save(bad), SerializationError, "job 'big'");
    expect((await store.load('big'))!.updatedAt).to.equal(3);
  });

  it('rejects non-JobState and non-string ids with a ConfigurationError', async () => {
    const store = new FileJobStore(dir);
    await rejected(store.save({ jobId: 'x' } as unknown as JobState), ConfigurationError, 'JobState');
    await rejected(store.load(undefined as unknown as string), ConfigurationError, 'job id');
    await rejected(store.delete(7 as unknown as string), ConfigurationError, 'job id');
  });

  it('keeps working after a failed write and when the directory is removed behind its back', async () => {
    const store = new FileJobStore(dir);
    await store.save(makeState('a'));
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'now a file');
    await rejected(store.save(makeState('a', { updatedAt: 7 })), Error);
    rmSync(dir);
    await store.save(makeState('a', { updatedAt: 8 }));
    expect((await store.load('a'))!.updatedAt).to.equal(8);
  });
});

describe('FileJobStore: contract', () => {
  let root: string;
  let n = 0;
  before(() => (root = mkdtempSync(join(tmpdir(), 'routilux-file-contract-'))));
  after(() => rmSync(root, { recursive: true, force: true }));
  storeContract('FileJobStore', () => new FileJobStore(join(root, `case-${++n}`)));
});
