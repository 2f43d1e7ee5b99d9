import { ConfigurationError, describeValue } from '../errors/errors.js';
import type { Flow } from '../flow/flow.js';
import type { JobStore } from '../state/job-store.js';

/**
 * Options of {@link serveInspector}.
 *
 * @example
 * ```ts
 * const options: InspectorOptions = { flows: [orders], store, port: 7878, token: process.env.ROUTILUX_TOKEN };
 * ```
 */
export interface InspectorOptions {
  /**
   * The flows to show: their graphs and live jobs; stored jobs are resumed on them. May be
   * empty with a `store` (its jobs are listed, read-only).
   */
  flows: Flow | readonly Flow[];
  /** Stored jobs to list (default: the first flow's own store, if any). */
  store?: JobStore;
  /** The port (default 7878; 0 picks a free one: read `server.port`). */
  port?: number;
  /** The interface to bind (default `127.0.0.1`, this machine only). */
  host?: string;
  /**
   * Enables pause, resume, cancel and retry for requests carrying it in an `Authorization:
   * Bearer <token>` header (never in a URL). Without it the inspector is read-only.
   */
  token?: string;
  /** Where warnings go (default `process.emitWarning`): e.g. being reachable from other machines with no token. */
  onWarning?: (message: string) => void;
  /** Most stored jobs a listing loads (default 200). */
  storedLimit?: number;
  /** Settled jobs of this process kept for the list after they ended (default 100). */
  recentLimit?: number;
}

/** {@link InspectorOptions} checked, with the defaults applied. @example `resolveInspectorOptions({ flows: flow }).host // '127.0.0.1'` */
export interface ResolvedInspectorOptions {
  readonly flows: readonly Flow[];
  readonly store: JobStore | undefined;
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly onWarning: (message: string) => void;
  readonly storedLimit: number;
  readonly recentLimit: number;
}

/**
 * Checks the options of `serveInspector` and applies the defaults.
 *
 * @throws {ConfigurationError} naming the option that is missing or wrong (no flow, two flows
 * with one id, a port out of range, an empty token).
 * @example
 * ```ts
 * const o = resolveInspectorOptions({ flows: [a, b], port: 0 });
 * ```
 */
export function resolveInspectorOptions(options: InspectorOptions): ResolvedInspectorOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError(`serveInspector: expected an options object, got ${describeValue(options)}`);
  const flows = isFlow(options.flows) ? [options.flows] : options.flows;
  if (!Array.isArray(flows) || !flows.every(isFlow)) throw new ConfigurationError(`serveInspector: options.flows must be a Flow or an array of Flows, got ${describeValue(options.flows)}`);
  if (flows.length === 0 && options.store === undefined) throw new ConfigurationError('serveInspector: nothing to show: give options.flows, or a store whose jobs to list');
  const ids = new Set<string>();
  for (const f of flows) {
    if (ids.has(f.flowId)) throw new ConfigurationError(`serveInspector: two flows have the id '${f.flowId}'; flow ids must be unique`);
    ids.add(f.flowId);
  }
  const port = options.port ?? 7878;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`serveInspector: options.port must be an integer from 0 to 65535, got ${describeValue(port)}`);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new ConfigurationError(`serveInspector: options.host must be a non-empty string, got ${describeValue(host)}`);
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
    throw new ConfigurationError('serveInspector: options.token must be a string of at least 8 characters (it guards pause, resume, cancel and retry)');
  }
  const store = options.store ?? flows.find((f) => f.store !== undefined)?.store;
  return {
    flows,
    store,
    port,
    host,
    token,
    onWarning: options.onWarning ?? ((message) => process.emitWarning(message, { code: 'ROUTILUX_INSPECTOR' })),
    storedLimit: count(options.storedLimit, 200, 'storedLimit'),
    recentLimit: count(options.recentLimit, 100, 'recentLimit'),
  };
}

/** Duck-typed, so a Flow of the other module format (ESM / CommonJS build) is one too. */
function isFlow(value: unknown): value is Flow {
  const f = value as Partial<Flow> | null;
  return typeof f === 'object' && f !== null && typeof f.flowId === 'string' && typeof f.inspect$?.subscribe === 'function' && typeof f.getJob === 'function';
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new ConfigurationError(`serveInspector: options.${name} must be an integer >= 0, got ${describeValue(value)}`);
  return value;
}
