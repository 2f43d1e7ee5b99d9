import { constants, closeSync, fdatasyncSync, fstatSync, ftruncateSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { errorCode } from './error-code.js';
import { kindOf, readRegularFile, refused } from './regular-file.js';

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NON_BLOCKING = constants.O_NONBLOCK ?? 0;

/**
 * @internal The identity of a job file's text, written as the first line of the job's journal
 * (`{"base":"<sha-256>"}`): entries apply only onto the snapshot they were diffed from. A crash
 * between writing a new snapshot and removing the old journal leaves a journal whose base is
 * not the snapshot's: it is ignored, never replayed onto a newer snapshot.
 *
 * @example
 * ```ts
 * const base = snapshotBase(JSON.stringify(state));
 * ```
 */
export function snapshotBase(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * @internal Appends `line` (one JSON entry, no newline) to the journal `file` of `jobId` and
 * makes it durable (fdatasync) before returning: synchronous on purpose, so a checkpoint made at
 * the end of a dispatch turn is on disk before the next turn runs. A new journal starts with
 * the header line of `base` (and the directory is fsynced, so the file itself survives a power
 * loss). A torn last line (a crash mid-append: never acknowledged) is cut off first. Opened with
 * `O_NOFOLLOW` and checked on the descriptor: a link or a non-regular file is refused.
 *
 * @throws {StoreError} when the journal is not a regular file; the raw Node error otherwise.
 * @example
 * ```ts
 * appendJournalLine(store.journalPathOf('order-17'), 'order-17', base, JSON.stringify(entry));
 * ```
 */
export function appendJournalLine(file: string, jobId: string, base: string, line: string): void {
  let fd: number;
  let created = false;
  try {
    fd = openSync(file, constants.O_RDWR | constants.O_APPEND | NO_FOLLOW | NON_BLOCKING);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ELOOP' || code === 'EMLINK') throw refused(file, jobId, 'a symbolic link');
    if (code !== 'ENOENT') throw error;
    // O_EXCL never follows a link: a link placed here meanwhile fails with EEXIST.
    fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o644);
    created = true;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refused(file, jobId, kindOf(stats));
    let size = stats.size;
    if (size > 0 && !endsWithNewline(fd, size)) size = cutTornTail(fd, size);
    writeAll(fd, size === 0 ? `{"base":${JSON.stringify(base)}}\n${line}\n` : `${line}\n`);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) syncDirectorySync(dirname(file));
}

/**
 * Writes every byte of `text`: write(2) on a regular file may write less than asked without an
 * error (a disk or quota filling up: ENOSPC comes on the next call), and an append resolved
 * with half a line on disk would be acknowledged, then dropped as a torn tail.
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) {
    const n = writeSync(fd, bytes, at, bytes.length - at);
    if (!(n > 0)) throw Object.assign(new Error(`journal write made no progress (${at} of ${bytes.length} bytes written)`), { code: 'EIO' });
    at += n;
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, size - 1);
  return byte[0] === 0x0a;
}

/** Truncates the file after its last newline (0 when there is none); returns the new size. */
function cutTornTail(fd: number, size: number): number {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const at = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (at >= 0) {
      ftruncateSync(fd, start + at + 1);
      return start + at + 1;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return 0;
}

function syncDirectorySync(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Where a directory cannot be opened or fsynced (Windows, some file systems): as syncDirectory.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * @internal The entries of the journal `file` that apply onto the snapshot whose text has base
 * `base`, as JSON text lines in order: none when there is no journal, when its header names
 * another base (left over from an interrupted compaction), or when it holds only a header. A
 * last line without its newline was torn by a crash and never acknowledged: it is left out.
 *
 * @throws {StoreError} when the journal is not a regular file; the raw Node error otherwise.
 * @example
 * ```ts
 * const lines = await readJournalLines(journal, 'order-17', () => snapshotBase(text));
 * ```
 */
export async function readJournalLines(file: string, jobId: string, base: () => string): Promise<string[]> {
  const text = await readRegularFile(file, jobId);
  if (text === undefined || text.length === 0) return [];
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or the torn line
  if (lines.length < 2) return [];
  let header: unknown;
  try {
    header = JSON.parse(lines[0]);
  } catch {
    return [];
  }
  if ((header as { base?: unknown } | null)?.base !== base()) return [];
  return lines.slice(1);
}
