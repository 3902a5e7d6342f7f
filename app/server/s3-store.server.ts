import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  FileNotFoundError,
  keyPath,
  type ManagedFileStore,
  type StoredObject,
  sha256Hex,
  verified,
  verifying,
} from "./storage.server";
import type { Env } from "./env.server";
import { parseS3Url, type S3Location } from "./s3-url.server";

/**
 * The file store on S3-compatible object storage (ADR 0035): `FILE_STORE=s3://bucket[/prefix]`, with
 * S3_ENDPOINT (MinIO, Ceph, a cloud's S3 service; empty: AWS), S3_REGION and S3_FORCE_PATH_STYLE. Credentials
 * come from the AWS SDK's standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a web identity
 * or the instance's role): the portal never reads or logs them. Objects are laid out as the local store's
 * files (`prefix/ab/cd/<sha256>`), written once (a key is the hash of its bytes) and checked on every read.
 */

export interface S3StoreOptions extends S3Location {
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Only tests pass them; otherwise the SDK's standard chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Bounds every request (a store that does not answer is an error, not a hang). */
  requestTimeoutMs?: number;
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

// The SDK (a few MB of modules) is loaded by the first call, only in a portal configured for S3.
type Sdk = typeof import("@aws-sdk/client-s3");
let sdkPromise: Promise<Sdk> | undefined;
const loadSdk = () => {
  sdkPromise ??= import("@aws-sdk/client-s3");
  return sdkPromise;
};

export class S3FileStore implements ManagedFileStore {
  readonly bucket: string;
  private prefix: string;
  private connected: Promise<{ sdk: Sdk; client: S3Client }> | undefined;

  constructor(private opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ? `${opts.prefix}/` : "";
  }

  private connect() {
    this.connected ??= loadSdk().then((sdk) => ({ sdk, client: this.makeClient(sdk) }));
    return this.connected;
  }

  private makeClient(sdk: Sdk) {
    const opts = this.opts;
    return new sdk.S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      // The content hash is the portal's own check (metadata + every read); the SDK's default CRC trailers
      // (aws-chunked uploads) are not spoken by every S3-compatible server.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: opts.requestTimeoutMs ?? 60_000,
      },
    });
  }

  get description() {
    const where = this.opts.endpoint ? ` su ${new URL(this.opts.endpoint).host}` : "";
    return `bucket S3 ${this.bucket}${this.prefix ? `/${this.prefix.slice(0, -1)}` : ""}${where}`;
  }

  private objectKey(key: string) {
    return `${this.prefix}${keyPath(key)}`;
  }

  /** At boot: the bucket is there and these credentials may use it; otherwise one sentence saying what to fix. */
  async check(): Promise<void> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const code = status(error);
      const what =
        code === 404
          ? `il bucket ${this.bucket} non esiste: crealo o correggi FILE_STORE`
          : code === 403 || code === 401
            ? `le credenziali non danno accesso al bucket ${this.bucket}: controlla AWS_ACCESS_KEY_ID e AWS_SECRET_ACCESS_KEY (o il ruolo della macchina) e i permessi del bucket`
            : `lo storage S3 non risponde (${(error as Error).name}: ${(error as Error).message}): controlla S3_ENDPOINT, S3_REGION e la rete`;
      throw new Error(`Archivio dei file non raggiungibile: ${what}.`);
    }
  }

  async put(bytes: Uint8Array) {
    const { sdk, client } = await this.connect();
    const sha256 = sha256Hex(bytes);
    if (await this.exists(sha256)) {
      // Stored again: copied onto itself so its LastModified is now, and the orphan sweep (which leaves young
      // objects alone) keeps it.
      await client.send(
        new sdk.CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(sha256),
          CopySource: `${this.bucket}/${this.objectKey(sha256)}`,
          MetadataDirective: "REPLACE",
          ContentType: "application/octet-stream",
          Metadata: { sha256 },
        }),
      );
    } else {
      // One PUT: the object appears whole or not at all (S3 never exposes a partial upload).
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(sha256),
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: "application/octet-stream",
          Metadata: { sha256 },
        }),
      );
    }
    return { key: sha256, sha256, size: bytes.byteLength };
  }

  private async open(key: string) {
    const { sdk, client } = await this.connect();
    try {
      const out = await client.send(
        new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      if (!out.Body) throw new FileNotFoundError(key);
      return out.Body as Readable;
    } catch (error) {
      if (status(error) === 404) throw new FileNotFoundError(key);
      throw error;
    }
  }

  async get(key: string) {
    const body = await this.open(key);
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
    return verified(key, Buffer.concat(chunks));
  }

  async stream(key: string) {
    const body = await this.open(key);
    const check = verifying(key);
    const source = body instanceof Readable ? body : Readable.from(body as AsyncIterable<Uint8Array>);
    source.on("error", (e) => check.destroy(e));
    return source.pipe(check);
  }

  async exists(key: string) {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      // Only "not there" is false: an unreachable store or a refused request is an error, never "absent".
      if (status(error) === 404) return false;
      throw error;
    }
  }

  async delete(key: string) {
    const { sdk, client } = await this.connect();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async *list(): AsyncIterable<StoredObject> {
    const { sdk, client } = await this.connect();
    let token: string | undefined;
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix || undefined,
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) {
        const name = o.Key?.slice(this.prefix.length) ?? "";
        const m = /^([a-f0-9]{2})\/([a-f0-9]{2})\/([a-f0-9]{64})$/.exec(name);
        if (m && m[3]!.startsWith(m[1]! + m[2]!))
          yield { key: m[3]!, modified: o.LastModified ?? new Date() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async close() {
    if (this.connected) (await this.connected).client.destroy();
  }
}

/** The S3 client's settings from the configuration; credentials stay with the SDK's standard chain. */
export function s3Options(env: Env, at: S3Location): S3StoreOptions {
  return {
    ...at,
    endpoint: env.S3_ENDPOINT,
    // The SDK's own variables when S3_REGION is not set; a region is required even by servers that ignore it.
    region: env.S3_REGION ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    // Self-hosted servers (MinIO, Ceph, s3rver) are reached by path (host/bucket/key); AWS by virtual host.
    forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === "1" : !!env.S3_ENDPOINT,
  };
}

/** At boot, with FILE_STORE=s3://…: the bucket answers to these credentials, or the boot stops with a sentence. */
export async function checkS3FileStore(env: Env) {
  const at = env.FILE_STORE ? parseS3Url(env.FILE_STORE) : null;
  if (!at) return;
  const store = new S3FileStore({ ...s3Options(env, at), requestTimeoutMs: 15_000 });
  try {
    await store.check();
  } finally {
    await store.close();
  }
}
