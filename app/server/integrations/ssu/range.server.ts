/**
 * One single-part byte range of RFC 9110 (`bytes=a-b`, `bytes=a-`, `bytes=-n`) over a resource of `size`
 * bytes, as inclusive offsets; null when it cannot be satisfied, is malformed, or asks for several parts (the
 * SSU supports single part only).
 */
export function parseRange(header: string, size: number): { start: number; end: number } | null {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || size === 0) return null;
  const [, a, b] = m;
  if (a === "" && b === "") return null;
  if (a === "") {
    const n = Number(b);
    if (n === 0) return null;
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return null;
  return { start, end };
}
