import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform } from "node:stream";

/**
 * Files stored by content hash (SHA-256): the key is the hash of the bytes, so a file is written once whoever
 * stores it and is never changed. `FileStore` is what the engine and the pages need; `ManagedFileStore` adds what
 * the operator's tools need (streaming a download, deleting, listing for the orphan sweep). Two implementations
 * (ADR 0035): the local one under DATA_DIR/files/ab/cd/<hash> (a temporary file and a rename, so a crash never
 * leaves a half-written file under a real key), and an S3-compatible one (`s3-store.server.ts`) for many hosts.
 * Every read checks the bytes against their key: a damaged or altered object is an error, never served.
 */
export interface FileStore {
  put(bytes: Uint8Array): Promise<{ key: string; sha256: string; size: number }>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
}

export interface StoredObject {
  key: string;
  /** When the object was written (the orphan sweep leaves young objects alone). */
  modified: Date;
}

export interface ManagedFileStore extends FileStore {
  /** The bytes as a stream; it fails at its end when they do not match their key. */
  stream(key: string): Promise<Readable>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  list(): AsyncIterable<StoredObject>;
  /** Where the files live, for the start-up line (no credentials). */
  readonly description: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class FileIntegrityError extends Error {
  constructor(
    readonly key: string,
    readonly actual: string,
  ) {
    super(`Stored file ${key} does not match its content hash (read ${actual})`);
    this.name = "FileIntegrityError";
  }
}

export class FileNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`Stored file ${key} not found`);
    this.name = "FileNotFoundError";
  }
}

export function checkKey(key: string) {
  if (!/^[a-f0-9]{64}$/.test(key)) throw new Error(`Invalid storage key: ${key}`);
  return key;
}

/** The bytes checked against their key. */
export function verified(key: string, bytes: Buffer): Buffer {
  const actual = sha256Hex(bytes);
  if (actual !== key) throw new FileIntegrityError(key, actual);
  return bytes;
}

/** Passes the bytes through and fails the stream at its end when their hash is not the key. */
export function verifying(key: string): Transform {
  const hash = createHash("sha256");
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest("hex");
      done(actual === key ? null : new FileIntegrityError(key, actual));
    },
  });
}

/** The relative path of a key in both stores: ab/cd/<hash>. */
export function keyPath(key: string) {
  checkKey(key);
  return `${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`;
}

export class LocalFileStore implements ManagedFileStore {
  constructor(private root: string) {}

  get description() {
    return `cartella ${this.root}`;
  }

  private pathFor(key: string) {
    return path.join(this.root, ...keyPath(key).split("/"));
  }

  async put(bytes: Uint8Array) {
    const sha256 = sha256Hex(bytes);
    const target = this.pathFor(sha256);
    if (!(await this.exists(sha256))) {
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, target);
    } else {
      // Stored again: its time is now, so the orphan sweep (which leaves young objects alone) keeps it.
      const now = new Date();
      await utimes(target, now, now);
    }
    return { key: sha256, sha256, size: bytes.byteLength };
  }

  async get(key: string) {
    try {
      return verified(key, await readFile(this.pathFor(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new FileNotFoundError(key);
      throw error;
    }
  }

  async stream(key: string) {
    const file = this.pathFor(key);
    try {
      await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new FileNotFoundError(key);
      throw error;
    }
    const check = verifying(key);
    const source = createReadStream(file);
    source.on("error", (e) => check.destroy(e));
    return source.pipe(check);
  }

  async exists(key: string) {
    try {
      await stat(this.pathFor(key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  async delete(key: string) {
    try {
      await unlink(this.pathFor(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  async *list(): AsyncIterable<StoredObject> {
    const dirs = async (p: string) => {
      try {
        return (await readdir(p, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
      }
    };
    for (const a of (await dirs(this.root)).sort()) {
      for (const b of (await dirs(path.join(this.root, a))).sort()) {
        const dir = path.join(this.root, a, b);
        for (const name of (await readdir(dir)).sort()) {
          if (!/^[a-f0-9]{64}$/.test(name)) continue; // temporary files of a write in progress
          const s = await stat(path.join(dir, name)).catch(() => null);
          if (s) yield { key: name, modified: s.mtime };
        }
      }
    }
  }
}

/** Collects a stream into one buffer (small files: mail attachments, a ZIP's entries). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
