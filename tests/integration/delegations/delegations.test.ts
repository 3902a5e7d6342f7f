import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPrincipal } from "~/server/auth/session.server";
import { DelegationError, grantDelegation, revokeDelegation } from "~/server/delegations/delegations.server";
import { sendDigests } from "~/server/delegations/digest.server";
import { handOver, workspacePratiche } from "~/server/delegations/workspace.server";
import { dispatch, type EngineServices } from "~/server/engine/engine.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, userByEmail, workflowInput } from "../support/factories";

const files = new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-deleghe-")));
const services: EngineServices = { files, publicUrl: "http://localhost:3000" };
// A real PDF: the procura is parsed as what it claims (issue 11), as every upload.
const PDF = new Uint8Array(readFileSync(path.resolve("tests/fixtures/planimetria.pdf")));
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

function romeToday() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome" }).format(new Date());
}
function shift(days: number) {
  const d = new Date(`${romeToday()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

describe.each(DATABASES)("delegations on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  async function grant(overrides: Partial<Parameters<typeof grantDelegation>[3]> = {}) {
    const owner = await userByEmail(test.handle.db, "impresa@demo.test");
    return grantDelegation(
      test.handle.db,
      files,
      { userId: owner.id, businessIds: owner.principal.businessIds },
      {
        businessId: owner.principal.businessIds[0]!,
        organisationCode: "CONFCOMMERCIO-PI",
        scope: null,
        validFrom: shift(-1),
        validTo: shift(365),
        procura: { filename: "procura firmata.pdf", bytes: PDF },
        maxBytes: 1024 * 1024,
        ...overrides,
      },
      romeToday(),
    );
  }

  it("refuses a bad grant with a sentence per field, storing nothing", async () => {
    const before = await test.handle.db.selectFrom("delegations").select("id").execute();
    const cases: [Partial<Parameters<typeof grantDelegation>[3]>, string, RegExp][] = [
      [{ procura: { filename: "procura.pdf", bytes: PNG } }, "procura", /PDF o un file firmato/],
      // Parsed as what it claims (issue 11), not judged by its first bytes.
      [
        {
          procura: { filename: "procura.pdf", bytes: new TextEncoder().encode("%PDF-1.4\n% non davvero\n") },
        },
        "procura",
        /non si apre come PDF/,
      ],
      [
        {
          procura: {
            filename: "procura.pdf",
            bytes: new Uint8Array([
              ...PDF,
              ...new TextEncoder().encode("<html><script>alert(1)</script></html>"),
            ]),
          },
        },
        "procura",
        /pagina web/,
      ],
      [
        {
          procura: {
            filename: "procura.pdf.p7m",
            // Looks like CAdES by its first bytes (SEQUENCE + the signedData OID), but is no envelope.
            bytes: new Uint8Array([
              0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30,
              0x80, 0x02, 0x01, 0x01, 0xff, 0xff, 0xff,
            ]),
          },
        },
        "procura",
        /busta di firma digitale leggibile/,
      ],
      [{ procura: { filename: "procura.xml", bytes: PDF } }, "procura", /estensione \.xml/],
      [{ validTo: shift(-3), validFrom: shift(-10) }, "validTo", /già passata/],
      [{ validFrom: shift(10), validTo: shift(5) }, "validTo", /successiva/],
      [{ validFrom: "31/12/2027" }, "validFrom", /formato/],
      [{ organisationCode: "ASL-TNO" }, "organisation", /Scegli/],
      [{ scope: [] }, "scope", /almeno un procedimento/],
    ];
    for (const [overrides, field, message] of cases) {
      const error = await grant(overrides).catch((e) => e);
      expect(error, field).toBeInstanceOf(DelegationError);
      expect(error.field).toBe(field);
      expect(error.messageIt).toMatch(message);
    }
    expect(await test.handle.db.selectFrom("delegations").select("id").execute()).toEqual(before);
  });

  it("lets the association act while the delegation is in force, and keeps only sight after revocation", async () => {
    const { db } = test.handle;
    const delegation = await grant();
    const operator = await userByEmail(db, "associazione@demo.test");
    expect(operator.principal.delegations?.map((d) => d.id)).toContain(delegation.id);

    // The business files; the association follows it and answers for it.
    const { id, owner } = await draftPratica(db);
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "SUBMIT", at: romeToday() },
      actor: { kind: "user", userId: owner.id, principal: owner.principal },
      start: workflowInput("scia", 60),
    });
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "PROTOCOL", at: romeToday() },
      actor: { kind: "system", name: "t" },
    });
    const ws = await workspacePratiche(db, operator.principal);
    expect(ws.rows.map((r) => r.id)).toContain(id);

    // The association may cancel on the business's behalf (an applicant act) while in force...
    const { id: second } = await draftPratica(db);
    await dispatch(db, services, {
      praticaId: second,
      event: { type: "SUBMIT", at: romeToday() },
      actor: { kind: "user", userId: operator.id, principal: operator.principal },
      start: workflowInput("scia", 60),
    });
    await dispatch(db, services, {
      praticaId: second,
      event: { type: "PROTOCOL", at: romeToday() },
      actor: { kind: "system", name: "t" },
    });
    const cancelled = await dispatch(db, services, {
      praticaId: second,
      event: {
        type: "CANCEL",
        at: romeToday(),
        reasons: "Ritirata dall'associazione per conto dell'impresa",
      },
      actor: { kind: "user", userId: operator.id, principal: operator.principal },
    });
    expect(cancelled.status).toBe("cancelled");
    const cancelRow = await db
      .selectFrom("pratiche")
      .select("status")
      .where("id", "=", second)
      .executeTakeFirstOrThrow();
    expect(cancelRow.status).toBe("cancelled");
    const cancelEntry = await db
      .selectFrom("events")
      .select(["type", "actor_user_id", "actor_kind"])
      .where("pratica_id", "=", second)
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(cancelEntry).toEqual({ type: "CANCEL", actor_user_id: operator.id, actor_kind: "applicant" });

    // ...and after the business revokes, it can neither act nor see what is filed later.
    const revoked = await revokeDelegation(
      db,
      { userId: owner.id, businessIds: owner.principal.businessIds },
      delegation.id,
    );
    expect(revoked.ok).toBe(true);
    const after = await loadPrincipal(operator.id);
    await expect(
      dispatch(db, services, {
        praticaId: id,
        event: { type: "CANCEL", at: romeToday() },
        actor: { kind: "user", userId: operator.id, principal: after },
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/forbidden|not_found/) });
    const { id: later } = await draftPratica(db);
    await dispatch(db, services, {
      praticaId: later,
      event: { type: "SUBMIT", at: romeToday() },
      actor: { kind: "user", userId: owner.id, principal: owner.principal },
      start: workflowInput("scia", 60),
    });
    // Dates carry no time of day: a filing on the revocation day stays in sight; this one comes the day after.
    await db
      .updateTable("pratiche")
      .set({ submitted_at: new Date(Date.now() + 36 * 3600_000) })
      .where("id", "=", later)
      .execute();
    const ws2 = await workspacePratiche(db, after);
    expect(ws2.rows.map((r) => r.id)).not.toContain(later);

    const chain = await db
      .selectFrom("delegation_events")
      .select(["seq", "type"])
      .where("delegation_id", "=", delegation.id)
      .orderBy("seq")
      .execute();
    expect(chain).toEqual([
      { seq: 1, type: "grant" },
      { seq: 2, type: "revoke" },
    ]);
    const again = await revokeDelegation(
      db,
      { userId: owner.id, businessIds: owner.principal.businessIds },
      delegation.id,
    );
    expect(again).toEqual({ ok: false, reason: "already_revoked" });
  });

  it("after the delegation expires the association can no longer act or file, but keeps sight of earlier filings", async () => {
    const { db } = test.handle;
    // Only this delegation: earlier tests' ones are revoked already or would blur the edge.
    await db
      .updateTable("delegations")
      .set({ revoked_at: new Date(Date.now() - 2 * 86_400_000) })
      .where("revoked_at", "is", null)
      .execute();
    const delegation = await grant({ validFrom: shift(-30), validTo: shift(10) });
    const owner = await userByEmail(db, "impresa@demo.test");
    const { id } = await draftPratica(db);
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "SUBMIT", at: romeToday() },
      actor: { kind: "user", userId: owner.id, principal: owner.principal },
      start: workflowInput("scia", 60),
    });
    // The pratica was filed 5 days ago; the delegation ended yesterday.
    await db
      .updateTable("pratiche")
      .set({ submitted_at: new Date(Date.now() - 5 * 86_400_000) })
      .where("id", "=", id)
      .execute();
    await db
      .updateTable("delegations")
      .set({ valid_to: shift(-1) })
      .where("id", "=", delegation.id)
      .execute();
    const operator = await userByEmail(db, "associazione@demo.test");
    const ws = await workspacePratiche(db, operator.principal);
    expect(ws.rows.map((r) => r.id)).toContain(id);
    await expect(
      dispatch(db, services, {
        praticaId: id,
        event: { type: "CANCEL", at: romeToday() },
        actor: { kind: "user", userId: operator.id, principal: operator.principal },
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const { filingBusinesses } = await import("~/server/filing/drafts.server");
    expect(await filingBusinesses(db, operator.principal)).toEqual([]);
  });

  it("a stranger cannot revoke a business's delegation", async () => {
    const { db } = test.handle;
    const delegation = await grant();
    const officer = await userByEmail(db, "operatore@demo.test");
    const r = await revokeDelegation(
      db,
      { userId: officer.id, businessIds: officer.principal.businessIds },
      delegation.id,
    );
    expect(r).toEqual({ ok: false, reason: "not_found" });
  });

  it("hands pratiche over only inside the organisation, and writes it in the audit log", async () => {
    const { db } = test.handle;
    await grant();
    const operator = await userByEmail(db, "associazione@demo.test");
    const { id } = await draftPratica(db);
    const orgId = operator.principal.grants.find((g) => g.role === "association_operator")!.entityId!;
    await db.updateTable("pratiche").set({ filer_organisation_id: orgId }).where("id", "=", id).execute();
    const officer = await userByEmail(db, "operatore@demo.test");
    const refused = await handOver(db, operator.principal, { praticaIds: [id], toUserId: officer.id });
    expect(refused.ok).toBe(false);
    const done = await handOver(db, operator.principal, { praticaIds: [id], toUserId: operator.id });
    expect(done).toEqual({ ok: true, moved: 1 });
    const p = await db
      .selectFrom("pratiche")
      .select("organisation_operator_id")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(p.organisation_operator_id).toBe(operator.id);
  });

  it("sends one digest a day to the organisation's operators", async () => {
    const { db } = test.handle;
    const morning = new Date();
    const first = await sendDigests(db, {
      now: morning,
      publicUrl: "http://localhost:3000",
      notBeforeHour: 0,
    });
    const second = await sendDigests(db, {
      now: morning,
      publicUrl: "http://localhost:3000",
      notBeforeHour: 0,
    });
    expect(first.sent).toBeGreaterThanOrEqual(1);
    expect(second.sent).toBe(0);
    const mail = await db
      .selectFrom("outbox")
      .select(["recipient", "subject", "body_text"])
      .where("template", "=", "digest")
      .execute();
    expect(mail).toHaveLength(first.sent);
    expect(mail[0]?.recipient).toBe("associazione@demo.test");
    expect(mail[0]?.body_text).toMatch(/Apertura esercizio di vicinato/);
  });
});
