/**
 * examples/distributed: two worker processes and the client, against the suite's redis-server,
 * print what the example's header says; the workers close gracefully on SIGTERM. The scripts run
 * bundled as they are (spec/helpers/child-script.ts: the same code, without tsx compiling the
 * library in each of the three processes).
 */
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useRedis } from '../helpers/use-redis.js';
import { childScript } from '../helpers/child-script.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const example = (name: string): Promise<string> => childScript(fileURLToPath(new URL(`../../examples/distributed/${name}`, import.meta.url)));

describe('examples/distributed (client + two workers)', function () {
  this.timeout(60_000);
  const redis = useRedis();

  it('the client prints its results; the workers close on SIGTERM', async () => {
    const env = { ...process.env, REDIS_SOCKET: redis.server.socket };
    const [worker, client] = await Promise.all([example('worker.ts'), example('client.ts')]);
    const workers: ChildProcess[] = [];
    const outputs: string[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const child = spawn(process.execPath, [worker], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        const k = workers.push(child) - 1;
        outputs[k] = '';
        child.stdout!.on('data', (chunk) => (outputs[k] += chunk));
        child.stderr!.on('data', (chunk) => (outputs[k] += chunk));
      }
      const deadline = Date.now() + 30_000;
      while (!outputs.every((o) => o.includes(' ready')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const { stdout } = await run(process.execPath, [client], { cwd: ROOT, env, timeout: 40_000 });
      const lines = stdout.trim().split('\n');
      expect(lines).to.deep.equal([
        'order-1: completed, 3 lines, total 5.75',
        'order-2: completed, 3 lines, total 5.75',
        'order-3: completed, 3 lines, total 5.75',
        'priced: apple, pear, kiwi',
        'order-4 paused (review), then completed: total 2',
        'order-1 seen from another handle: completed',
      ]);
    } finally {
      await Promise.all(
        workers.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
              child.once('exit', () => (clearTimeout(timer), resolve()));
              child.kill('SIGTERM');
            }),
        ),
      );
    }
    for (const out of outputs) {
      expect(out).to.match(/worker \S+ ready\n/);
      expect(out).to.match(/worker \S+ closed\n/);
      expect(out).to.not.include('worker error');
    }
  });
});
