import { expect } from 'chai';
import { appWithPackage, runNode } from './packed-app.js';

// Loading Routilux installs no global (issue 16: reflect-metadata used to install its
// polyfill on `Reflect`) and mutates nothing of RxJS: checked in a fresh Node process loading
// every entry of the packed package, and using flow JSON classes and payload classes.
const program = `
const snapshot = () => ({
  globals: Object.getOwnPropertyNames(globalThis).sort(),
  reflect: Reflect.ownKeys(Reflect).map(String).sort(),
  rxConfig: JSON.stringify(Object.entries(rx.config).map(([k, v]) => [k, typeof v, String(v)])),
  asyncScheduler: Object.getOwnPropertyNames(rx.asyncScheduler).map((k) => k + ':' + typeof rx.asyncScheduler[k]).sort(),
});
const rx = await import('rxjs');
const before = snapshot();
const r = await import('routilux');
await Promise.all([import('routilux/builtins'), import('routilux/testing'), import('routilux/node')]);
const { plainToInstance } = await import('class-transformer');
class Money { amount = 1; }
r.registerPayloadClass('Globals.Money', Money);
const flow = new r.Flow();
const typed = plainToInstance(r.FlowJSON, { ...flow.toJSON(), errorHandler: { strategy: 'stop' } });
const after = snapshot();
console.log(JSON.stringify({ same: JSON.stringify(before) === JSON.stringify(after), getMetadata: typeof Reflect.getMetadata, typed: typed.errorHandler instanceof r.ErrorHandlerJSON }));
`;

describe('loading Routilux changes no global (issue 16)', function () {
  this.timeout(60_000);

  it('no global, nothing on Reflect (no reflect-metadata), RxJS config and asyncScheduler untouched', () => {
    const app = appWithPackage('globals');
    const out = JSON.parse(runNode(app, '--input-type=module', '-e', program)) as Record<string, unknown>;
    expect(out).to.deep.equal({ same: true, getMetadata: 'undefined', typed: true });
  });
});
