/**
 * @internal The `code` of a Node system error (`'ENOENT'`, `'EMFILE'`, …), or `undefined` for
 * anything else: the stores branch on it to tell "missing" from "failed".
 *
 * @example
 * ```ts
 * try { await lstat(file); } catch (error) { if (errorCode(error) === 'ENOENT') return false; throw error; }
 * ```
 */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
}
