/**
 * The journal's JSON of a task view whose merged payload is its payload (lib/state/
 * shared-payload-task-json.ts) is made without superjson: it must be exactly what the value
 * codec makes, and any view outside that one case must take the codec's path.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { toJSONTree } from '../../lib/core/value-codec.js';
import { sharedPayloadTaskJSON } from '../../lib/state/shared-payload-task-json.js';
import { journalEntryFromJSON, journalEntryToJSON } from '../../lib/state/job-journal-json.js';
import type { PendingTask } from '../../lib/index.js';

const viewOf = (data: object, merged: unknown = data, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  routineId: 's2', slotName: 'in', data, attempt: 1, enqueuedAt: 1_796_075_140_582, seq: 3, source: { routineId: 's1', eventName: 'out' }, ...extra, merged,
});

const codec = (value: unknown): string => JSON.stringify(toJSONTree(value, { what: 'job', path: 'runningTasks[+0]' }));

/** Payload objects of every kind the codec meets: plain JSON, and what needs superjson or is refused. */
const payload: fc.Arbitrary<object> = fc
  .oneof(
    fc.jsonValue(),
    fc.anything({ withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: false, withTypedArray: true, withBigInt: true, withObjectString: false, maxDepth: 3 }),
  )
  .map((v) => (typeof v === 'object' && v !== null ? v : { v }));

describe('sharedPayloadTaskJSON', () => {
  it('property: whenever it answers, its JSON is exactly the value codec\'s', () => {
    fc.assert(
      fc.property(payload, fc.constantFrom('same', 'copy', 'reorder', 'shared-inside', 'odd-field'), (data, variant) => {
        let view: Record<string, unknown>;
        if (variant === 'same') view = viewOf(data);
        else if (variant === 'copy') view = viewOf(data, structuredCloneOr(data));
        else if (variant === 'reorder') view = { merged: data, ...viewOf(data) };
        else if (variant === 'shared-inside') view = viewOf({ a: data, b: data });
        else view = viewOf(data, data, { dueAt: -0, delayLeft: undefined });
        const fast = sharedPayloadTaskJSON(Object.freeze(view));
        if (fast === undefined) return;
        expect(JSON.stringify(fast)).to.equal(codec(view));
      }),
      { numRuns: 400 },
    );
  });

  it('answers for a plain-JSON payload shared by data and merged (the turn\'s running task), as the codec does', () => {
    for (const data of [{ step: 1 }, {}, [1, 'a', null, true, { b: [2.5] }], { a: { b: { c: 'x' } }, list: [{ d: 1 }, { d: 2 }] }]) {
      const view = Object.freeze(viewOf(data));
      const fast = sharedPayloadTaskJSON(view);
      expect(fast, JSON.stringify(data)).to.not.equal(undefined);
      expect(JSON.stringify(fast)).to.equal(codec(view));
    }
  });

  it('leaves to the codec: merged not data, a Date, -0, NaN, undefined, a repeated object, a special key, a class instance', () => {
    const x = { n: 1 };
    const cases: unknown[] = [
      viewOf({ step: 1 }, { step: 1 }),
      viewOf({ at: new Date(0) }),
      viewOf({ n: -0 }),
      viewOf({ n: NaN }),
      viewOf({ n: undefined }),
      viewOf({ a: x, b: x }),
      viewOf(JSON.parse('{"__proto__": {"a": 1}}') as object),
      viewOf({ $superjson: { json: 1 } }),
      viewOf(new Map([[1, 2]])),
      viewOf({ step: 1 }, { step: 1 }, { attempt: Infinity }),
      { merged: x, data: x },
      Object.assign(Object.create(null) as object, viewOf(x)),
    ];
    for (const view of cases) expect(sharedPayloadTaskJSON(view)).to.equal(undefined);
  });

  it('a journal entry holding such a task reads back from its object form (no text) with merged being data, the view untouched', () => {
    const data = { step: 1, nested: { a: [1, 2] } };
    const view = Object.freeze(viewOf(data)) as unknown as PendingTask;
    const json = journalEntryToJSON({ jobId: 'j1', fields: { runningTasks: { drop: 1, append: [view] } } });
    const back = journalEntryFromJSON(json);
    const change = back.fields.runningTasks as unknown as { drop: number; append: PendingTask[] };
    expect(change.append[0].merged).to.equal(change.append[0].data);
    expect(change.append[0].data).to.deep.equal(data);
    expect(view.merged).to.equal(view.data);
    const fromText = journalEntryFromJSON(JSON.stringify(json));
    const task = (fromText.fields.runningTasks as unknown as { append: PendingTask[] }).append[0];
    expect(task.merged).to.equal(task.data);
    expect(task).to.deep.equal(view);
  });
});

function structuredCloneOr(value: object): unknown {
  try {
    return structuredClone(value);
  } catch {
    return { copy: true };
  }
}
