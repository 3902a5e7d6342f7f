import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Files stored by content hash (SHA-256). The interface is what an S3-compatible store would implement;
 * the local one writes to DATA_DIR/files/ab/cd/<hash> through a temporary file and a rename, so a crash
 * never leaves a half-written file under a real key.
 */
export interface FileStore {
  put(bytes: Uint8Array): Promise<{ key: string; sha256: string; size: number }>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class LocalFileStore implements FileStore {
  constructor(private root: string) {}

  private pathFor(key: string) {
    if (!/^[a-f0-9]{64}$/.test(key)) throw new Error(`Invalid storage key: ${key}`);
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(bytes: Uint8Array) {
    const sha256 = sha256Hex(bytes);
    const target = this.pathFor(sha256);
    if (!(await this.exists(sha256))) {
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, target);
    }
    return { key: sha256, sha256, size: bytes.byteLength };
  }

  async get(key: string) {
    return readFile(this.pathFor(key));
  }

  async exists(key: string) {
    try {
      await stat(this.pathFor(key));
      return true;
    } catch {
      return false;
    }
  }
}
