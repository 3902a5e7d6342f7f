import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "~/server/env.server";
import { checkS3FileStore, S3FileStore } from "~/server/s3-store.server";
import { parseS3Url } from "~/server/s3-url.server";
import { fileStore } from "~/server/services.server";
import {
  FileIntegrityError,
  FileNotFoundError,
  LocalFileStore,
  type ManagedFileStore,
  readAll,
  sha256Hex,
} from "~/server/storage.server";
import { startS3Server } from "../support/s3";

// The file store's contract (ADR 0035), the same tests for the local folder and for S3-compatible storage
// (s3rver on loopback: the S3 REST protocol, SigV4-signed requests, the access key checked).
let s3: Awaited<ReturnType<typeof startS3Server>>;
const roots: string[] = [];
beforeAll(async () => {
  s3 = await startS3Server(["suap-files", "suap-other"]);
});
afterAll(async () => {
  await s3?.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

type Made = { store: ManagedFileStore; corrupt(key: string, bytes: Buffer): void };
const STORES: [string, () => Made][] = [
  [
    "local",
    () => {
      const root = mkdtempSync(path.join(os.tmpdir(), "suap-store-"));
      roots.push(root);
      return {
        store: new LocalFileStore(root),
        corrupt: (key, bytes) => writeFileSync(path.join(root, key.slice(0, 2), key.slice(2, 4), key), bytes),
      };
    },
  ],
  [
    "s3",
    () => {
      const prefix = `t${randomBytes(4).toString("hex")}/files`;
      const store = new S3FileStore({
        bucket: "suap-files",
        prefix,
        endpoint: s3.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: s3.credentials,
      });
      return {
        store,
        // Straight into s3rver's folder: what a damaged disk or a tampering operator would leave.
        corrupt: (key, bytes) => {
          const dir = path.join(
            s3.directory,
            "suap-files",
            ...prefix.split("/"),
            key.slice(0, 2),
            key.slice(2, 4),
          );
          const name = readdirSync(dir).find((f) => f === `${key}._S3rver_object`)!;
          writeFileSync(path.join(dir, name), bytes);
        },
      };
    },
  ],
];

describe.each(STORES)("file store contract: %s", (_kind, make) => {
  it("stores by content hash, reads back the same bytes, and writes one object for the same bytes", async () => {
    const { store } = make();
    const bytes = randomBytes(200_000);
    const first = await store.put(bytes);
    expect(first).toEqual({ key: sha256Hex(bytes), sha256: sha256Hex(bytes), size: bytes.byteLength });
    expect(await store.exists(first.key)).toBe(true);
    expect(Buffer.compare(await store.get(first.key), bytes)).toBe(0);
    expect(Buffer.compare(await readAll(await store.stream(first.key)), bytes)).toBe(0);
    const again = await store.put(bytes);
    expect(again.key).toBe(first.key);
    const other = await store.put(Buffer.from("un altro file"));
    const listed = [];
    for await (const o of store.list()) listed.push(o);
    expect(listed.map((o) => o.key).sort()).toEqual([first.key, other.key].sort());
    for (const o of listed) expect(Math.abs(o.modified.getTime() - Date.now())).toBeLessThan(3_600_000);
  });

  it("an empty file is a file", async () => {
    const { store } = make();
    const empty = await store.put(new Uint8Array(0));
    expect(empty.size).toBe(0);
    expect((await store.get(empty.key)).byteLength).toBe(0);
  });

  it("a missing key: exists is false, get and stream fail with FileNotFoundError", async () => {
    const { store } = make();
    const key = sha256Hex(randomBytes(8));
    expect(await store.exists(key)).toBe(false);
    await expect(store.get(key)).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(store.stream(key)).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it("a key that is not a sha256 is refused before any I/O", async () => {
    const { store } = make();
    await expect(store.get("../../etc/passwd")).rejects.toThrow(/Invalid storage key/);
    await expect(store.put(Buffer.from("x")).then((r) => store.get(`${r.key}/..`))).rejects.toThrow(
      /Invalid storage key/,
    );
  });

  it("altered bytes are never served: get and the stream fail on the content hash", async () => {
    const { store, corrupt } = make();
    const bytes = Buffer.from("Planimetria del locale, versione originale ".repeat(100));
    const { key } = await store.put(bytes);
    const altered = Buffer.from(bytes);
    altered[10] = altered[10]! ^ 0xff;
    corrupt(key, altered);
    await expect(store.get(key)).rejects.toBeInstanceOf(FileIntegrityError);
    await expect(readAll(await store.stream(key))).rejects.toBeInstanceOf(FileIntegrityError);
  });

  it("delete removes the object; deleting it again is not an error", async () => {
    const { store } = make();
    const { key } = await store.put(Buffer.from("da cancellare"));
    await store.delete(key);
    expect(await store.exists(key)).toBe(false);
    await store.delete(key);
    const left = [];
    for await (const o of store.list()) left.push(o.key);
    expect(left).not.toContain(key);
  });
});

describe("local store", () => {
  // On S3 the store copies the object onto itself (AWS sets LastModified anew); s3rver keeps its file's time on
  // such a copy, so this case runs on the folder. The sweep's check just before a delete covers both.
  it("storing bytes already there refreshes their time (the orphan sweep keeps them)", async () => {
    const { store } = STORES[0]![1]();
    const { key } = await store.put(Buffer.from("stessi byte, due caricamenti"));
    const when = async () => {
      for await (const o of store.list()) if (o.key === key) return o.modified.getTime();
      throw new Error("not listed");
    };
    const first = await when();
    // File times may have whole-second precision: the second put comes in a later second.
    await new Promise((r) => setTimeout(r, 1100));
    await store.put(Buffer.from("stessi byte, due caricamenti"));
    expect(await when()).toBeGreaterThan(first);
    expect((await store.get(key)).toString()).toBe("stessi byte, due caricamenti");
  });
});

describe("S3 store: configuration and reachability", () => {
  const base = { NODE_ENV: "development" };

  it("parses s3://bucket[/prefix] and refuses what is not a bucket address, with the variable named", () => {
    expect(parseS3Url("s3://suap-files")).toEqual({ bucket: "suap-files", prefix: "" });
    expect(parseS3Url("s3://suap-files/avc/prod/")).toEqual({ bucket: "suap-files", prefix: "avc/prod" });
    for (const bad of ["s3://ab", "s3://Maiuscole", "s3://a..b", "http://suap-files", "s3://suap files"]) {
      expect(parseS3Url(bad), bad).toBeNull();
      expect(() => parseEnv({ ...base, FILE_STORE: bad })).toThrow(
        /FILE_STORE deve essere local oppure s3:\/\/bucket\/prefisso.*Correggi la variabile FILE_STORE/,
      );
    }
    expect(() => parseEnv({ ...base, S3_ENDPOINT: "http://127.0.0.1:9000" })).toThrow(
      /S3_ENDPOINT e S3_FORCE_PATH_STYLE valgono solo con FILE_STORE=s3/,
    );
    expect(() =>
      parseEnv({
        NODE_ENV: "production",
        SESSION_SECRET: "x".repeat(40),
        FILE_STORE: "s3://suap-files",
        S3_ENDPOINT: "http://minio.interno:9000",
      }),
    ).toThrow(/S3_ENDPOINT deve usare https:\/\/ in produzione/);
    const env = parseEnv({ ...base, FILE_STORE: "s3://suap-files/avc", S3_ENDPOINT: s3.endpoint });
    const store = fileStore(env);
    expect(store).toBeInstanceOf(S3FileStore);
    expect(store.description).toBe(`bucket S3 suap-files/avc su ${new URL(s3.endpoint).host}`);
    expect(fileStore(parseEnv({ ...base, DATA_DIR: "/tmp/x" }))).toBeInstanceOf(LocalFileStore);
  });

  it("the boot check passes on a reachable bucket and says what to fix otherwise", async () => {
    const keep = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = "S3RVER";
    process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
    try {
      const env = (store: string, endpoint = s3.endpoint) =>
        parseEnv({ ...base, FILE_STORE: store, S3_ENDPOINT: endpoint });
      await expect(checkS3FileStore(env("s3://suap-files/avc"))).resolves.toBeUndefined();
      await expect(checkS3FileStore(env("s3://non-esiste"))).rejects.toThrow(
        /Archivio dei file non raggiungibile: il bucket non-esiste non esiste: crealo o correggi FILE_STORE\./,
      );
      // s3rver checks the access key (not SigV4's signature): an unknown key is refused with 403.
      process.env.AWS_ACCESS_KEY_ID = "SCONOSCIUTA";
      await expect(checkS3FileStore(env("s3://suap-files"))).rejects.toThrow(
        /le credenziali non danno accesso al bucket suap-files: controlla AWS_ACCESS_KEY_ID/,
      );
      process.env.AWS_ACCESS_KEY_ID = "S3RVER";
      // A port nobody listens on (the server's own, once closed, is not reusable here: 1 is never served).
      await expect(checkS3FileStore(env("s3://suap-files", "http://127.0.0.1:1"))).rejects.toThrow(
        /lo storage S3 non risponde .*controlla S3_ENDPOINT, S3_REGION e la rete/,
      );
    } finally {
      if (keep.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = keep.id;
      if (keep.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = keep.secret;
    }
  });
});
