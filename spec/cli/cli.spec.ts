import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJobStore, JobState } from '../../lib/index.js';
import { lines, root, routilux, startRoutilux } from './run-bin.js';

// Issue 20: the `routilux` bin, spawned as users run it (built dist/cli/main.js, plain node).
const ORDERS = ['examples/flows/orders.json', '--require', './examples/flows/routines.js'];
const REVIEW = ['spec/fixtures/cli/review.json', '--require', './spec/fixtures/cli/review-routines.js'];
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** stderr is exactly one line, `routilux: …`. */
function oneErrorLine(stderr: string): string {
  const all = lines(stderr);
  expect(all, stderr).to.have.length(1);
  expect(all[0]).to.match(/^routilux: \S/);
  return all[0];
}

describe('routilux CLI: help, version, errors', () => {
  it('--version prints the package version', () => {
    const r = routilux(['--version']);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal(version);
  });

  for (const command of [[], ['run'], ['validate'], ['graph'], ['inspect'], ['jobs'], ['jobs', 'list'], ['jobs', 'show'], ['jobs', 'resume'], ['jobs', 'cancel'], ['jobs', 'prune']]) {
    it(`routilux ${[...command, '--help'].join(' ')} prints its usage`, () => {
      const r = routilux([...command, '--help']);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^Usage: routilux ${command.join(' ')}`.trimEnd()));
      expect(r.stdout).to.include('--help');
    });
  }

  it('run --help names every option of the issue', () => {
    const help = routilux(['run', '--help']).stdout;
    for (const option of ['--entry <routineId>', '--params <json>', '--slot <name>', '--store <dir>', '--require <module>']) expect(help).to.include(option);
    expect(help).to.match(/Exit code: 0 completed, 1 failed or cancelled/);
  });

  it('usage errors, a missing file, bad params, an unknown entry: one line on stderr, exit code 1', () => {
    const cases: Array<[string[], RegExp]> = [
      [['bogus'], /unknown command 'bogus'/],
      [['run', 'examples/flows/orders.json'], /required option '--entry <routineId>' not specified/],
      [['run', 'nope.json', '--entry', 'x'], /cannot read flow file 'nope\.json': no such file/],
      [[...['run', ...ORDERS], '--entry', 'intake', '--params', '{oops'], /--params: not valid JSON/],
      [[...['run', ...ORDERS], '--entry', 'intake', '--params', '[1]'], /--params: expected a JSON object/],
      [[...['run', ...ORDERS], '--entry', 'nobody'], /nobody/],
      [['run', 'examples/flows/orders.json', '--entry', 'intake'], /routines\[0\]\.type: unknown routine type 'OrderIntake'.*pass --require/],
      [['run', ...ORDERS.slice(0, 1), '--require', './missing.js', '--entry', 'intake'], /--require \.\/missing\.js: no such file/],
      [['graph', ...ORDERS, '--format', 'svg'], /argument 'svg' is invalid/],
      [['jobs', 'list', '--store', 'no/such/dir'], /--store no\/such\/dir: no such directory/],
    ];
    for (const [args, message] of cases) {
      const r = routilux(args);
      expect(r.code, args.join(' ')).to.equal(1);
      expect(oneErrorLine(r.stderr), args.join(' ')).to.match(message);
    }
  });
});

describe('routilux run', () => {
  it('runs examples/flows/orders.json to completion and prints the summary (exit 0), with a progress line on request', () => {
    const r = routilux(['run', ...ORDERS, '--entry', 'intake', '--params', '{"count":20}', '--progress']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^job \S+ \(flow orders\): completed, took /);
    expect(r.stdout).to.match(/invoice\s+completed\s+40\s+0/);
    expect(r.stdout).to.include('81 activation(s), 0 queued, 20 output(s)');
    // Not a terminal: progress lines go to stderr as lines, the last one at the end.
    expect(lines(r.stderr).at(-1)).to.match(/^completed · 81 activations done · 0 queued · [\d,]+\/s · \d/);
  });

  it('no progress line when stderr is not a terminal, unless asked', () => {
    const r = routilux(['run', ...ORDERS, '--entry', 'intake', '--params', '{"count":3}']);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.equal('');
  });

  it('a failed job: its summary names the error, exit code 1', () => {
    const r = routilux(['run', ...ORDERS, '--entry', 'intake', '--params', '{"count":10,"failSku":"pear"}']);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/: failed, took /);
    expect(r.stdout).to.include("error: Error: no price for 'pear' (routine price)");
  });

  it('--json prints the final state, which JobState.fromJSON reads', () => {
    const r = routilux(['run', ...ORDERS, '--entry', 'intake', '--params', '{"count":2}', '--json', '--job-id', 'json-1']);
    expect(r.code).to.equal(0);
    const state = JobState.fromJSON(r.stdout);
    expect(state.jobId).to.equal('json-1');
    expect(state.status).to.equal('completed');
    expect(state.outputLog.map((o) => o.data.orderId)).to.have.members([1, 2]);
  });
});

describe('routilux validate and graph', () => {
  it('a valid flow: one line, exit 0', () => {
    const r = routilux(['validate', ...ORDERS]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal('examples/flows/orders.json: valid (flow orders: 4 routine(s), 4 connection(s))\n');
  });

  it('every problem with its JSON path, exit 1', () => {
    const r = routilux(['validate', 'spec/fixtures/cli/broken.json', '--require', './spec/fixtures/cli/review-routines.js']);
    expect(r.code).to.equal(1);
    const problems = lines(r.stdout).map((l) => l.replace(/^spec\/fixtures\/cli\/broken\.json: /, ''));
    expect(problems.map((p) => p.slice(0, p.indexOf(': ')))).to.deep.equal([
      'maxWorkers',
      'routines[0].slots.trigger.mergeStrategy',
      'routines[1].id',
      'routines[2].type',
      'routines[3].slots.entry',
      'connections[0].eventName',
      'connections[1].targetId',
      'connections[1].paramMapping.a',
    ]);
    expect(problems[1]).to.match(/unknown merge strategy 'sum-up'/);
    expect(problems[2]).to.equal("routines[1].id: duplicate routine id 'review' (also routines[0])");
    expect(problems[3]).to.match(/unknown routine type 'Ghost'; registered types: .*Review/);
    expect(problems[5]).to.equal("connections[0].eventName: routine 'review' has no event 'done'; its events: out");
    expect(oneErrorLine(r.stderr)).to.equal('routilux: 8 problem(s) in spec/fixtures/cli/broken.json');
  });

  it('without the module that registers its classes, each routine type is a problem', () => {
    const r = routilux(['validate', 'examples/flows/orders.json']);
    expect(r.code).to.equal(1);
    expect(lines(r.stdout).map((l) => l.split(': ')[1])).to.deep.equal(['routines[0].type', 'routines[1].type', 'routines[2].type', 'routines[3].type']);
  });

  it('graph prints Mermaid (default) or DOT', () => {
    const mermaid = routilux(['graph', ...ORDERS]);
    expect(mermaid.code).to.equal(0);
    expect(lines(mermaid.stdout)[0]).to.equal('flowchart LR');
    expect(mermaid.stdout).to.include('intake -->|"order → in {sku→item}"| stock');
    const dot = routilux(['graph', ...ORDERS, '--format', 'dot']);
    expect(dot.code).to.equal(0);
    expect(dot.stdout).to.match(/^digraph "orders" \{/);
    expect(dot.stdout).to.include('"price" -> "invoice" [label="priced → parts"];');
  });
});

describe('routilux jobs', function () {
  this.timeout(120_000);
  let dir: string;
  let store: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'routilux-cli-'));
    store = ['--store', dir];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a paused job: run exits 2, list and show it, resume finishes it, prune deletes it', () => {
    const run = routilux(['run', ...REVIEW, '--entry', 'review', '--params', '{"pause":true}', '--job-id', 'r-1', ...store]);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.match(/^job r-1 \(flow review\): paused/);
    expect(oneErrorLine(run.stderr)).to.match(/job r-1 is paused; finish it with: routilux jobs resume r-1/);
    const list = routilux(['jobs', 'list', ...store]);
    expect(list.code).to.equal(0);
    expect(lines(list.stdout)[0]).to.match(/^job\s+flow\s+status\s+updated\s+queued\s+error$/);
    expect(lines(list.stdout)[1]).to.match(/^r-1\s+review\s+paused\s+.* ago\s+1$/);
    const show = routilux(['jobs', 'show', 'r-1', ...store]);
    expect(show.stdout).to.include('paused: needs review');
    expect(show.stdout).to.match(/gate\.in\s+1\s+\{"pause":true\}/);
    expect(JobState.fromJSON(routilux(['jobs', 'show', 'r-1', ...store, '--json']).stdout).status).to.equal('paused');
    const resume = routilux(['jobs', 'resume', 'r-1', ...store, '--flow', ...REVIEW]);
    expect(resume.code, resume.stderr).to.equal(0);
    expect(resume.stdout).to.match(/^job r-1 \(flow review\): completed/);
    expect(JSON.parse(lines(routilux(['jobs', 'list', ...store, '--json']).stdout)[0])).to.deep.include({ jobId: 'r-1', status: 'completed', queued: 0 });
    const prune = routilux(['jobs', 'prune', ...store]);
    expect(prune.stdout).to.equal(`pruned 1 job(s) from ${dir}\n`);
    expect(routilux(['jobs', 'list', ...store]).stdout).to.equal(`no jobs in ${dir}\n`);
  });

  it('a failed job is fixed outside and resumed; another is cancelled; prune by status', () => {
    const unlock = join(dir, 'unlock');
    const params = JSON.stringify({ unlockFile: unlock });
    const failed = routilux(['run', ...REVIEW, '--entry', 'review', '--params', params, '--job-id', 'f-1', ...store]);
    expect(failed.code).to.equal(1);
    expect(failed.stdout).to.include(`error: Error: locked until ${unlock} exists (routine gate)`);
    expect(routilux(['jobs', 'list', ...store]).stdout).to.match(/f-1\s+review\s+failed\s+.*Error: locked until/);
    writeFileSync(unlock, '');
    const resumed = routilux(['jobs', 'resume', 'f-1', ...store, '--flow', ...REVIEW]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(routilux(['run', ...REVIEW, '--entry', 'review', '--params', '{"pause":true}', '--job-id', 'c-1', ...store]).code).to.equal(2);
    const cancel = routilux(['jobs', 'cancel', 'c-1', ...store, '--flow', ...REVIEW]);
    expect(cancel.code, cancel.stderr).to.equal(0);
    expect(cancel.stdout).to.equal('job c-1: cancelled\n');
    const again = routilux(['jobs', 'resume', 'c-1', ...store, '--flow', ...REVIEW]);
    expect(again.code).to.equal(1);
    expect(oneErrorLine(again.stderr)).to.match(/c-1/);
    expect(routilux(['jobs', 'prune', ...store, '--status', 'cancelled']).stdout).to.equal(`pruned 1 job(s) from ${dir}\n`);
    expect(routilux(['jobs', 'prune', ...store, '--status', 'completed', '--older-than', '1d']).stdout).to.equal(`pruned 0 job(s) from ${dir}\n`);
    expect(oneErrorLine(routilux(['jobs', 'prune', ...store, '--status', 'done']).stderr)).to.match(/--status: unknown status 'done'/);
    expect(oneErrorLine(routilux(['jobs', 'show', 'nope', ...store]).stderr)).to.equal(`routilux: no job 'nope' in ${dir}`);
  });

  it('resume and cancel refuse a job another process holds the lease of, naming it', async () => {
    expect(routilux(['run', ...REVIEW, '--entry', 'review', '--params', '{"pause":true}', '--job-id', 'held', ...store]).code).to.equal(2);
    expect(await new FileJobStore(dir).acquire('held', 'worker-elsewhere', 60_000)).to.equal(true);
    for (const verb of ['resume', 'cancel']) {
      const r = routilux(['jobs', verb, 'held', ...store, '--flow', ...REVIEW]);
      expect(r.code, verb).to.equal(1);
      expect(oneErrorLine(r.stderr)).to.match(new RegExp(`cannot ${verb} job 'held': it is leased by 'worker-elsewhere' until `));
    }
    expect(routilux(['jobs', 'list', ...store]).stdout).to.match(/held\s+review\s+paused/);
  });

  it('Ctrl-C during run --store pauses the job (exit 2); jobs resume finishes it', async () => {
    const run = startRoutilux(['run', ...ORDERS, '--entry', 'intake', '--params', '{"count":400}', '--job-id', 'big', '--progress', ...store]);
    await run.waitFor(/running · [1-9][\d,]* activations done/);
    run.child.kill('SIGINT');
    expect(await run.exited).to.equal(2);
    expect(run.out.stderr).to.include('routilux: interrupted: pausing job big');
    expect(run.out.stdout).to.match(/^job big \(flow orders\): paused/);
    const resumed = routilux(['jobs', 'resume', 'big', ...store, '--flow', ...ORDERS]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(resumed.stdout).to.match(/invoice\s+completed\s+800\s+0/);
  });
});
