/**
 * `FILE_STORE=s3://bucket[/prefix]` read without loading the AWS SDK (the configuration is checked at boot in
 * every process; the SDK is imported only when the S3 store is in use, ADR 0035).
 */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** `s3://bucket[/prefix]` → its parts; null when it is not such an address. Bucket names as S3 allows them. */
export function parseS3Url(value: string): S3Location | null {
  const m = /^s3:\/\/([^/]+)(\/.*)?$/.exec(value);
  if (!m) return null;
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes("..")) return null;
  const prefix = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (prefix && !/^[A-Za-z0-9._\-/]+$/.test(prefix)) return null;
  return { bucket, prefix };
}

/** An http(s) address on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
