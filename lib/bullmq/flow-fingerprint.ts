import { createHash } from 'node:crypto';
import type { Flow } from '../flow/flow.js';
import { SerializationError } from '../errors/errors.js';

/**
 * A hash of a flow's definition: SHA-256 of `flow.toJSON()` (or, for a flow that cannot be
 * serialized (routine classes not registered, closures), of its structure: routine ids and
 * classes, slots and their merge strategies, events, connections with their mappings, strategy,
 * workers, timeouts), with the routines' placements. Clients send it with every job; a worker whose flow hashes differently
 * refuses the job instead of running it on another graph.
 *
 * @throws {SerializationError} only for a flow JSON whose failure is not about registration.
 * @example
 * ```ts
 * flowFingerprint(ordersFlow()) === flowFingerprint(ordersFlow()); // true
 * ```
 */
export function flowFingerprint(flow: Flow): string {
  let description: unknown;
  try {
    description = flow.toJSON();
  } catch (error) {
    if (!(error instanceof SerializationError)) throw error;
    description = structure(flow);
  }
  // Where handlers run is part of the definition too (flow JSON does not carry it).
  const placements = [...flow.routines].filter(([, r]) => r.placement !== 'owner').map(([id, r]) => [id, r.placement]);
  return createHash('sha256').update(canonical({ description, placements })).digest('hex').slice(0, 32);
}

function structure(flow: Flow): unknown {
  return {
    flowId: flow.flowId,
    executionStrategy: flow.executionStrategy,
    maxWorkers: flow.maxWorkers,
    executionTimeout: flow.executionTimeout ?? null,
    routines: [...flow.routines].map(([id, r]) => ({
      id,
      class: r.constructor.name,
      slots: r.slotList().map((s) => [s.name, typeof s.mergeStrategy === 'function' ? `fn:${s.mergeStrategy.name}` : String(s.mergeStrategy)]),
      events: r.eventList().map((e) => [e.name, [...e.outputParams]]),
    })),
    connections: flow.connections.map((c) => [c.sourceId, c.eventName, c.targetId, c.slotName, c.paramMapping]),
  };
}

/** JSON with object keys sorted, so equal definitions hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
