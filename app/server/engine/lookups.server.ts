/**
 * Reference rows the engine reads on every step (desks, Comuni, agencies and their reviewers), remembered for
 * the life of one transaction. A deadline sweep dispatches hundreds of events in one transaction, mostly for
 * the same few entities: each is read once. Nothing is kept across transactions, so an edit made by an
 * administrator is seen by the next one.
 */
const memos = new WeakMap<object, Map<string, Promise<unknown>>>();

export function once<T>(trx: object, key: string, load: () => Promise<T>): Promise<T> {
  let memo = memos.get(trx);
  if (!memo) {
    memo = new Map();
    memos.set(trx, memo);
  }
  let value = memo.get(key) as Promise<T> | undefined;
  if (!value) {
    value = load();
    memo.set(key, value);
    // A failed read is not remembered (the transaction is aborting anyway, but do not pin the error).
    value.catch(() => memo.delete(key));
  }
  return value;
}
