/**
 * `routilux/inspect`: a live inspector page for flows and their jobs, served from Node
 * (`serveInspector`), and the browser-safe parts it is made of (the graph layout and SVG,
 * routine figures, JSON-safe job views).
 *
 * @example
 * ```ts
 * import { serveInspector } from 'routilux/inspect';
 * const inspector = await serveInspector({ flows: [flow], token: process.env.INSPECTOR_TOKEN });
 * ```
 * @packageDocumentation
 */
export { serveInspector, type InspectorServer } from './serve-inspector.js';
export type { InspectorOptions } from './inspector-options.js';
export type { JobAction } from './job-actions.js';
export { layoutFlow, type GraphLayout, type GraphNode, type GraphEdge } from '../inspect/graph-layout.js';
export type { DiagramSource } from '../serialization/diagram.js';
export { renderGraphSvg } from '../inspect/graph-svg.js';
export { RoutineStats, percentile, type RoutineFigures } from '../inspect/routine-stats.js';
export { toDisplay, type DisplayLimits } from '../inspect/display-value.js';
export { jobSummaryView, jobDetailView, type JobSummaryView, type JobDetailView } from '../inspect/job-views.js';
