/**
 * One value per process, kept on `globalThis` under a registered symbol: the local stack can serve the esbuild bundles
 * (LOCAL_HANDLERS=bundled), each with its own copy of every module, and they must all share it.
 */
export function processWide<T>(name: string, make: () => T): T {
  const slots = globalThis as { [key: symbol]: unknown };
  const key = Symbol.for(`twin-access.${name}`);
  if (!(key in slots)) slots[key] = make();
  return slots[key] as T;
}
