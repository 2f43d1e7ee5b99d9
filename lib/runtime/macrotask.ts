/**
 * @internal Runs `fn` in a new macrotask, as soon as the host allows: after pending I/O and
 * timers had their turn, without the 1 ms (Node) or 4 ms (nested browser timers) clamp of
 * `setTimeout(0)`. `setImmediate` where it exists (Node, Bun, Deno); else a `MessageChannel`
 * message (browsers, workers: a task that is not clamped); else `setTimeout(fn, 0)`.
 *
 * Chosen once, when the module loads: the host does not change under a running program.
 *
 * @example
 * ```ts
 * macrotask(() => dispatcher.loop());
 * ```
 */
// The cast: which of these globals exist is what is being found out (Node's types and a
// browser's disagree on MessagePort, and `setImmediate` is Node's).
export const macrotask: (fn: () => void) => void = pickMacrotask(globalThis as unknown as MacrotaskHost);

/**
 * @internal The globals {@link pickMacrotask} looks at.
 *
 * @example
 * ```ts
 * const host: MacrotaskHost = { setTimeout };
 * ```
 */
export interface MacrotaskHost {
  setImmediate?: (fn: () => void) => unknown;
  MessageChannel?: new () => { port1: { onmessage: ((event: unknown) => void) | null }; port2: { postMessage(message: unknown): void } };
  setTimeout: (fn: () => void, ms: number) => unknown;
}

/**
 * @internal The macrotask scheduler for a host with the given globals (exported for specs,
 * which try each branch).
 *
 * @example
 * ```ts
 * pickMacrotask({ setTimeout })(() => {}); // a host with timers only
 * ```
 */
export function pickMacrotask(host: MacrotaskHost): (fn: () => void) => void {
  // Called as methods of `host`: some hosts refuse a timer function called on another receiver.
  if (typeof host.setImmediate === 'function') return (fn) => void host.setImmediate!(fn);
  const Channel = host.MessageChannel;
  if (typeof Channel === 'function') {
    // One channel, a FIFO of callbacks: each message runs the oldest (messages arrive in order).
    const queue: Array<() => void> = [];
    const channel = new Channel();
    channel.port1.onmessage = () => queue.shift()?.();
    return (fn) => {
      queue.push(fn);
      channel.port2.postMessage(null);
    };
  }
  return (fn) => void host.setTimeout(fn, 0);
}
