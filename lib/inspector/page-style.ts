/**
 * @internal The inspector's style sheet: the flow graph and routine figures across the top,
 * the jobs and the selected job's detail below; routines and statuses coloured by what they
 * are doing.
 *
 * @example
 * ```ts
 * res.end(PAGE_STYLE); // text/css
 * ```
 */
export const PAGE_STYLE = `
:root { --bg: #f8fafc; --panel: #fff; --line: #e2e8f0; --text: #0f172a; --muted: #64748b;
  --running: #2563eb; --paused: #d97706; --completed: #16a34a; --failed: #dc2626; --cancelled: #6b7280;
  --pending: #94a3b8; --retrying: #ea580c; --skipped: #7c3aed; --interrupted: #9333ea; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--text); background: var(--bg); }
header { display: flex; align-items: center; gap: 14px; padding: 8px 16px; background: #1f2937; color: #f8fafc; }
header h1 { font-size: 16px; margin: 0 12px 0 0; font-weight: 600; }
header select, header input, header button { font: inherit; }
#unlock { margin-left: auto; display: flex; gap: 6px; }
.live { padding: 1px 8px; border-radius: 10px; font-size: 12px; }
.live.on { background: #166534; } .live.off { background: #7f1d1d; }
.mode { font-size: 12px; color: #cbd5e1; }
main { display: grid; grid-template-columns: minmax(360px, 1fr) minmax(420px, 1.2fr); gap: 12px; padding: 12px; align-items: start; }
#graph-panel { grid-column: 1 / -1; }
.graph-row { display: flex; gap: 14px; align-items: flex-start; }
.graph-row > #graph { flex: 1 1 auto; } .graph-row > .stats { flex: 0 0 400px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
h2 { font-size: 14px; margin: 0 0 8px; } h3 { font-size: 13px; margin: 14px 0 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
#jobs tbody tr { cursor: pointer; } #jobs tbody tr:hover { background: #f1f5f9; }
#jobs tbody tr.selected { background: #e0e7ff; }
.mono, #jobs td:first-child { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; white-space: nowrap; }
.muted { color: var(--muted); font-weight: 400; }
.error { color: var(--failed); margin: 4px 0; white-space: pre-wrap; }
.status { display: inline-block; padding: 0 7px; border-radius: 9px; color: #fff; font-size: 12px; background: var(--pending); }
.status-running { background: var(--running); } .status-paused { background: var(--paused); }
.status-completed { background: var(--completed); } .status-failed { background: var(--failed); }
.status-cancelled { background: var(--cancelled); } .status-retrying { background: var(--retrying); }
.status-skipped, .status-error_continued { background: var(--skipped); } .status-interrupted { background: var(--interrupted); }
#graph { overflow: auto; max-height: 55vh; border: 1px solid var(--line); border-radius: 6px; background: #fcfdfe; min-height: 60px; }
.flow-graph { display: block; font-size: 12px; max-width: 100%; height: auto; }
.flow-graph .box { fill: #fff; stroke: #94a3b8; stroke-width: 1.5; }
.flow-graph .routine-id { font-weight: 600; } .flow-graph .routine-type, .flow-graph .policy { fill: var(--muted); font-size: 11px; }
.flow-graph .routine-status { font-size: 11px; font-weight: 600; }
.flow-graph .port { fill: #fff; stroke: #64748b; } .flow-graph .port-label { font-size: 11px; fill: #334155; }
.flow-graph .edge { fill: none; stroke: #94a3b8; stroke-width: 1.5; } .flow-graph .back .edge { stroke-dasharray: 5 4; }
.flow-graph .arrowhead { fill: #94a3b8; }
.flow-graph .edge-label, .flow-graph .edge-mapping { fill: #475569; font-size: 10.5px; paint-order: stroke; stroke: #fcfdfe; stroke-width: 4px; stroke-linejoin: round; }
.flow-graph .routine.status-running .box { stroke: var(--running); stroke-width: 3; fill: #eff6ff; }
.flow-graph .routine.status-completed .box { stroke: var(--completed); fill: #f0fdf4; }
.flow-graph .routine.status-failed .box { stroke: var(--failed); stroke-width: 3; fill: #fef2f2; }
.flow-graph .routine.status-retrying .box { stroke: var(--retrying); stroke-width: 3; fill: #fff7ed; }
.flow-graph .routine.status-skipped .box, .flow-graph .routine.status-error_continued .box { stroke: var(--skipped); fill: #f5f3ff; }
.flow-graph .routine.status-interrupted .box, .flow-graph .routine.status-cancelled .box { stroke: var(--cancelled); fill: #f3f4f6; }
.flow-graph .routine.queued .box { stroke-dasharray: 4 3; }
#actions { display: flex; gap: 6px; margin: 6px 0; }
#actions button { padding: 3px 10px; border: 1px solid #cbd5e1; border-radius: 5px; background: #fff; cursor: pointer; }
#actions button:disabled { opacity: .45; cursor: default; }
#message { min-height: 1.4em; margin: 2px 0; } #message.refused { color: var(--failed); } #message.ok { color: var(--completed); }
pre { margin: 0; padding: 6px; background: #f1f5f9; border-radius: 5px; overflow: auto; max-height: 220px; font-size: 11.5px; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
@media (max-width: 1100px) { main { grid-template-columns: 1fr; } .graph-row { flex-direction: column; } .graph-row > .stats { flex-basis: auto; width: 100%; } }
`;
