import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as openAttachment from "~/routes/allegati.$id";
import * as documentRoute from "~/routes/documenti.$id";
import * as zipRoute from "~/routes/fascicolo.$id.allegati[.]zip";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { parseEnv } from "~/server/env.server";
import { submitPratica } from "~/server/filing/submit.server";
import { runtime } from "~/server/runtime.server";
import { S3FileStore } from "~/server/s3-store.server";
import { engineServices, fileStore } from "~/server/services.server";
import { sweepOrphans } from "~/server/storage-sweep.server";
import { cookieFor, get } from "../desk/support";
import { completeDraft, PDF } from "../filing/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { startS3Server } from "../support/s3";

/**
 * A pratica filed with FILE_STORE=s3://… (ADR 0035): the attachments are uploaded through the filing code, the
 * receipt is issued by the engine, and both are downloaded through the portal's routes (one file, the ZIP read
 * back with `unzip` and `sha256sum`), all from s3rver on loopback; nothing lands in DATA_DIR/files. The orphan
 * sweep then removes only what no row names.
 */
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe.each(DATABASES)("files on S3-compatible storage on %s", (kind) => {
  let test: TestDatabase;
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let dataDir: string;
  let praticaId: string;
  let owner: Awaited<ReturnType<typeof userByEmail>>;
  const keep = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3Server(["suap-files"]);
    dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-s3-filing-"));
    // The SDK's standard credential variables, as an operator sets them.
    process.env.AWS_ACCESS_KEY_ID = "S3RVER";
    process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
    runtime.env = parseEnv({
      NODE_ENV: "test",
      DATA_DIR: dataDir,
      SESSION_SECRET: "s".repeat(48),
      FILE_STORE: `s3://suap-files/${kind}`,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: "eu-south-1",
    });
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    owner = await userByEmail(test.handle.db, "impresa@demo.test");
  });
  afterAll(async () => {
    await test?.drop();
    await s3?.close();
    rmSync(dataDir, { recursive: true, force: true });
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      if (keep[k] === undefined) delete process.env[k];
      else process.env[k] = keep[k];
    }
  });

  it("files a pratica whose attachments and receipt live in the bucket", async () => {
    const { db } = test.handle;
    const files = fileStore();
    expect(files).toBeInstanceOf(S3FileStore);
    praticaId = await completeDraft(db, files, owner);
    const result = await submitPratica(db, engineServices(runtime.env), owner, {
      praticaId,
      submissionKey: randomUUID(),
      declared: true,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const stored = [
      ...(await db
        .selectFrom("attachments")
        .select("storage_key as key")
        .where("pratica_id", "=", praticaId)
        .execute()),
      ...(await db
        .selectFrom("documents")
        .select("storage_key as key")
        .where("pratica_id", "=", praticaId)
        .execute()),
    ];
    expect(stored.length).toBeGreaterThanOrEqual(2); // the attachment (three uploads of one PDF) and the receipt
    for (const { key } of stored) {
      // In s3rver's own folder under the bucket and the prefix, as an S3 client put it there.
      expect(
        existsSync(
          path.join(
            s3.directory,
            "suap-files",
            kind,
            key.slice(0, 2),
            key.slice(2, 4),
            `${key}._S3rver_object`,
          ),
        ),
      ).toBe(true);
    }
    expect(existsSync(path.join(dataDir, "files"))).toBe(false);
  });

  it("downloads one attachment, the receipt and the ZIP from the bucket through the portal's routes", async () => {
    const { db } = test.handle;
    const officer = await cookieFor(db, "operatore@demo.test");
    const ownerCookie = await cookieFor(db, "impresa@demo.test");
    const attachments = await db
      .selectFrom("attachments")
      .select(["id", "filename", "sha256"])
      .where("pratica_id", "=", praticaId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    expect(attachments).toHaveLength(3);
    for (const cookie of [officer, ownerCookie]) {
      const res = await openAttachment.loader({
        request: get(`/allegati/${attachments[0]!.id}`, cookie),
        params: { id: attachments[0]!.id },
        context: {},
      });
      expect(res.status).toBe(200);
      expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), Buffer.from(PDF))).toBe(0);
    }
    const receipt = await db
      .selectFrom("documents")
      .select(["id", "sha256"])
      .where("pratica_id", "=", praticaId)
      .where("kind", "=", "ricevuta")
      .executeTakeFirstOrThrow();
    const doc = await documentRoute.loader({
      request: get(`/documenti/${receipt.id}`, ownerCookie),
      params: { id: receipt.id },
      context: {},
    });
    expect(doc.headers.get("Content-Type")).toBe("application/pdf");
    const pdf = Buffer.from(await doc.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(sha(pdf)).toBe(receipt.sha256);

    const zip = await zipRoute.loader({
      request: get(`/fascicolo/${praticaId}/allegati.zip`, officer),
      params: { id: praticaId },
      context: {},
    });
    expect(zip.status).toBe(200);
    const dir = mkdtempSync(path.join(os.tmpdir(), "suap-s3-zip-"));
    try {
      const file = path.join(dir, "allegati.zip");
      writeFileSync(file, Buffer.from(await zip.arrayBuffer()));
      expect(execFileSync("unzip", ["-t", file], { encoding: "utf8" })).toContain("No errors detected");
      execFileSync("unzip", ["-q", file, "-d", path.join(dir, "out")]);
      const manifest = readFileSync(path.join(dir, "out", "SHA256SUMS.txt"), "utf8")
        .trim()
        .split("\n");
      expect(manifest.map((l) => l.split("  ")[0])).toEqual(attachments.map((a) => a.sha256));
      const check = execFileSync("sha256sum", ["-c", "SHA256SUMS.txt"], {
        cwd: path.join(dir, "out"),
        encoding: "utf8",
      });
      expect(check.match(/: OK$/gm)).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the orphan sweep removes only objects no row names, and only old ones", async () => {
    const { db } = test.handle;
    const files = fileStore();
    const orphan = await files.put(randomBytes(1000));
    // Named only inside a JSON column (as the outbox names its attachments): kept.
    const inJson = await files.put(randomBytes(1000));
    await db
      .insertInto("outbox")
      .values({
        recipient: "nessuno@esempio.test",
        template: "prova",
        subject: "Prova",
        body_text: "Prova",
        body_html: null,
        pratica_id: null,
        next_attempt_at: new Date(),
        sent_at: new Date(),
        attachments: JSON.stringify([
          { filename: "a.pdf", contentType: "application/pdf", storageKey: inJson.key },
        ]),
        status: "sent",
      })
      .execute();
    // A cutoff in the past: every object is young, nothing goes.
    const young = await sweepOrphans(db, files, { olderThan: new Date(Date.now() - 3_600_000) });
    expect(young.deleted).toEqual([]);
    expect(young.young).toBeGreaterThanOrEqual(1);
    const dry = await sweepOrphans(db, files, { olderThan: new Date(Date.now() + 60_000), dryRun: true });
    expect(dry.deleted).toEqual([orphan.key]);
    expect(await files.exists(orphan.key)).toBe(true);
    const swept = await sweepOrphans(db, files, { olderThan: new Date(Date.now() + 60_000) });
    expect(swept.deleted).toEqual([orphan.key]);
    expect(await files.exists(orphan.key)).toBe(false);
    expect(await files.exists(inJson.key)).toBe(true);
    // Everything the pratica names is still there and still reads back whole.
    for (const r of await db
      .selectFrom("attachments")
      .select("storage_key")
      .where("pratica_id", "=", praticaId)
      .execute())
      expect(sha(await files.get(r.storage_key))).toBe(r.storage_key);
    for (const r of await db
      .selectFrom("documents")
      .select("storage_key")
      .where("pratica_id", "=", praticaId)
      .execute())
      expect(sha(await files.get(r.storage_key))).toBe(r.storage_key);
  });
});
