import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { checkRequest } from "~/server/integrations/ssu/openapi.server";
import { startPdndDouble } from "~/server/integrations/ssu/pdnd-double.server";
import { submitPratica } from "~/server/filing/submit.server";
import { loadDraft } from "~/server/filing/drafts.server";
import { moduloDraft, moduloLabels } from "~/server/filing/submit.server";
import { ensureModuli } from "~/server/modulo/modulo.server";
import { runtime } from "~/server/runtime.server";
import { userByEmail } from "../support/factories";
import { completeDraft } from "../filing/support";
import { type Instance, registerPurposes, startInstance, writeCatalogue } from "./instances";

/**
 * A vicinato apertura filed at a front office travels to the back office with its AgID XML modulo (issue 16,
 * ADR 0027): the modulo is validated before submission, listed in send_instance's instance index by its hash,
 * served by the document operation, and stored byte for byte by the receiving portal. Two portals on loopback,
 * each with its own database (with TEST_DATABASE_URL the back office runs on Postgres), one development PDND.
 */

describe("the unified form in the SSU instance", () => {
  let pdnd: Awaited<ReturnType<typeof startPdndDouble>>;
  let fo: Instance;
  let bo: Instance;
  const clock = new Date();
  const systems = () => ({
    suap: {
      "*": {
        fo_system: { e_service_to_bo: fo?.serviceUrl("fo_to_bo") },
        bo_system: {
          e_service_to_fo: bo?.serviceUrl("bo_to_fo"),
          e_service_to_et: bo?.serviceUrl("bo_to_et"),
        },
      },
    },
    third_party_system: {},
  });

  async function exchange() {
    for (let round = 0; round < 20; round++) {
      let claimed = 0;
      for (const i of [fo, bo]) claimed += (await i.run()).claimed;
      if (claimed === 0) return round;
    }
    throw new Error("the exchange did not settle");
  }

  beforeAll(async () => {
    pdnd = await startPdndDouble();
    const common = { pdnd, clock: () => clock, catalogue: systems };
    fo = await startInstance({ ...common, name: "fo-modulo", kind: "pglite", roles: "front_office" });
    bo = await startInstance({
      ...common,
      name: "bo-modulo",
      kind: process.env.TEST_DATABASE_URL ? "postgres" : "pglite",
      roles: "back_office",
    });
    for (const i of [fo, bo]) writeCatalogue(i, systems());
    registerPurposes(pdnd.double, fo, bo, ["bo_to_fo"]);
    registerPurposes(pdnd.double, bo, fo, ["fo_to_bo"]);
    await importBundledCatalogues(fo.db.handle.db);
    runtime.env = fo.env;
  }, 300_000);

  afterAll(async () => {
    for (const i of [fo, bo]) await i?.close();
    await pdnd?.close();
  });

  it("files a vicinato: the modulo is valid, sent in the index by its hash, and byte-identical at the back office", async () => {
    runtime.handle = fo.db.handle;
    const db = fo.db.handle.db;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, fo.files, owner);
    const ctx = await loadDraft(db, owner, id);
    // the summary shows: validated and stored
    const [status] = await ensureModuli(db, moduloDraft(ctx), moduloLabels(ctx), clock);
    expect(status).toMatchObject({ usecase: "VICINATO_APERTURA_NON_ALIMENTARE", valid: true });

    const result = await submitPratica(db, fo.services, owner, {
      praticaId: id,
      submissionKey: randomUUID().replace(/-/g, ""),
      declared: true,
      now: clock,
    });
    expect(result.ok).toBe(true);
    const modulo = await db
      .selectFrom("moduli")
      .selectAll()
      .where("pratica_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(modulo.valid).toBe(true);
    expect(createHash("sha256").update(modulo.xml, "utf8").digest("hex")).toBe(modulo.sha256);

    await exchange();

    // what was sent: send_instance lists the modulo by resource id and hash, and the message meets the OpenAPI
    const sent = await db
      .selectFrom("ssu_messages")
      .select(["body", "service"])
      .where("direction", "=", "out")
      .where("operation", "=", "send_instance")
      .execute();
    expect(sent).toHaveLength(1);
    const body = sent[0]!.body as {
      instance_index: { resource_id: string; hash: string; code: string; ref: string }[];
    };
    expect(checkRequest("bo_to_fo", "send_instance", body)).toEqual([]);
    expect(body.instance_index).toContainEqual(
      expect.objectContaining({
        resource_id: "modulo-VICINATO_APERTURA_NON_ALIMENTARE",
        hash: modulo.sha256,
        code: "VICINATO_APERTURA_NON_ALIMENTARE",
        ref: "VICINATO_APERTURA_NON_ALIMENTARE.xml",
      }),
    );
    // the back office fetched it through the document operation, with the signed answer checked
    expect(bo.seen.some((s) => s.operation === "send_instance" && s.status === 200)).toBe(true);
    expect(fo.seen.some((s) => s.operation === "document" && s.status === 200 && s.responseSignatureOk)).toBe(
      true,
    );

    // and keeps exactly those bytes on its copy of the pratica
    const copy = await bo.db.handle.db
      .selectFrom("attachments")
      .select(["storage_key", "sha256", "content_type", "filename"])
      .where("pratica_id", "=", id)
      .where("filename", "=", "VICINATO_APERTURA_NON_ALIMENTARE.xml")
      .executeTakeFirstOrThrow();
    expect(copy).toMatchObject({ sha256: modulo.sha256, content_type: "application/xml" });
    const bytes = Buffer.from(await bo.files.get(copy.storage_key));
    expect(bytes.equals(Buffer.from(modulo.xml, "utf8"))).toBe(true);
  });
});
