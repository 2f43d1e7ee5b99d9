// chain10 as a 10-node LangGraph.js StateGraph, one invoke per message: r1..r9 add 1 to
// `value`, r10 records value + 1 (so message i is recorded as i + 10, as in routilux's chain10).
// Unit: node activations (10·N).   node bench/peers/langgraph-chain10.mjs --n 2000
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { Tally, measure, numberArg, report, versionOf } from './common.mjs';

const n = numberArg('n', 2000);
const runs = numberArg('runs', 3);
const State = Annotation.Root({ value: Annotation() });

async function once(size) {
  const tally = new Tally(size, 10);
  const graph = new StateGraph(State);
  for (let k = 1; k <= 9; k++) graph.addNode(`r${k}`, (s) => ({ value: s.value + 1 }));
  graph.addNode('r10', (s) => {
    tally.add(s.value + 1);
    return {};
  });
  graph.addEdge(START, 'r1');
  for (let k = 1; k <= 9; k++) graph.addEdge(`r${k}`, `r${k + 1}`);
  graph.addEdge('r10', END);
  const app = graph.compile();
  for (let i = 0; i < size; i++) await app.invoke({ value: i });
  return tally.problems();
}

const { ms, runs: all, errors } = await measure(once, n, runs);
report({
  workload: 'peer_langgraph_chain10',
  n,
  seconds: ms / 1000,
  per_sec: Math.round((10 * n) / (ms / 1000)),
  ok: errors.length === 0,
  unit: 'node activations (10·N), one invoke per message',
  peer: `@langchain/langgraph@${versionOf('@langchain/langgraph')}`,
  runs_ms: all.map((x) => Math.round(x)),
  ...(errors.length > 0 ? { errors: errors.slice(0, 10) } : {}),
});
