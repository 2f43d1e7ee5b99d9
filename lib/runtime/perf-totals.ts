/**
 * @internal Running totals for one routine in one job; updated in place on the hot path. A
 * job's RoutineRun is one (it extends this class), so a routine's figures take no object of
 * their own; a plain one holds a restored job's figures until its routine runs again.
 */
export class PerfTotals {
  total = 0;
  completed = 0;
  failed = 0;
  time = 0;
  /** The shortest attempt; meaningless while `total` is 0 (starts at 0, not Infinity, so whole-ms figures stay small integers, unboxed). */
  min = 0;
  max = 0;
}

