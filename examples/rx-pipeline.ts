/**
 * An RxJS pipeline that pipes through a flow (`npx tsx examples/rx-pipeline.ts`).
 *
 * Log lines stream in from an Observable, go through a three-routine flow (parse → classify →
 * a Batcher), and the batches come back out as an Observable we keep composing with RxJS.
 *
 * What it prints:
 *   - `batch of 3: [...]` lines: parsed entries grouped three at a time by the Batcher; the
 *     last batch holds the remainder (flushed when the stream ends, before the job settles);
 *   - `errors seen: 2`: the classify routine's CONTINUE policy skipped two malformed lines,
 *     which do not stop the stream;
 *   - `done` when upstream completed and the job settled.
 */
import { from, map, concatMap, delay, of } from 'rxjs';
import { Flow, Routine, Batcher, ErrorStrategy, throughFlow, type Payload } from 'routilux';

class Parse extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['level', 'message']);
    this.defineSlot<{ line: string }>('in', ({ line }) => {
      const match = /^(\w+): (.*)$/.exec(line);
      if (!match) throw new SyntaxError(`unparseable line: ${JSON.stringify(line)}`);
      this.emit('out', { level: match[1].toLowerCase(), message: match[2] });
    });
  }
}

class Classify extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['data']);
    this.defineSlot<{ level: string; message: string }>('in', (entry) => {
      this.emit('out', { data: { ...entry, urgent: entry.level === 'error' } });
    });
  }
}

const flow = new Flow({ flowId: 'log-pipeline' });
const parse = new Parse();
parse.setAsOptional(ErrorStrategy.CONTINUE); // a bad line is recorded, the stream goes on
flow.addRoutine(parse, 'parse');
flow.addRoutine(new Classify(), 'classify');
flow.addRoutine(new Batcher({ size: 3 }), 'batch');
flow.connect('parse', 'out', 'classify', 'in');
flow.connect('classify', 'out', 'batch', 'input');

const lines = ['INFO: started', 'garbage', 'WARN: disk 80%', 'ERROR: disk full', 'INFO: retrying', '???', 'INFO: recovered', 'INFO: done', 'WARN: slow shutdown'];

from(lines)
  .pipe(
    concatMap((line) => of(line).pipe(delay(1))), // a live-ish source
    map((line): Payload => ({ line })),
    throughFlow(flow, { entry: 'parse', slot: 'in', output: ['batch', 'output'] }),
    map((batch) => batch.items as Array<{ level: string; urgent: boolean }>),
  )
  .subscribe({
    next: (items) => console.log(`batch of ${items.length}:`, JSON.stringify(items.map((i) => `${i.level}${i.urgent ? '!' : ''}`))),
    complete: () => {
      console.log(`errors seen: ${String(parse.stats().errors)}`);
      console.log('done');
    },
  });
