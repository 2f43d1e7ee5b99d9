/**
 * Writes `value` as an own data property of `target`, also under the key `__proto__`, where a
 * plain assignment would instead replace the object's prototype (the door of prototype
 * pollution: an attacker-chosen `{"__proto__": {"isAdmin": true}}` payload). Every place that
 * copies, maps or merges user data key by key writes through here.
 *
 * @example
 * ```ts
 * const out: Record<string, unknown> = {};
 * setOwn(out, '__proto__', { isAdmin: true });
 * (out as { isAdmin?: boolean }).isAdmin; // undefined: the prototype is untouched
 * ```
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/**
 * Whether `key` cannot be an ordinary key of a plain object (it would be dropped or would
 * reach the prototype). Ids and names that become object keys in a job state or in JSON are
 * checked with it and refused.
 *
 * @example
 * ```ts
 * isUnsafeKey('__proto__'); // true
 * ```
 */
export function isUnsafeKey(key: string): boolean {
  return key === '__proto__';
}
