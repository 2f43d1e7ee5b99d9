/**
 * validation_overhead: what schema validation costs per activation (issue 21: "the costs of the
 * newer features, measured"). chain10 (see chain10.ts) three ways, interleaved
 * (bench/lib/overhead.ts): plain; every relay's and the sink's slot with a Standard Schema
 * whose `validate` returns the value as is (what routilux itself adds per checked activation:
 * the admit step, the result's inspection, the validated payload handed on); and the same slots
 * with zod's `z.object({ value: z.number() })` (what a real schema library adds on top). Unit:
 * slot activations (10·N) of the zod runs. `x_plain_*` is the median over rounds of variant /
 * plain CPU time of the same round; `ns_added_*` the difference of the median CPU times per
 * activation (9 of every 10 activations are checked: the entry's slot has no schema). No
 * target: the issue asks for the figure.
 *
 *   tsx bench/workloads/validation-overhead.ts --n 100000 [--runs 9]
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import { Flow, Routine } from '../../lib/index.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, median, round } from '../lib/measure.js';
import { chain10Variant, interleave } from '../lib/overhead.js';
import { Entry, Tally } from '../lib/routines.js';

type Value = { value: number };

/** A Standard Schema that accepts everything as is: routilux's own cost of a checked slot. */
const passThrough: StandardSchemaV1<unknown, Value> = {
  '~standard': { version: 1, vendor: 'bench', validate: (value) => ({ value: value as Value }) },
};

class CheckedRelay extends Routine {
  constructor(schema: StandardSchemaV1<unknown, Value>) {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot('in', (data: Value) => this.emit('out', { value: data.value + 1 }), { schema });
  }
}

class CheckedRecorder extends Routine {
  tally: Tally = new Tally(0, 0);
  constructor(schema: StandardSchemaV1<unknown, Value>) {
    super();
    this.defineSlot('in', (data: Value) => void this.tally.add(data.value + 1), { schema });
  }
}

/** chain10 as in bench/lib/routines.ts, with `schema` on the slot of r1..r10. */
function checkedChain10(schema: StandardSchemaV1<unknown, Value>): () => { flow: Flow; sink: { tally: Tally } } {
  return () => {
    const flow = new Flow();
    flow.addRoutine(new Entry(), 'entry');
    let previous = 'entry';
    for (let k = 1; k <= 9; k++) {
      flow.addRoutine(new CheckedRelay(schema), `r${k}`);
      flow.connect(previous, 'out', `r${k}`, 'in');
      previous = `r${k}`;
    }
    const sink = new CheckedRecorder(schema);
    flow.addRoutine(sink, 'r10');
    flow.connect(previous, 'out', 'r10', 'in');
    return { flow, sink };
  };
}

main('validation_overhead', async () => {
  const n = numberArg('n', 100_000);
  const runs = numberArg('runs', 9);
  const checks = new Checks();
  const zodSchema = z.object({ value: z.number() });
  const { plain, overheads } = await interleave(
    [
      chain10Variant(),
      chain10Variant(undefined, checkedChain10(passThrough)),
      chain10Variant(undefined, checkedChain10(zodSchema)),
    ],
    runs,
    n,
    checks,
  );
  const [own, zod] = overheads;
  const activations = 10 * n;
  const added = (cpuMs: number[]): number => round(((median(cpuMs) - median(plain.cpuMs)) * 1e6) / activations, 1);
  const seconds = median(zod.ms) / 1000;
  report({
    workload: 'validation_overhead',
    n,
    seconds,
    per_sec: activations / seconds,
    ok: checks.ok,
    unit: 'slot activations (10·N), 9 of 10 with a zod slot schema',
    rounds: runs,
    plain_ns_per_activation: round((median(plain.cpuMs) * 1e6) / activations, 1),
    x_plain_pass_through: own.xPlain,
    ns_added_pass_through: added(own.cpuMs),
    x_plain_zod: zod.xPlain,
    ns_added_zod: added(zod.cpuMs),
    plain_cpu_ms: plain.cpuMs,
    pass_through_cpu_ms: own.cpuMs,
    zod_cpu_ms: zod.cpuMs,
    errors: checks.errors,
  });
});
