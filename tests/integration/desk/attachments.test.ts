import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as openAttachment from "~/routes/allegati.$id";
import * as zipRoute from "~/routes/fascicolo.$id.allegati[.]zip";
import type { EngineServices } from "~/server/engine/engine.server";
import { fileStore } from "~/server/services.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { actAs, cookieFor, get, submittedPratica, useTestEnv } from "./support";

/**
 * Officers and agency reviewers open the business's attachments (inline for PDF and images) and download
 * them all as a ZIP with SHA-256 hashes; anyone who may not see the pratica gets a 404. The ZIP is read back
 * with the system's `unzip` and `sha256sum`, as a person receiving it would.
 */
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function status(run: () => Promise<Response>): Promise<number> {
  try {
    return (await run()).status;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

describe.each(DATABASES)("attachments for the people who examine them on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let praticaId: string;
  const files: { id: string; name: string; type: string; bytes: Buffer }[] = [];
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    const { db } = test.handle;
    const { id, owner } = await submittedPratica(db, services, { regime: "scia", at: "2026-03-02" });
    praticaId = id;
    await actAs(db, services, "operatore@demo.test", praticaId, {
      type: "FORWARD_TO_AGENCIES",
      at: "2026-03-03",
      agencies: [{ agencyId: "ASL-TNO", termDays: 30 }],
    });
    const samples = [
      { code: "PLANIMETRIA", name: "Planimetria «piano terra».pdf", type: "application/pdf" },
      { code: "FOTO", name: "facciata.png", type: "image/png" },
      { code: "PROCURA", name: "procura.pdf.p7m", type: "application/pkcs7-mime" },
    ];
    for (const [i, s] of samples.entries()) {
      const bytes = Buffer.from(`%PDF-1.4 sample ${i} ${randomUUID()}\n`.repeat(50 + i), "utf8");
      const stored = await fileStore().put(bytes);
      const attachmentId = randomUUID();
      await db
        .insertInto("attachments")
        .values({
          id: attachmentId,
          pratica_id: praticaId,
          code: s.code,
          filename: s.name,
          content_type: s.type,
          size: stored.size,
          sha256: stored.sha256,
          storage_key: stored.key,
          uploaded_by: owner.id,
          created_at: new Date(Date.UTC(2026, 2, 2, 9, i)),
        })
        .execute();
      files.push({ id: attachmentId, name: s.name, type: s.type, bytes });
    }
    // A business user who does not own the pratica.
    const strangerId = randomUUID();
    await db
      .insertInto("users")
      .values({
        id: strangerId,
        email: "estraneo@impresa.test",
        password_hash: "scrypt$unused",
        full_name: "Estraneo",
      })
      .execute();
    await db
      .insertInto("memberships")
      .values({ user_id: strangerId, role: "business", entity_id: null })
      .execute();
    for (const [k, email] of Object.entries({
      officer: "operatore@demo.test",
      asl: "asl@demo.test",
      vvf: "vvf@demo.test",
      owner: "impresa@demo.test",
      stranger: "estraneo@impresa.test",
    })) {
      cookies[k] = await cookieFor(db, email);
    }
  });
  afterAll(async () => {
    await test.drop();
  });

  const open = (id: string, cookie: string) =>
    openAttachment.loader({ request: get(`/allegati/${id}`, cookie), params: { id }, context: {} });
  const zip = (id: string, cookie: string) =>
    zipRoute.loader({ request: get(`/fascicolo/${id}/allegati.zip`, cookie), params: { id }, context: {} });

  it("opens a PDF and an image inline for the officer and the involved agency, with safe headers", async () => {
    for (const who of ["officer", "asl"]) {
      for (const f of files.slice(0, 2)) {
        const res = await open(f.id, cookies[who]!);
        expect(res.status).toBe(200);
        expect(res.headers.get("Content-Type")).toBe(f.type);
        expect(res.headers.get("Content-Disposition")).toMatch(/^inline; filename="/);
        expect(res.headers.get("Content-Disposition")).toContain(encodeURIComponent(f.name));
        expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
        expect(res.headers.get("Cache-Control")).toBe("private, no-store");
        expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(f.bytes));
      }
    }
    // A signed envelope is not something a browser shows: it is downloaded.
    const p7m = await open(files[2]!.id, cookies.officer!);
    expect(p7m.headers.get("Content-Disposition")).toMatch(/^attachment; /);
  });

  it("gives another agency, a business that is not the owner and an unknown id a 404", async () => {
    for (const who of ["vvf", "stranger"]) {
      expect(await status(() => open(files[0]!.id, cookies[who]!))).toBe(404);
      expect(await status(() => zip(praticaId, cookies[who]!))).toBe(404);
    }
    expect(await status(() => open(randomUUID(), cookies.officer!))).toBe(404);
    expect(await status(() => zip(randomUUID(), cookies.officer!))).toBe(404);
    expect(await status(() => open("../etc/passwd", cookies.officer!))).toBe(404);
  });

  it("zips every attachment with a SHA256SUMS manifest that unzip and sha256sum accept", async () => {
    for (const who of ["officer", "asl"]) {
      const res = await zip(praticaId, cookies[who]!);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe("application/zip");
      expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="allegati-.*\.zip"/);
      expect(res.headers.get("Cache-Control")).toBe("private, no-store");
      const dir = mkdtempSync(path.join(os.tmpdir(), "journey-zip-"));
      try {
        const file = path.join(dir, "allegati.zip");
        writeFileSync(file, Buffer.from(await res.arrayBuffer()));
        // -t checks every entry's CRC-32; then extract and verify the manifest.
        expect(execFileSync("unzip", ["-t", file], { encoding: "utf8" })).toContain("No errors detected");
        execFileSync("unzip", ["-q", file, "-d", path.join(dir, "out")]);
        const manifest = readFileSync(path.join(dir, "out", "SHA256SUMS.txt"), "utf8")
          .trim()
          .split("\n");
        expect(manifest).toHaveLength(files.length);
        for (const [i, f] of files.entries()) {
          const [hash, name] = manifest[i]!.split("  ");
          expect(hash).toBe(sha(f.bytes));
          expect(name).toContain(f.name.normalize("NFC"));
          expect(sha(readFileSync(path.join(dir, "out", name!)))).toBe(hash);
        }
        const check = execFileSync("sha256sum", ["-c", "SHA256SUMS.txt"], {
          cwd: path.join(dir, "out"),
          encoding: "utf8",
        });
        expect(check.match(/: OK$/gm)).toHaveLength(files.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
