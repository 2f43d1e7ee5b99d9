import { ConfigurationError, quoteValue } from '../errors/errors.js';
import { isUnsafeKey } from '../core/own-property.js';
import { Routine } from './routine.js';
import { Connection } from './connection.js';
import { topologicalRank } from './topological-rank.js';

/**
 * @internal A flow's graph: its routines by id and its connections, with the checks that keep
 * them consistent (one flow per routine, unique ids, one connection per event/slot pair). The
 * Flow methods that build the graph delegate here, so flow.ts reads as the public API.
 * Connections are also kept on their events (`event._targets`), which is what emits read.
 */
export class FlowGraph {
  readonly routines = new Map<string, Routine>();
  readonly connections: Connection[] = [];
  /** Topological ranks, computed when first asked after a change to the graph. */
  private ranks: Map<Routine, number> | undefined = undefined;

  /** Where `routine` stands in a topological order of the graph (upstream first; see topologicalRank). */
  rank(routine: Routine): number {
    this.ranks ??= topologicalRank(this.routines.values(), this.connections);
    return this.ranks.get(routine) ?? Number.MAX_SAFE_INTEGER;
  }

  /** @param owner whose flow id the error messages name. */
  constructor(private readonly owner: { readonly flowId: string }) {}

  /** See `Flow.addRoutine`. */
  add(routine: Routine, id: string | undefined): string {
    if (!(routine instanceof Routine)) throw new ConfigurationError(`addRoutine expects a Routine instance, got ${describe(routine)}`);
    const rid = id ?? routine.id;
    if (typeof rid !== 'string' || rid.length === 0) throw new ConfigurationError(`addRoutine: id must be a non-empty string, got ${quoteValue(rid)}`);
    if (isUnsafeKey(rid)) throw new ConfigurationError(`addRoutine: '${rid}' cannot be a routine id (routine ids are keys of routineStates)`);
    if (this.routines.has(rid)) throw new ConfigurationError(`flow '${this.owner.flowId}' already has a routine with id '${rid}'`);
    if (routine._graph !== undefined) {
      throw new ConfigurationError(`routine '${routine.id}' is already in flow '${routine._graph.flowId}'; a routine instance belongs to one flow`);
    }
    routine._setId(rid);
    this.ranks = undefined;
    routine._graph = this.owner;
    this.routines.set(rid, routine);
    return rid;
  }

  /** The routine, or a ConfigurationError naming the id. */
  require(id: string): Routine {
    const routine = this.routines.get(id);
    if (routine === undefined) {
      throw new ConfigurationError(`flow '${this.owner.flowId}' has no routine '${id}'; routines: ${[...this.routines.keys()].join(', ') || '(none)'}`);
    }
    return routine;
  }

  /** See `Flow.connect`. */
  connect(sourceId: string, eventName: string, targetId: string, slotName: string, paramMapping: Record<string, string>): Connection {
    const event = this.require(sourceId)._requireEvent(eventName);
    const slot = this.require(targetId)._requireSlot(slotName);
    checkMapping(paramMapping, `connect('${sourceId}', '${eventName}', '${targetId}', '${slotName}')`);
    const connection = new Connection(event, slot, paramMapping);
    const i = this.connections.findIndex((c) => c.event === event && c.slot === slot);
    if (i >= 0) {
      const old = this.connections[i];
      this.connections[i] = connection;
      event._targets[event._targets.indexOf(old)] = connection;
    } else {
      this.connections.push(connection);
      event._targets.push(connection);
    }
    this.ranks = undefined;
    return connection;
  }

  /** See `Flow.disconnect`. */
  disconnect(sourceId: string, eventName: string, targetId: string, slotName: string): boolean {
    const i = this.connections.findIndex((c) => c.sourceId === sourceId && c.eventName === eventName && c.targetId === targetId && c.slotName === slotName);
    if (i < 0) return false;
    const [old] = this.connections.splice(i, 1);
    old.event._targets.splice(old.event._targets.indexOf(old), 1);
    this.ranks = undefined;
    return true;
  }
}

function checkMapping(mapping: unknown, where: string): void {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    throw new ConfigurationError(`${where}: paramMapping must be an object of source name -> target name`);
  }
  for (const [k, v] of Object.entries(mapping)) {
    if (typeof v !== 'string' || v.length === 0) throw new ConfigurationError(`${where}: paramMapping['${k}'] must be a non-empty string, got ${quoteValue(v)}`);
    if (isUnsafeKey(k) || isUnsafeKey(v)) throw new ConfigurationError(`${where}: paramMapping cannot map from or to '__proto__'`);
  }
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}
