import { AsyncLocalStorage } from "node:async_hooks";
import { singleton } from "../singleton.server";

/**
 * Work done once per HTTP request, shared by every loader of that request (issue 18). Remix hands each
 * loader its own copy of the Request (it strips `_routes`/`index` into a new object), so a memo keyed by the
 * Request object never hit and the root loader and the route ran the same session, user and desk queries
 * twice. The Express host runs each request inside a scope (`withRequestScope`); `once` memoises within it.
 *
 * The memo is keyed by the HTTP method too: a form POST runs its action (POST) and then, for a document
 * request, the page's loaders (GET) in the same scope; the loaders must see what the action changed, so
 * they never reuse what the action read.
 */
const storage = singleton("requestScope", () => new AsyncLocalStorage<Map<string, Promise<unknown>>>());
const fallback = new WeakMap<Request, Map<string, Promise<unknown>>>();

export function withRequestScope<T>(run: () => T): T {
  return storage.run(new Map(), run);
}

export function once<T>(request: Request, key: string, make: () => Promise<T>): Promise<T> {
  // Outside the host (unit tests call loaders directly) the memo is per Request object, as before.
  let memo = storage.getStore();
  if (!memo) {
    memo = fallback.get(request);
    if (!memo) {
      memo = new Map();
      fallback.set(request, memo);
    }
  }
  const k = `${request.method}:${key}`;
  let pending = memo.get(k) as Promise<T> | undefined;
  if (!pending) {
    pending = make();
    memo.set(k, pending);
  }
  return pending;
}
