/**
 * @internal Whether `error` is BullMQ's "Missing key for job <id>. moveToFinished": a finish
 * (completion or failure) of a job whose hash is gone. Every BullMQ job routilux adds is removed
 * when it finishes (`removeOnComplete` / `removeOnFail`) and is never removed while locked
 * (`removeJob` refuses a locked job), so a worker meets this only once the job's finish already
 * ran: ioredis sent the finish again after a dropped connection lost its reply
 * (`autoResendUnfulfilledCommands`). BullMQ then reports it twice (the completion, then the
 * failure it tries next), though the job completed; the job's outcome is routilux's own record,
 * not BullMQ's, so nothing is lost and there is nothing to report.
 *
 * @example
 * ```ts
 * worker.on('error', (error) => isFinishedAlready(error) || report(error));
 * ```
 */
export function isFinishedAlready(error: unknown): boolean {
  return error instanceof Error && /^Missing key for job \S+\. moveToFinished$/.test(error.message);
}
