/**
 * Type-level tests of activation policies (issue 19): the options' shapes. (Typed payloads of
 * join and batch handlers come with typed routines.)
 */
import { Routine, registerActivationPolicy, type PolicyCellState, type SlotOptions } from '../lib/index.js';

const r = new Routine();
export const batch: SlotOptions = { batch: { size: 100, maxWait: 50 } };
export const window: SlotOptions = { window: 1000, mergeStrategy: 'append' };
r.defineJoin('pair', ['left', 'right'], (data, ctx) => ctx.emit('out', data), { mode: 'latest' });
registerActivationPolicy('p', (state, incoming) => ({ state, fire: incoming }));

// @ts-expect-error a batch size is a number
export const badSize: SlotOptions = { batch: { size: '100' } };
// @ts-expect-error a window is a number of ms
export const badWindow: SlotOptions = { window: '1s' };
// @ts-expect-error a join's mode is 'zip' or 'latest'
r.defineJoin('j', ['a', 'b'], () => {}, { mode: 'first' });
// @ts-expect-error a policy returns { state, fire? }
registerActivationPolicy('q', () => ({ fire: {} }));

// JobState.policies narrows on `kind`.
declare const cell: PolicyCellState;
if (cell.kind === 'zip') void cell.waiting;
// @ts-expect-error a batch's state has no `waiting`
if (cell.kind === 'batch') void cell.waiting;
