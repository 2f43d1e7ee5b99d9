import type { Routine } from '../model/routine.js';
import type { Connection } from '../model/connection.js';
import type { Join } from '../model/join.js';
import type { SlotActivationOptions } from '../model/slot-policy.js';

/**
 * What a diagram shows of a flow: its id, routines and connections (a `Flow` is one).
 *
 * @example
 * ```ts
 * const graph: DiagramSource = flow;
 * ```
 */
export interface DiagramSource {
  readonly flowId: string;
  readonly routines: ReadonlyMap<string, Routine>;
  readonly connections: readonly Connection[];
}

/**
 * Mermaid flowchart of a flow: one node per routine (id, class, slots and events, a slot's
 * activation policy in brackets), one node per join (its mode and slots) pointing at its
 * routine, and one edge per connection labelled `event → slot` plus its param mapping (an edge
 * into a join's slot goes to the join's node).
 *
 * @example
 * ```ts
 * toMermaid(flow); // 'flowchart LR\n  source["source<br/>Source<br/>in: trigger<br/>out: out"]\n  source -->|"out → in"| sink'
 * ```
 */
export function toMermaid(flow: DiagramSource): string {
  const ids = nodeIds(flow);
  const joins = joinNodes(flow, new Set(ids.values()), (id) => /^[A-Za-z_][\w]*$/.test(id));
  const lines = ['flowchart LR'];
  for (const [id, routine] of flow.routines) {
    lines.push(`  ${ids.get(id)}["${routineLabel(id, routine).map(mermaidText).join('<br/>')}"]`);
    for (const join of routine.joinList()) {
      const node = joins.get(join)!;
      lines.push(`  ${node}{{"${mermaidText(joinLabel(join))}"}}`, `  ${node} --> ${ids.get(id)}`);
    }
  }
  for (const c of flow.connections) {
    const target = c.slot.join !== undefined ? joins.get(c.slot.join)! : ids.get(c.targetId);
    lines.push(`  ${ids.get(c.sourceId)} -->|"${mermaidText(edgeLabel(c.eventName, c.slotName, c.paramMapping))}"| ${target}`);
  }
  return lines.join('\n');
}

/**
 * Graphviz DOT of a flow, with the same content as {@link toMermaid}.
 *
 * @example
 * ```ts
 * toDot(flow); // 'digraph "demo" {\n  rankdir=LR;\n  "source" [label="source\\nSource ..."];\n ...}'
 * ```
 */
export function toDot(flow: DiagramSource): string {
  const joins = joinNodes(flow, new Set(flow.routines.keys()), () => true);
  const lines = [`digraph ${dotString(flow.flowId)} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const [id, routine] of flow.routines) {
    lines.push(`  ${dotString(id)} [label=${dotString(routineLabel(id, routine).join('\n'))}];`);
    for (const join of routine.joinList()) {
      const node = dotString(joins.get(join)!);
      lines.push(`  ${node} [label=${dotString(joinLabel(join))}, shape=hexagon];`, `  ${node} -> ${dotString(id)};`);
    }
  }
  for (const c of flow.connections) {
    const target = c.slot.join !== undefined ? joins.get(c.slot.join)! : c.targetId;
    lines.push(`  ${dotString(c.sourceId)} -> ${dotString(target)} [label=${dotString(edgeLabel(c.eventName, c.slotName, c.paramMapping))}];`);
  }
  lines.push('}');
  return lines.join('\n');
}

/** A routine's label lines: id, class, its own slots (a policy in brackets), events. Join slots are on the join's node. */
function routineLabel(id: string, routine: Routine): string[] {
  const slots = routine
    .slotList()
    .filter((s) => s.join === undefined)
    .map((s) => s.name + policyNote(s.activationOptions()))
    .join(', ');
  const events = routine.eventList().map((e) => e.name).join(', ');
  return [id, routine.constructor.name, slots && `in: ${slots}`, events && `out: ${events}`].filter(Boolean);
}

function policyNote(options: SlotActivationOptions | undefined): string {
  if (options === undefined) return '';
  if (options.window !== undefined) return ` [window ${options.window} ms]`;
  if (options.activation !== undefined) return ` [${options.activation}]`;
  const { size, maxWait } = options.batch!;
  return ` [batch${size !== undefined ? ` ${size}` : ''}${maxWait !== undefined ? ` / ${maxWait} ms` : ''}]`;
}

function joinLabel(join: Join): string {
  return `${join.name}: ${join.mode}(${join.slotNames.join(', ')})`;
}

/** One node per join, named `${routineNode}__${join}` (or with a number) so it never takes a routine's name. */
function joinNodes(flow: DiagramSource, taken: Set<string>, usable: (id: string) => boolean): Map<Join, string> {
  const out = new Map<Join, string>();
  let n = 0;
  for (const [id, routine] of flow.routines) {
    for (const join of routine.joinList()) {
      let node = `${id}__${join.name}`;
      while (!usable(node) || taken.has(node)) node = `j${n++}`;
      taken.add(node);
      out.set(join, node);
    }
  }
  return out;
}

function edgeLabel(eventName: string, slotName: string, mapping: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(mapping).map(([from, to]) => `${from}→${to}`);
  return `${eventName} → ${slotName}${pairs.length ? ` {${pairs.join(', ')}}` : ''}`;
}

/** Mermaid node ids must be simple; routine ids may be anything, so map them to n0, n1, ... when needed. */
function nodeIds(flow: DiagramSource): Map<string, string> {
  const ids = new Map<string, string>();
  let i = 0;
  for (const id of flow.routines.keys()) ids.set(id, /^[A-Za-z_][\w]*$/.test(id) && !/^(end|graph|subgraph|flowchart)$/i.test(id) ? id : `n${i}`), i++;
  return ids;
}

function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
