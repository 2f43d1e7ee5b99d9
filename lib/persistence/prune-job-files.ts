import { SerializationError } from '../errors/errors.js';
import { acquireFileLease, releaseFileLease } from './file-leases.js';
import type { JobDirectory } from './job-directory.js';
import { newLockToken } from './lock-file.js';
import { isPrunable, type ResolvedPruneOptions } from './prune-options.js';
import { readJobFile } from './read-job-file.js';
import { storeErrorOf } from './store-error-of.js';
import { removeJobFile } from './write-job-file.js';

/** How long prune holds the lease of a job it deletes: far longer than the delete takes. */
const PRUNE_TTL = 60_000;

/**
 * @internal FileJobStore's `prune` over the jobs `ids` of `directory`: deletes each job that
 * `options` selects and whose lease nobody holds; resolves with how many it deleted.
 *
 * A candidate is read once without a lease (so only candidates get a lock file), then its
 * lease is acquired under a prune owner of its own, the file read again (another process may
 * have saved a newer state meanwhile), the job file deleted and the lease released: nobody can
 * acquire a job while it is being deleted, and a job leased by anybody is kept. Corrupt job
 * files are kept (their status is unknown). A failure on one job does not stop the others; the
 * first one is rethrown at the end, as a StoreError naming the job and the file.
 *
 * @throws {StoreError} when a job or lock file could not be read, refused or not deleted.
 * @example
 * ```ts
 * const deleted = await pruneJobFiles(directory, await store.list(), (id) => ({ file: store.pathOf(id), lock: store.lockPathOf(id) }), options);
 * ```
 */
export async function pruneJobFiles(
  directory: JobDirectory,
  ids: readonly string[],
  pathsOf: (jobId: string) => { file: string; lock: string; journal?: () => Promise<void> },
  options: ResolvedPruneOptions,
): Promise<number> {
  const now = Date.now();
  const owner = `routilux-prune:${process.pid}:${newLockToken()}`;
  const outcomes = await Promise.allSettled(
    ids.map((jobId) => {
      const { file, lock, journal } = pathsOf(jobId);
      return directory.exclusive(jobId, () => pruneJob({ directory, jobId, file, lock, journal, owner, options, now }));
    }),
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length;
}

interface PruneJob {
  directory: JobDirectory;
  jobId: string;
  file: string;
  lock: string;
  /** Removes the job's journal (after its file). */
  journal?: () => Promise<void>;
  owner: string;
  options: ResolvedPruneOptions;
  now: number;
}

async function pruneJob({ directory, jobId, file, lock, journal, owner, options, now }: PruneJob): Promise<boolean> {
  const failed = (on: string) => (error: unknown): never => {
    throw storeErrorOf(error, `FileJobStore: cannot prune job '${jobId}'`, { jobId, file: on });
  };
  const selected = async (): Promise<boolean> => {
    try {
      const state = await directory.files.run(() => readJobFile(file, jobId));
      return state !== undefined && isPrunable(state, options, now);
    } catch (error) {
      if (error instanceof SerializationError) return false;
      return failed(file)(error);
    }
  };
  if (!(await selected())) return false;
  if (!(await acquireFileLease(lock, jobId, owner, PRUNE_TTL, directory.slot).catch(failed(lock)))) return false;
  try {
    if (!(await selected())) return false;
    await directory.files.run(() => removeJobFile(file, jobId)).catch(failed(file));
    if (journal !== undefined) await directory.files.run(journal).catch(failed(file));
    return true;
  } finally {
    await releaseFileLease(lock, jobId, owner, directory.slot).catch(failed(lock));
  }
}
