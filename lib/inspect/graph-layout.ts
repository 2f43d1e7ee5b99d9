import type { DiagramSource } from '../serialization/diagram.js';
import { mergeStrategyName } from '../model/merge.js';
import type { Slot } from '../model/slot.js';

/** How a slot waits, in a few words: its join, or its own activation policy. */
function activationLabel(s: Slot): string | undefined {
  if (s.join !== undefined) return `join ${s.join.name} (${s.join.mode})`;
  const batch = s.batch;
  if (batch !== undefined) return `batch${batch.size !== undefined ? ` ${batch.size}` : ''}${batch.maxWait !== undefined ? ` / ${batch.maxWait} ms` : ''}`;
  if (s.window !== undefined) return `window ${s.window} ms`;
  return s.activation === undefined ? undefined : `policy ${s.activation}`;
}

/** A routine as the inspector draws it. @example `layout.nodes.find((n) => n.id === 'price')?.slots` */
export interface GraphNode {
  readonly id: string;
  /** The routine's class name. */
  readonly type: string;
  /** `activation`: the slot's join (`join pair (zip)`) or activation policy (`batch 100 / 50 ms`, `window 1000 ms`, `policy name`). */
  readonly slots: readonly { readonly name: string; readonly mergeStrategy: string; readonly activation?: string }[];
  readonly events: readonly string[];
  /** Its own error policy (`retry ×3`, `skip`, …), if it has one. */
  readonly policy?: string;
  readonly layer: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A connection as the inspector draws it: from an event port to a slot port. @example `edge.label // 'order → in {sku→item}'` */
export interface GraphEdge {
  readonly sourceId: string;
  readonly eventName: string;
  readonly targetId: string;
  readonly slotName: string;
  readonly label: string;
  /** SVG path data, from the source's event port to the target's slot port. */
  readonly path: string;
  readonly labelX: number;
  readonly labelY: number;
  /** It goes to a routine in the same or an earlier layer (a cycle). */
  readonly back: boolean;
}

/** Where every routine and connection of a flow goes in a picture. @example `layoutFlow(flow).width` */
export interface GraphLayout {
  readonly flowId: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

const NODE_WIDTH = 180;
const HEADER = 44;
const ROW = 18;
const GAP_X = 130;
const GAP_Y = 36;
const PAD = 24;

/**
 * Lays a flow's graph out left to right by topological layer: a routine sits one layer right
 * of the furthest routine that feeds it (routines on a cycle after their first predecessor);
 * within a layer, in the order of the routines that feed them. Slots are ports on the left of
 * a node, events on the right; each connection is a curve from event port to slot port.
 * Pure and deterministic (the same flow gives the same picture).
 *
 * @example
 * ```ts
 * const layout = layoutFlow(flow);
 * renderGraphSvg(layout); // '<svg …>'
 * ```
 */
export function layoutFlow(flow: DiagramSource): GraphLayout {
  const ids = [...flow.routines.keys()];
  const layer = layers(ids, flow.connections);
  const columns: string[][] = [];
  for (const id of ids) (columns[layer.get(id)!] ??= []).push(id);
  const place = new Map<string, { x: number; y: number; height: number }>();
  let height = 0;
  columns.forEach((column, l) => {
    if (l > 0) column.sort((a, b) => meanFeederY(a, flow, place) - meanFeederY(b, flow, place));
    let y = PAD;
    for (const id of column) {
      const r = flow.routines.get(id)!;
      const h = HEADER + ROW * Math.max(1, r.slotList().length, r.eventList().length) + 8;
      place.set(id, { x: PAD + l * (NODE_WIDTH + GAP_X), y, height: h });
      y += h + GAP_Y;
    }
    height = Math.max(height, y - GAP_Y + PAD);
  });
  const nodes: GraphNode[] = ids.map((id) => {
    const r = flow.routines.get(id)!;
    const p = place.get(id)!;
    const handler = r.getErrorHandler();
    const policy = handler === undefined ? undefined : handler.strategy === 'retry' ? `retry ×${handler.maxRetries}` : handler.strategy;
    return {
      id,
      type: r.constructor.name || 'Routine',
      slots: r.slotList().map((s) => {
        const activation = activationLabel(s);
        return { name: s.name, mergeStrategy: mergeStrategyName(s.mergeStrategy) ?? 'custom', ...(activation !== undefined ? { activation } : {}) };
      }),
      events: r.eventList().map((e) => e.name),
      ...(policy !== undefined ? { policy } : {}),
      layer: layer.get(id)!,
      x: p.x,
      y: p.y,
      width: NODE_WIDTH,
      height: p.height,
    };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = flow.connections.map((c) => edgeOf(c, byId.get(c.sourceId)!, byId.get(c.targetId)!));
  const width = PAD * 2 + Math.max(1, columns.length) * NODE_WIDTH + Math.max(0, columns.length - 1) * GAP_X;
  return { flowId: flow.flowId, width, height: Math.max(height, 2 * PAD), nodes, edges };
}

/** Longest-path layers over the graph's topological order (Kahn; the routines of a cycle in the order they were added). */
function layers(ids: readonly string[], connections: DiagramSource['connections']): Map<string, number> {
  const indegree = new Map(ids.map((id) => [id, 0]));
  const next = new Map(ids.map((id) => [id, [] as string[]]));
  for (const c of connections) {
    if (c.sourceId === c.targetId) continue;
    next.get(c.sourceId)?.push(c.targetId);
    indegree.set(c.targetId, (indegree.get(c.targetId) ?? 0) + 1);
  }
  const order: string[] = [];
  const ready = ids.filter((id) => indegree.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const t of next.get(id)!) if (indegree.set(t, indegree.get(t)! - 1).get(t) === 0) ready.push(t);
  }
  for (const id of ids) if (!order.includes(id)) order.push(id);
  const position = new Map(order.map((id, i) => [id, i]));
  const layer = new Map<string, number>();
  for (const id of order) {
    let l = 0;
    for (const c of connections) {
      if (c.targetId !== id || c.sourceId === id || position.get(c.sourceId)! > position.get(id)!) continue;
      l = Math.max(l, (layer.get(c.sourceId) ?? 0) + 1);
    }
    layer.set(id, l);
  }
  return layer;
}

function meanFeederY(id: string, flow: DiagramSource, place: ReadonlyMap<string, { y: number }>): number {
  const ys = flow.connections.filter((c) => c.targetId === id && place.has(c.sourceId)).map((c) => place.get(c.sourceId)!.y);
  return ys.length === 0 ? Number.MAX_SAFE_INTEGER : ys.reduce((a, b) => a + b, 0) / ys.length;
}

function edgeOf(c: DiagramSource['connections'][number], from: GraphNode, to: GraphNode): GraphEdge {
  const x1 = from.x + from.width;
  const y1 = from.y + HEADER + ROW * Math.max(0, from.events.indexOf(c.eventName)) + ROW / 2;
  const x2 = to.x;
  const y2 = to.y + HEADER + ROW * Math.max(0, to.slots.findIndex((s) => s.name === c.slotName)) + ROW / 2;
  const back = to.layer <= from.layer;
  const pairs = Object.entries(c.paramMapping).map(([a, b]) => `${a}→${b}`);
  const label = `${c.eventName} → ${c.slotName}${pairs.length ? ` {${pairs.join(', ')}}` : ''}`;
  if (!back) {
    const dx = Math.max(40, (x2 - x1) / 2);
    return { ...ends(c), label, back, path: `M${x1} ${y1} C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2 - 6 };
  }
  // Back to an earlier (or the same) layer: out to the right, under both nodes, in from the left.
  const below = Math.max(from.y + from.height, to.y + to.height) + GAP_Y / 2;
  const path = `M${x1} ${y1} C${x1 + 60} ${y1} ${x1 + 60} ${below} ${x1} ${below} L${x2} ${below} C${x2 - 60} ${below} ${x2 - 60} ${y2} ${x2} ${y2}`;
  return { ...ends(c), label, back, path, labelX: (x1 + x2) / 2, labelY: below - 6 };
}

function ends(c: DiagramSource['connections'][number]) {
  return { sourceId: c.sourceId, eventName: c.eventName, targetId: c.targetId, slotName: c.slotName };
}
