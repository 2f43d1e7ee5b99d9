/**
 * The attribute names `instrumentFlow` puts on its spans, so dashboards and tests can name
 * them without repeating strings. `error.type` is OpenTelemetry's own semantic-convention key.
 *
 * @example
 * ```ts
 * spans.filter((s) => s.attributes[RoutiluxAttributes.ROUTINE_ID] === 'charge');
 * ```
 */
export const RoutiluxAttributes = {
  FLOW_ID: 'routilux.flow.id',
  JOB_ID: 'routilux.job.id',
  /** The job's final status (`completed`, `failed`, `cancelled`) on the job span. */
  JOB_STATUS: 'routilux.job.status',
  /** The entry routine of a started job, on the job span. */
  ENTRY: 'routilux.entry',
  ROUTINE_ID: 'routilux.routine.id',
  SLOT: 'routilux.slot',
  ATTEMPT: 'routilux.attempt',
  ACTIVATION_ID: 'routilux.activation.id',
  /** `completed` or `failed` (the attempt), or, for an attempt let go, `interrupted` (its job failed) or `cancelled`. */
  OUTCOME: 'routilux.outcome',
  /** What the error policy did with a failed attempt: `retry`, `skip`, `stop` (absent: continue). */
  POLICY: 'routilux.policy',
  /** The error message of a failed attempt or job. */
  ERROR: 'routilux.error',
  ERROR_TYPE: 'error.type',
} as const;
