import { isTerminal } from '../core/job-status.js';
import type { JobState } from '../state/job-state.js';
import { grouped, humanDuration, textTable } from './text-table.js';

/**
 * What `routilux run` and `routilux jobs show` print about a job: its id, status and age, one
 * row per routine (status, activations, errors), counts of what it holds, and its error.
 * With `detail`, also its queued tasks, pause points and newest history records.
 *
 * @example
 * ```ts
 * io.stdout.write(formatJobSummary(state, { now: Date.now() }) + '\n');
 * ```
 */
export function formatJobSummary(state: JobState, options: { now: number; detail?: boolean }): string {
  const lines: string[] = [];
  const took = state.updatedAt - state.createdAt;
  lines.push(`job ${state.jobId} (flow ${state.flowId}): ${state.status}, ${isTerminal(state.status) ? `took ${humanDuration(took)}` : `started ${humanDuration(options.now - state.createdAt)} ago`}`);
  const routines = Object.entries(state.routineStates);
  if (routines.length > 0) {
    const rows = routines.map(([id, r]) => [id, r.status, grouped(r.activations), grouped(r.errors), r.error ? `${r.error.name}: ${r.error.message}` : '']);
    lines.push(textTable(['routine', 'status', 'activations', 'errors', 'last error'], rows, '  '));
  }
  const activations = routines.reduce((sum, [, r]) => sum + r.activations, 0);
  lines.push(
    `  ${grouped(activations)} activation(s), ${grouped(state.pendingTasks.length)} queued, ${grouped(state.outputLog.length)} output(s), ${grouped(state.executionHistory.length)} history record(s)`,
  );
  if (state.error !== undefined) lines.push(`  error: ${state.error.name}: ${state.error.message}${state.error.routineId ? ` (routine ${state.error.routineId})` : ''}`);
  if (options.detail) lines.push(...details(state));
  return lines.join('\n');
}

function details(state: JobState): string[] {
  const lines: string[] = [];
  if (state.pendingTasks.length > 0) {
    lines.push('  queued:');
    const shown = state.pendingTasks.slice(0, 20);
    lines.push(textTable(['routine.slot', 'attempt', 'data'], shown.map((t) => [`${t.routineId}.${t.slotName}`, String(t.attempt), preview(t.data)]), '    '));
    if (state.pendingTasks.length > shown.length) lines.push(`    … and ${grouped(state.pendingTasks.length - shown.length)} more`);
  }
  for (const p of state.pausePoints) lines.push(`  paused: ${p.reason || '(no reason)'} at ${new Date(p.timestamp).toISOString()}, ${p.pendingCount} queued`);
  const history = state.executionHistory.slice(-10);
  if (history.length > 0) {
    lines.push(`  newest history (${history.length} of ${grouped(state.executionHistory.length)}):`);
    lines.push(textTable(['routine', 'event', 'data'], history.map((h) => [h.routineId, h.eventName, preview(h.data)]), '    '));
  }
  return lines;
}

/** One line of JSON, cut at 80 characters (payloads may hold anything, BigInts included). */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
