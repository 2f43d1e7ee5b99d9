/**
 * Reads a V8 .cpuprofile and aggregates self time by function (name + file:line), mapping
 * positions in tsx-transpiled code back to TypeScript through the source maps written by
 * bench/lib/sourcemaps.ts.
 *
 *   tsx bench/lib/cpuprofile.ts <file.cpuprofile> [sourcemaps.json] [--top 15]
 */
import { readFileSync, existsSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  location: string;
  selfMs: number;
  percent: number;
}

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** Self time per function, biggest first, plus per file and the total. */
export function summarize(profilePath: string, mapsPath?: string): { total: number; rows: Row[]; files: Row[] } {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const payloads: Record<string, SourceMapPayload> = mapsPath !== undefined && existsSync(mapsPath) ? JSON.parse(readFileSync(mapsPath, 'utf8')) : {};
  const maps = new Map<string, SourceMap>();
  const mapOf = (url: string): SourceMap | undefined => {
    if (!(url in payloads)) return undefined;
    let m = maps.get(url);
    if (m === undefined) maps.set(url, (m = new SourceMap(payloads[url])));
    return m;
  };

  // Self time per node from the sample timeline (timeDeltas[i + 1] is the time spent in samples[i]).
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) / 1000;

  const byFunction = new Map<string, Row>();
  const byFile = new Map<string, Row>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    let file = url;
    let line = lineNumber + 1;
    const map = url ? mapOf(url) : undefined;
    if (map !== undefined) {
      const entry = map.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number };
      if (entry.originalSource !== undefined && entry.originalLine !== undefined) {
        file = entry.originalSource;
        line = entry.originalLine + 1;
      }
    }
    if (file.startsWith('file://')) file = relative(root, fileURLToPath(file));
    const location = file ? `${file}:${line}` : '';
    const name = functionName || (file ? '(anonymous)' : '(native)');
    const key = `${name} ${location}`;
    const row = byFunction.get(key) ?? { name, location, selfMs: 0, percent: 0 };
    row.selfMs += us / 1000;
    byFunction.set(key, row);
    const fileKey = file || name;
    const f = byFile.get(fileKey) ?? { name: fileKey, location: '', selfMs: 0, percent: 0 };
    f.selfMs += us / 1000;
    byFile.set(fileKey, f);
  }
  const finish = (rows: Row[]) => rows.map((r) => ({ ...r, percent: (100 * r.selfMs) / total })).sort((a, b) => b.selfMs - a.selfMs);
  return { total, rows: finish([...byFunction.values()]), files: finish([...byFile.values()]) };
}

/** A plain-text table of the top rows. */
export function format(summary: { total: number; rows: Row[]; files: Row[] }, top = 15): string {
  const lines = [`total sampled: ${summary.total.toFixed(0)} ms`, '', '  self ms   self %  function  (file:line)'];
  for (const r of summary.rows.slice(0, top)) {
    lines.push(`${r.selfMs.toFixed(1).padStart(8)} ${r.percent.toFixed(1).padStart(7)}%  ${r.name}  ${r.location}`);
  }
  lines.push('', '  self ms   self %  by file');
  for (const r of summary.files.slice(0, 10)) lines.push(`${r.selfMs.toFixed(1).padStart(8)} ${r.percent.toFixed(1).padStart(7)}%  ${r.name}`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 15;
  const files = args.filter((a, i) => !a.startsWith('--') && (topIndex < 0 || i !== topIndex + 1));
  if (files.length === 0) {
    process.stderr.write('usage: tsx bench/lib/cpuprofile.ts <file.cpuprofile> [sourcemaps.json] [--top 15]\n');
    process.exit(2);
  }
  process.stdout.write(`${format(summarize(files[0], files[1]), top)}\n`);
}
