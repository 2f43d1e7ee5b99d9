import { expect } from 'chai';
import { verdictOf, verdictsLine, type Line } from '../../bench/lib/verdicts.js';

const line = (run: string, fields: Record<string, unknown>): Line => ({ workload: run.split(' ')[0], ok: true, run, ...fields });

describe('bench verdicts (issue 21: every target met, the same verdicts twice in a row)', () => {
  it("a line's verdict is ok plus its meets_* fields, the first session's meets_old_* left out", () => {
    expect(verdictOf(line('chain10 --n 1000000', { meets_target: false, meets_rx_target: false, meets_old_target: true, per_sec: 1 }))).to.deep.equal({
      ok: true,
      meets_rx_target: false,
      meets_target: false,
    });
  });

  it('counts targets, lists the missed ones and the lines not ok', () => {
    const v = verdictsLine(
      [line('a --n 1', { meets_target: true }), line('b --n 1', { meets_target: false, meets_speed_target: false }), { ...line('c', {}), ok: false }],
      undefined,
    );
    expect(v).to.include({ workload: 'verdicts', ok: false, lines: 3, targets: 3, targets_met: 1, all_met: false, same_verdicts_as_previous: null });
    expect(v.missed).to.deep.equal(['b --n 1: meets_speed_target', 'b --n 1: meets_target']);
    expect(v.not_ok).to.deep.equal(['c']);
  });

  it('matches lines with the previous run by their run key, and names the ones whose verdict changed', () => {
    const before = [line('chain10 --n 100000', { meets_target: false }), line('chain10 --n 1000000', { meets_target: true })];
    const same = verdictsLine([line('chain10 --n 100000', { meets_target: false, per_sec: 9 }), line('chain10 --n 1000000', { meets_target: true })], before);
    expect(same).to.include({ same_verdicts_as_previous: true, all_met: false });
    const flipped = verdictsLine([line('chain10 --n 100000', { meets_target: false }), line('chain10 --n 1000000', { meets_target: false })], before);
    expect(flipped.same_verdicts_as_previous).to.equal(false);
    expect(flipped.changed_since_previous).to.deep.equal(['chain10 --n 1000000']);
    const fewer = verdictsLine([line('chain10 --n 100000', { meets_target: false })], before);
    expect(fewer.same_verdicts_as_previous).to.equal(false);
  });

  it("leaves out the meets_* fields a line names informational (reported beside the targets it is judged by)", () => {
    const capped = line('chain10 --n 1000000 --max-old-space-size=160', { meets_target: true, meets_rx_target: false, meets_flat_target: false, meets_rss_target: true, informational: ['meets_rx_target', 'meets_flat_target'] });
    expect(verdictOf(capped)).to.deep.equal({ ok: true, meets_rss_target: true, meets_target: true });
    expect(verdictsLine([capped], undefined)).to.include({ targets: 2, targets_met: 2, all_met: true });
  });

  it('lists targets and misses by the issue each line names, and lines without one only in the totals', () => {
    const v = verdictsLine(
      [line('chain10', { issue: 21, meets_target: true }), line('dist_jobs', { issue: 17, meets_target: false }), line('checkpoint', { issue: 15, meets_target: false }), line('x', { meets_target: false })],
      undefined,
    );
    expect(v.by_issue).to.deep.equal({ 21: { targets: 1, missed: [] }, 17: { targets: 1, missed: ['dist_jobs: meets_target'] }, 15: { targets: 1, missed: ['checkpoint: meets_target'] } });
    expect(v).to.include({ targets: 4, targets_met: 1 });
  });

  it('all met only when every line is ok and every target met', () => {
    expect(verdictsLine([line('a', { meets_target: true }), line('b', {})], undefined).all_met).to.equal(true);
  });
});
