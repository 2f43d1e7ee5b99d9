import type { Routine } from '../model/routine.js';
import type { Connection } from '../model/connection.js';

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
 * Mermaid flowchart of a flow: one node per routine (id, class, slots and events), one edge
 * per connection labelled `event → slot` plus its param mapping.
 *
 * @example
 * ```ts
 * toMermaid(flow); // 'flowchart LR\n  source["source<br/>Source<br/>in: trigger<br/>out: out"]\n  source -->|"out → in"| sink'
 * ```
 */
export function toMermaid(flow: DiagramSource): string {
  const ids = nodeIds(flow);
  const lines = ['flowchart LR'];
  for (const [id, routine] of flow.routines) {
    const slots = routine.slotList().map((s) => s.name).join(', ');
    const events = routine.eventList().map((e) => e.name).join(', ');
    const label = [id, routine.constructor.name, slots && `in: ${slots}`, events && `out: ${events}`].filter(Boolean).map(mermaidText).join('<br/>');
    lines.push(`  ${ids.get(id)}["${label}"]`);
  }
  for (const c of flow.connections) {
    lines.push(`  ${ids.get(c.sourceId)} -->|"${mermaidText(edgeLabel(c.eventName, c.slotName, c.paramMapping))}"| ${ids.get(c.targetId)}`);
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
  const lines = [`digraph ${dotString(flow.flowId)} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const [id, routine] of flow.routines) {
    const slots = routine.slotList().map((s) => s.name).join(', ');
    const events = routine.eventList().map((e) => e.name).join(', ');
    const label = [id, routine.constructor.name, slots && `in: ${slots}`, events && `out: ${events}`].filter(Boolean).join('\n');
    lines.push(`  ${dotString(id)} [label=${dotString(label)}];`);
  }
  for (const c of flow.connections) {
    lines.push(`  ${dotString(c.sourceId)} -> ${dotString(c.targetId)} [label=${dotString(edgeLabel(c.eventName, c.slotName, c.paramMapping))}];`);
  }
  lines.push('}');
  return lines.join('\n');
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
