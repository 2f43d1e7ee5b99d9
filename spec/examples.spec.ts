import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Each example's header says what it prints; these keep the examples honest.
const root = fileURLToPath(new URL('..', import.meta.url));

function run(example: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', `examples/${example}`], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe('examples', () => {
  it('basic.ts (npm run demo): fan-out, append fan-in, param mapping, completed', () => {
    const out = run('basic.ts');
    expect(out).to.include('invoice: {"lines":[1.5,1.5,2],"total":5,"available":{"apple":true,"pear":true,"kiwi":false}}');
    expect(out).to.match(/invoice\s+completed\s+activations=6/);
    expect(out).to.match(/job \S+: completed/);
  });

  it('rx-pipeline.ts: batches through a flow, errors continued, remainder flushed', () => {
    const out = run('rx-pipeline.ts');
    expect(out.trim().split('\n')).to.deep.equal([
      'batch of 3: ["info","warn","error!"]',
      'batch of 3: ["info","info","info"]',
      'batch of 1: ["warn"]',
      'errors seen: 2',
      'done',
    ]);
  });

  it('joins-and-batches.ts: a zip join, a batch with its remainder, a join-incomplete record', () => {
    expect(run('joins-and-batches.ts').trim().split('\n')).to.deep.equal([
      'settled: A+1, B+2',
      'settled: C+3',
      'unpaid: {"order":[{"id":"D"}],"payment":[]}',
      'job completed',
    ]);
  });

  it('human-in-the-loop.ts: pauses, persists, resumes in a rebuilt flow', () => {
    const lines = run('human-in-the-loop.ts').trim().split('\n');
    expect(lines[0]).to.match(/^paused: awaiting approval \{"draft":"Q3 report"\} -> .*doc-42\.json$/);
    expect(lines.slice(1)).to.deep.equal(['notify: review resumed', 'published "Q3 report" (approved by alice)', 'final status: completed']);
  });
});
