/**
 * serialize: a chain of 100 routines of a registered class, one message through it, then
 * `flow.toJSON()` + `state.toJSON()` → JSON text → `Flow.fromJSON` + `JobState.fromJSON`.
 * Reports the round trip (median over many iterations) and the JSON bytes, and checks the
 * loaded flow has the same wiring and carries a message end to end (the Python original re-wired
 * every connection to the first routine with the same event name).
 *
 *   tsx bench/workloads/serialize.ts --iterations 300
 */
import { Flow, JobState, Routine, registerRoutine } from '../../lib/index.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, median, nowMs, round } from '../lib/measure.js';

const HOPS = 100;
const TARGET_MS = 2;

/** One hop: `in` ({ value }) emits `{ value: value + 1 }` on `out`. */
class BenchHop extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot<{ value: number }>('in', this.onIn);
  }
  onIn(data: { value: number }): void {
    this.emit('out', { value: data.value + 1 });
  }
}
registerRoutine('BenchHop', BenchHop);

function buildChain(): Flow {
  const flow = new Flow({ flowId: 'serialize-bench' });
  for (let k = 0; k < HOPS; k++) {
    flow.addRoutine(new BenchHop(), `hop${k}`);
    if (k > 0) flow.connect(`hop${k - 1}`, 'out', `hop${k}`, 'in');
  }
  return flow;
}

/** Sends `{ value: 0 }` into hop0 and returns the value that left the last hop. */
async function runThrough(flow: Flow): Promise<{ state: JobState; last: number | undefined }> {
  let last: number | undefined;
  const sub = flow.observe(`hop${HOPS - 1}`, 'out').subscribe((p) => (last = p.value as number));
  const state = await flow.execute('hop0', { value: 0 }, { slot: 'in' });
  sub.unsubscribe();
  return { state, last };
}

function connectionsOf(flow: Flow): string {
  return JSON.stringify(flow.connections.map((c) => c.toJSON()));
}

const WARMUP_MS = 500;

main('serialize', async () => {
  const iterations = numberArg('iterations', 300);
  const checks = new Checks();
  const flow = buildChain();
  const { state, last } = await runThrough(flow);
  checks.equal(state.status, 'completed', 'original job status');
  checks.equal(last, HOPS, 'value out of the original chain');

  const phases = { flowToJSON: [] as number[], stateToJSON: [] as number[], stringify: [] as number[], parse: [] as number[], fromJSON: [] as number[] };
  const total: number[] = [];
  let text = '';
  let loaded: { flow: Flow; state: JobState } | undefined;
  // Warm up by time as well as by count: on this VM a process that starts after an idle spell
  // (the io_concurrent runs) runs ~2x slower for its first few hundred ms.
  const warmupEnd = nowMs() + WARMUP_MS;
  for (let i = 0, measured = 0; measured < iterations; i++) {
    const t0 = nowMs();
    const flowJson = flow.toJSON();
    const tf = nowMs();
    const json = { flow: flowJson, state: state.toJSON() };
    const t1 = nowMs();
    text = JSON.stringify(json);
    const t2 = nowMs();
    const parsed = JSON.parse(text) as { flow: unknown; state: unknown };
    const t3 = nowMs();
    loaded = { flow: Flow.fromJSON(parsed.flow), state: JobState.fromJSON(parsed.state) };
    const t4 = nowMs();
    if (i < 20 || t4 < warmupEnd) continue; // warm-up
    measured++;
    phases.flowToJSON.push(tf - t0);
    phases.stateToJSON.push(t1 - tf);
    phases.stringify.push(t2 - t1);
    phases.parse.push(t3 - t2);
    phases.fromJSON.push(t4 - t3);
    total.push(t4 - t0);
  }

  const back = loaded!;
  checks.equal(connectionsOf(back.flow), connectionsOf(flow), 'connections after the round trip');
  checks.equal(back.flow.routines.size, HOPS, 'routines after the round trip');
  checks.that(back.flow.getRoutine('hop50') instanceof BenchHop, 'routines come back as their registered class');
  checks.equal(JSON.stringify(back.state.toJSON()), JSON.stringify(state.toJSON()), 'job state JSON after the round trip');
  checks.equal(back.state.executionHistory.length, state.executionHistory.length, 'history entries after the round trip');
  const again = await runThrough(back.flow);
  checks.equal(again.state.status, 'completed', 'job status on the loaded flow');
  checks.equal(again.last, HOPS, 'value out of the loaded chain');

  const ms = median(total);
  const bytes = Buffer.byteLength(text);
  const flowBytes = Buffer.byteLength(JSON.stringify(flow.toJSON()));
  report({
    workload: 'serialize',
    n: HOPS,
    seconds: ms / 1000,
    per_sec: 1000 / ms,
    ok: checks.ok,
    unit: 'round trips (flow + job state)',
    round_trip_ms: round(ms, 3),
    flow_to_json_ms: round(median(phases.flowToJSON), 3),
    state_to_json_ms: round(median(phases.stateToJSON), 3),
    stringify_ms: round(median(phases.stringify), 3),
    parse_ms: round(median(phases.parse), 3),
    from_json_ms: round(median(phases.fromJSON), 3),
    bytes,
    flow_bytes: flowBytes,
    state_bytes: bytes - flowBytes,
    iterations,
    target: `round trip < ${TARGET_MS} ms`,
    meets_target: ms < TARGET_MS,
    errors: checks.errors,
  });
});
