import type { GraphLayout, GraphNode } from './graph-layout.js';

/**
 * The SVG picture of a {@link GraphLayout}: one `<g class="routine" data-routine="id">` per
 * routine (id, class, error policy, slot ports with their merge strategy on the left, event
 * ports on the right) and one `<path class="edge">` per connection with its label (`event →
 * slot`, and its param mapping under the edge as `.edge-mapping`). Nothing is
 * styled inline beyond geometry: a page colours a routine by setting a class on its group
 * (`status-running`, `status-failed`, …). All text is escaped.
 *
 * @example
 * ```ts
 * document.querySelector('#graph')!.innerHTML = renderGraphSvg(layoutFlow(flow));
 * ```
 */
export function renderGraphSvg(layout: GraphLayout): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="flow-graph" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img" aria-label="${esc(`flow ${layout.flowId}`)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrowhead"/></marker></defs>',
  ];
  for (const e of layout.edges) {
    const data = `data-source="${esc(e.sourceId)}" data-event="${esc(e.eventName)}" data-target="${esc(e.targetId)}" data-slot="${esc(e.slotName)}"`;
    parts.push(`<g class="connection${e.back ? ' back' : ''}" ${data}><path class="edge" d="${e.path}" marker-end="url(#arrow)"/>`);
    // The mapping on a line of its own, under the edge: a long one must not run over the nodes.
    const cut = e.label.indexOf(' {');
    const ports = cut < 0 ? e.label : e.label.slice(0, cut);
    parts.push(`<text class="edge-label" x="${e.labelX}" y="${e.labelY}" text-anchor="middle">${esc(ports)}</text>`);
    if (cut >= 0) parts.push(`<text class="edge-mapping" x="${e.labelX}" y="${e.labelY + 20}" text-anchor="middle">${esc(e.label.slice(cut + 1))}</text>`);
    parts.push('</g>');
  }
  for (const n of layout.nodes) parts.push(node(n));
  parts.push('</svg>');
  return parts.join('\n');
}

function node(n: GraphNode): string {
  const out = [`<g class="routine" data-routine="${esc(n.id)}" transform="translate(${n.x} ${n.y})">`];
  out.push(`<title>${esc(`${n.id} (${n.type})`)}</title>`);
  out.push(`<rect class="box" width="${n.width}" height="${n.height}" rx="8"/>`);
  out.push(`<text class="routine-id" x="10" y="18">${esc(n.id)}</text>`);
  out.push(`<text class="routine-type" x="10" y="34">${esc(n.type)}</text>`);
  if (n.policy !== undefined) out.push(`<text class="policy" x="${n.width - 10}" y="18" text-anchor="end">${esc(n.policy)}</text>`);
  out.push(`<text class="routine-status" x="${n.width - 10}" y="34" text-anchor="end"></text>`);
  n.slots.forEach((s, i) => {
    const y = 44 + 18 * i + 9;
    const merge = s.mergeStrategy === 'override' ? '' : ` (${s.mergeStrategy})`;
    const waits = s.activation === undefined ? '' : ` [${s.activation}]`;
    out.push(`<circle class="port slot" cx="0" cy="${y}" r="4"/><text class="port-label" x="10" y="${y + 4}">${esc(s.name + merge + waits)}</text>`);
  });
  n.events.forEach((e, i) => {
    const y = 44 + 18 * i + 9;
    out.push(`<circle class="port event" cx="${n.width}" cy="${y}" r="4"/><text class="port-label" x="${n.width - 10}" y="${y + 4}" text-anchor="end">${esc(e)}</text>`);
  });
  out.push('</g>');
  return out.join('');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
