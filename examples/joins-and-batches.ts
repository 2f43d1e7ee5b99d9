/**
 * Joins and batches (`npx tsx examples/joins-and-batches.ts`): orders and payments arrive on
 * two inputs of one job; a zip join pairs them (oldest order with oldest payment), and a batch
 * of 2 settles the pairs. No state is kept in the routines: the join's waiting payloads and the
 * batch's items are the job's.
 *
 *   orders ──> match.order   ┐
 *                            ├─ zip join 'paid' ─> settle.in (batch of 2) ─> printed
 *   payments ─> match.payment┘
 *
 * What it prints:
 *   - `settled: A+1, B+2` (a full batch) and then `settled: C+3` (the last, partial batch,
 *     handed over when the job ran out of work: no tail is stranded);
 *   - `unpaid: {"order":[{"id":"D"}],"payment":[]}`: order D never got a payment, so the job
 *     completes with a `join-incomplete` record of what was waiting;
 *   - `job completed`.
 */
import { Flow, Routine, type Payload } from 'routilux';

class Match extends Routine {
  constructor() {
    super();
    this.defineEvent('paid', ['order', 'payment']);
    this.defineJoin('paid', ['order', 'payment'], (data, ctx) => ctx.emit('paid', data));
  }
}

class Settle extends Routine {
  constructor() {
    super();
    this.defineSlot(
      'in',
      ({ items }) => {
        const pairs = (items as Payload[]).map((p) => `${(p.order as Payload).id}+${(p.payment as Payload).amount}`);
        console.log(`settled: ${pairs.join(', ')}`);
      },
      { batch: { size: 2 } },
    );
  }
}

const flow = new Flow({ flowId: 'settlement' });
flow.addRoutine(new Match(), 'match');
flow.addRoutine(new Settle(), 'settle');
flow.connect('match', 'paid', 'settle', 'in');

const job = flow.open();
for (const id of ['A', 'B', 'C', 'D']) job.send('match', 'order', { id });
for (const amount of [1, 2, 3]) job.send('match', 'payment', { amount });
job.close();
const state = await job.wait();

for (const record of state.getExecutionHistory('match')) {
  if (record.eventName === 'join-incomplete') console.log(`unpaid: ${JSON.stringify(record.data.waiting)}`);
}
console.log(`job ${state.status}`);
if (state.status !== 'completed') process.exitCode = 1;
