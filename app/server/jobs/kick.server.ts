import { singleton } from "../singleton.server";

/**
 * "Calls were queued, run the queue now": the engine (and the filing) signal it after the COMMIT that queued
 * external calls; the worker of this process, when there is one, listens. Without a listener (WORKER=0, a
 * web-only process) the minute schedule picks the calls up: nothing depends on this signal but promptness.
 */
const listeners = singleton("integration-kick", () => new Set<() => void>());

export function onCallsQueued(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function callsQueued() {
  // After the current tick: the caller's response is not held up by the queue.
  setImmediate(() => {
    for (const l of listeners) l();
  });
}
