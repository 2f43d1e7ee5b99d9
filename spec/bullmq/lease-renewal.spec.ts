/**
 * Issue 17: a worker renews the leases of all the jobs it owns with one timer (LeaseKeeper),
 * not one timer per job. The guarantee is the one a timer per job gave: a lease held longer
 * than its ttl stays this owner's while kept, is reported lost once another owner took it
 * over, and runs out once no longer kept.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { ACQUIRE, LEASE_OF } from '../../lib/bullmq/store-scripts.js';
import { LeaseKeeper } from '../../lib/bullmq/lease-renewal.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep, until } from '../fixtures/helpers.js';

const TTL = 300;

/** Timers alive in this process (Node counts each setTimeout / setInterval as one 'Timeout'). */
function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('routilux/bullmq: LeaseKeeper renews every lease a worker holds with one timer', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let client: Redis;
  before(() => (client = redis.client()));

  const take = async (meta: string, owner: string): Promise<string> => {
    const reply = (await ACQUIRE.run(client, [meta], [owner, TTL])) as [number, string];
    expect(reply[0], `${owner} takes ${meta}`).to.equal(1);
    return reply[1];
  };
  const holder = async (meta: string): Promise<string | undefined> => ((await LEASE_OF.run(client, [meta], [])) as string[])[0];

  it('keeps 40 leases alive for three ttls with at most one timer, and lets each run out once stopped', async () => {
    const keeper = new LeaseKeeper(client, 'w1', TTL);
    const metas = Array.from({ length: 40 }, (_, i) => `lk1:job:{${i}}:meta`);
    const epochs = await Promise.all(metas.map((m) => take(m, 'w1')));
    const before = timers();
    const lost: string[] = [];
    const stops = metas.map((m, i) => keeper.keep(m, epochs[i], () => lost.push(m)));
    expect(timers() - before, 'timers added for 40 leases').to.be.at.most(1);
    await sleep(TTL * 3);
    expect(await Promise.all(metas.map(holder)), 'every lease is still w1\'s after 3 ttls').to.deep.equal(metas.map(() => 'w1'));
    expect(lost).to.deep.equal([]);
    stops.forEach((stop) => stop());
    await sleep(TTL * 2);
    expect(await Promise.all(metas.map(holder)), 'no longer renewed: expired').to.deep.equal(metas.map(() => undefined));
    keeper.close();
  });

  it('reports a lease lost once another owner took it over (a new epoch), and renews the others still', async () => {
    const keeper = new LeaseKeeper(client, 'w1', TTL);
    const [a, b] = ['lk2:job:{a}:meta', 'lk2:job:{b}:meta'];
    const lost: string[] = [];
    keeper.keep(a, await take(a, 'w1'), () => lost.push(a));
    keeper.keep(b, await take(b, 'w1'), () => lost.push(b));
    await client.hset(a, 'until', '0'); // w1's lease of a runs out (as if w1 stalled) ...
    await take(a, 'w2'); // ... and w2 takes a over
    expect(await holder(a)).to.equal('w2');
    await until(() => lost.length > 0, 'w1 hears it lost a', 5_000);
    expect(lost).to.deep.equal([a]);
    await sleep(TTL * 2);
    expect(await holder(b), 'b is still renewed').to.equal('w1');
    expect(lost).to.deep.equal([a]);
    keeper.close();
  });
});
