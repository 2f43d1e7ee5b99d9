/**
 * The run's verdicts, for issue 21's "done when": every line `ok`, every target met, and the
 * same verdicts twice in a row. `npm run bench` (a full run) ends with one `verdicts` line made
 * here, comparing its verdicts with those of the previous full run (bench/results/latest.jsonl
 * before it is replaced; kept as previous.jsonl).
 *
 * A line's verdict is its `ok` and every `meets_*` field but the first session's
 * (`meets_old_*`) and those the line names `informational` (figures it reports beside the
 * target it is judged by); lines are matched across runs by `run` (workload, arguments, node
 * flags). A line may name the issue whose targets it carries (`issue`); the closing line then
 * also lists the missed targets by issue, so one issue's verdict is not read off another's.
 */
export type Line = Record<string, unknown> & { workload: string; ok: boolean };

/** What one line says of its targets: `ok` plus its `meets_*` fields, in a stable order. */
export function verdictOf(line: Line): Record<string, boolean> {
  const out: Record<string, boolean> = { ok: line.ok === true };
  const informational = Array.isArray(line.informational) ? (line.informational as unknown[]) : [];
  for (const key of Object.keys(line).sort()) {
    if (key.startsWith('meets_') && !key.startsWith('meets_old_') && !informational.includes(key) && typeof line[key] === 'boolean') out[key] = line[key] as boolean;
  }
  return out;
}

/** The key that matches a line with the same run of another bench run. */
export function runKey(line: Line): string {
  return typeof line.run === 'string' ? line.run : line.workload;
}

/**
 * The closing `verdicts` line: how many lines and targets, which are missed, and whether the
 * previous full run's verdicts were the same (`null` when there is no previous run to compare).
 */
export function verdictsLine(lines: readonly Line[], previous: readonly Line[] | undefined): Line {
  let targets = 0;
  const missed: string[] = [];
  const notOk: string[] = [];
  const byIssue: Record<string, { targets: number; missed: string[] }> = {};
  for (const line of lines) {
    const verdict = verdictOf(line);
    if (!verdict.ok) notOk.push(runKey(line));
    const issue = typeof line.issue === 'number' ? (byIssue[String(line.issue)] ??= { targets: 0, missed: [] }) : undefined;
    for (const [key, met] of Object.entries(verdict)) {
      if (key === 'ok') continue;
      targets++;
      if (issue !== undefined) issue.targets++;
      if (met) continue;
      missed.push(`${runKey(line)}: ${key}`);
      issue?.missed.push(`${runKey(line)}: ${key}`);
    }
  }
  let same: boolean | null = null;
  const changed: string[] = [];
  if (previous !== undefined) {
    const before = new Map(previous.map((l) => [runKey(l), JSON.stringify(verdictOf(l))]));
    for (const line of lines) {
      const was = before.get(runKey(line));
      if (was !== JSON.stringify(verdictOf(line))) changed.push(runKey(line));
    }
    same = changed.length === 0 && previous.length === lines.length;
  }
  return {
    workload: 'verdicts',
    ok: notOk.length === 0,
    lines: lines.length,
    not_ok: notOk,
    targets,
    targets_met: targets - missed.length,
    missed,
    by_issue: byIssue,
    all_met: notOk.length === 0 && missed.length === 0,
    same_verdicts_as_previous: same,
    changed_since_previous: changed,
  };
}
