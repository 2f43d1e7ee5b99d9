import type { Connection } from './connection.js';
import type { Routine } from './routine.js';

/**
 * @internal Each routine's place in a topological order of the graph: upstream routines come
 * first (Kahn's algorithm, ties in the order routines were added); routines on a cycle follow,
 * in the order they were added.
 *
 * @example
 * ```ts
 * const rank = topologicalRank(graph.routines.values(), graph.connections);
 * rank.get(upstream)! < rank.get(downstream)!; // true
 * ```
 */
export function topologicalRank(routines: Iterable<Routine>, connections: readonly Connection[]): Map<Routine, number> {
  const all = [...routines];
  const indegree = new Map<Routine, number>(all.map((r) => [r, 0]));
  const next = new Map<Routine, Routine[]>(all.map((r) => [r, []]));
  for (const c of connections) {
    const from = c.event.routine;
    const to = c.slot.routine;
    if (from === to || !indegree.has(from) || !indegree.has(to)) continue;
    next.get(from)!.push(to);
    indegree.set(to, indegree.get(to)! + 1);
  }
  const rank = new Map<Routine, number>();
  const ready = all.filter((r) => indegree.get(r) === 0);
  while (ready.length > 0) {
    const r = ready.shift()!;
    rank.set(r, rank.size);
    for (const t of next.get(r)!) {
      const d = indegree.get(t)! - 1;
      indegree.set(t, d);
      if (d === 0) ready.push(t);
    }
  }
  for (const r of all) if (!rank.has(r)) rank.set(r, rank.size);
  return rank;
}
