/**
 * The Express host (server.ts) and the Remix build are two bundles; both must share one database handle and
 * one worker, so long-lived objects hang off globalThis.
 */
export function singleton<T>(name: string, create: () => T): T {
  const g = globalThis as unknown as { __suapSingletons?: Map<string, unknown> };
  g.__suapSingletons ??= new Map();
  if (!g.__suapSingletons.has(name)) g.__suapSingletons.set(name, create());
  return g.__suapSingletons.get(name) as T;
}

export function dropSingleton(name: string) {
  const g = globalThis as unknown as { __suapSingletons?: Map<string, unknown> };
  g.__suapSingletons?.delete(name);
}
