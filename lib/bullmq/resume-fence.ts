import type { JobStatus } from '../core/records.js';

/**
 * @internal The resumes a client sent (their control entry ids), so its view can tell a paused
 * status its owner saved before reading one of them from news. An owner publishes a
 * status with the control cursor it reflects (SAVE); a client that resumed on hearing a pause's
 * answer may have its resume queued before the owner's next save, whose status (paused, from
 * before the resume) then comes after the resume by publication seq. Ids leave once a status
 * reflects them, or when the owner refuses them.
 *
 * @example
 * ```ts
 * const fence = new ResumeFence();
 * fence.add('1700000000000-0');
 * fence.stale('paused', '1699999999999-3'); // true: saved before the resume was read
 * fence.stale('running', '1700000000000-0'); // false, and the resume leaves the fence
 * ```
 */
export class ResumeFence {
  private ids: string[] = [];

  /** A resume sent from here, queued as control entry `id`. */
  add(id: string): void {
    this.ids.push(id);
  }

  /** Drops `id` (its owner refused it); whether it was here. */
  delete(id: string): boolean {
    const at = this.ids.indexOf(id);
    if (at < 0) return false;
    this.ids.splice(at, 1);
    return true;
  }

  /**
   * Whether a status published with control cursor `cursor` is older news than a resume sent
   * from here: paused, saved before its owner read that resume. (`undefined`: a message with no
   * cursor, never judged stale.) The resumes it reflects leave the fence. Not `failed`: a job
   * can fail without the resume being read (a worker refusing the job for its flow, owners
   * lost), and the resume of a failed job comes after its failed status anyway.
   */
  stale(status: JobStatus, cursor: string | undefined): boolean {
    if (cursor === undefined || this.ids.length === 0) return false;
    this.ids = this.ids.filter((id) => before(cursor, id));
    return this.ids.length > 0 && status === 'paused';
  }
}

/** Whether stream entry id `a` ('<ms>-<seq>', '' for none) comes before `b`. */
function before(a: string, b: string): boolean {
  if (a === '') return b !== '';
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am < bm || (am === bm && as < bs);
}
