/**
 * Lays rows out in columns padded to their widest cell, the header first; no trailing spaces.
 *
 * @example
 * ```ts
 * textTable(['routine', 'status'], [['intake', 'completed']]); // 'routine  status\nintake   completed'
 * ```
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], indent = ''): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n');
}

/**
 * A duration for people: `850 ms`, `12.4 s`, `3 m 05 s`, `2 h 10 m`, `3 d 4 h`.
 *
 * @example
 * ```ts
 * humanDuration(185_000); // '3 m 05 s'
 * ```
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** An integer with thousands separators. @example `grouped(1234567) // '1,234,567'` */
export function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
