import { SerializationError, StoreError } from '../errors/errors.js';
import type { JobStatus } from '../core/records.js';
import { isResting } from '../core/job-status.js';
import type { JobState } from '../state/job-state.js';
import { replayJournal } from '../state/job-journal-json.js';
import type { JobDirectory } from './job-directory.js';
import { appendJournalLine, readJournalLines, snapshotBase } from './journal-file.js';
import { parseJobFile } from './read-job-file.js';
import { readRegularFile } from './regular-file.js';
import { storeErrorOf } from './store-error-of.js';
import { removeJobFile } from './write-job-file.js';

/**
 * @internal The write-ahead journals of a FileJobStore: `<encoded id>.journal` next to each job
 * file, a header line naming the snapshot it applies onto (see {@link snapshotBase}), then one
 * JSON entry per line. Remembers the base of each job this store saved, so an append costs one
 * synchronous `open` + `write` + `fdatasync` and no read.
 *
 * @example
 * ```ts
 * const journals = new FileJournals(jobs, (id) => store.pathOf(id), (id) => store.journalPathOf(id));
 * await journals.append('order-17', entryJson);
 * ```
 */
export class FileJournals {
  /** Per job saved by this store and not resting: the base of its job file's text. */
  private readonly bases = new Map<string, string>();

  constructor(
    private readonly jobs: JobDirectory,
    private readonly fileOf: (jobId: string) => string,
    private readonly journalOf: (jobId: string) => string,
  ) {}

  /**
   * Inside a save, after the job file was written: removes the journal (compaction) and
   * remembers the new base. A crash before the removal leaves a journal of another base: ignored.
   *
   * @example
   * ```ts
   * await writeJobFile(file, jobId, text); await journals.compact(jobId, text, state.status);
   * ```
   */
  async compact(jobId: string, text: string, status: JobStatus): Promise<void> {
    this.bases.delete(jobId);
    await removeJobFile(this.journalOf(jobId), jobId);
    if (!isResting(status)) this.bases.set(jobId, snapshotBase(text));
  }

  /**
   * Appends one encoded entry durably. When no other operation on the job is queued and its base
   * is known, synchronously within the call (the entry is on disk when the call returns); else
   * in the job's operation order, reading the base from the job file.
   *
   * @throws {StoreError} (rejects) naming the job and journal file; {@link SerializationError}
   * when the entry is not JSON.
   * @example
   * ```ts
   * await journals.append('order-17', journalEntryToJSON(entry));
   * ```
   */
  append(jobId: string, entry: unknown): Promise<void> {
    const journal = this.journalOf(jobId);
    let line: string;
    try {
      line = JSON.stringify(entry);
      if (typeof line !== 'string') throw new SerializationError(`FileJobStore: the journal entry of job '${jobId}' is not JSON data`);
    } catch (error) {
      return Promise.reject(error instanceof SerializationError ? error : new SerializationError(`FileJobStore: the journal entry of job '${jobId}' cannot be written as JSON`, { cause: error }));
    }
    const base = this.bases.get(jobId);
    if (base !== undefined && this.jobs.idleFor(jobId)) {
      try {
        appendJournalLine(journal, jobId, base, line);
        return Promise.resolve();
      } catch (error) {
        this.bases.delete(jobId); // unknown state now: the next append goes the slow way
        return Promise.reject(storeErrorOf(error, `FileJobStore: cannot journal job '${jobId}'`, { jobId, file: journal }));
      }
    }
    return this.jobs.operate('journal', jobId, journal, async () => {
      const text = await readRegularFile(this.fileOf(jobId), jobId);
      if (text === undefined) throw new StoreError(`FileJobStore: cannot journal job '${jobId}': it has no saved snapshot (save it first)`, { jobId, file: journal });
      const current = snapshotBase(text);
      // A journal of another base is a leftover of an interrupted compaction: start afresh.
      if ((await readJournalLines(journal, jobId, () => current)).length === 0) await removeJobFile(journal, jobId);
      appendJournalLine(journal, jobId, current, line);
      this.bases.set(jobId, current);
    });
  }

  /**
   * The job file's snapshot with the journal entries of its base applied, or `undefined`.
   *
   * @throws {SerializationError} naming the file when the job file or a journal entry is corrupt.
   * @example
   * ```ts
   * const state = await journals.load('order-17');
   * ```
   */
  async load(jobId: string): Promise<JobState | undefined> {
    const file = this.fileOf(jobId);
    const text = await readRegularFile(file, jobId);
    if (text === undefined) return undefined;
    const state = parseJobFile(file, jobId, text);
    const journal = this.journalOf(jobId);
    const lines = await readJournalLines(journal, jobId, () => snapshotBase(text));
    try {
      return replayJournal(state, lines);
    } catch (error) {
      throw new SerializationError(`FileJobStore: ${journal}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }

  /**
   * Removes the journal of a job being deleted or pruned, and forgets its base.
   *
   * @example
   * ```ts
   * await removeJobFile(file, jobId); await journals.remove(jobId);
   * ```
   */
  async remove(jobId: string): Promise<void> {
    this.bases.delete(jobId);
    await removeJobFile(this.journalOf(jobId), jobId);
  }
}
