import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PRATICHE } from "~/domain/demo/plan";
import { parseWorklistQuery } from "~/domain/desk/worklist-query";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { seedDemoPratiche } from "~/server/demo/pratiche.server";
import { agencyIdsOf, agencyInbox } from "~/server/desk/agency.server";
import { listWorklist } from "~/server/desk/worklist.server";
import { workspacePratiche } from "~/server/delegations/workspace.server";
import { listMyPratiche } from "~/server/filing/queries.server";
import { verifyChains } from "~/server/engine/audit.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { sweepDeadlines, todayInRome } from "~/server/engine/deadlines.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { entityId, userByEmail } from "../support/factories";
import { signatureRuntime } from "~/server/integrations/signatures.server";
import { useTestEnv } from "./support";

/**
 * The live demo desk (issue 12): the demo pratiche are filed through the filing path and the engine, so each
 * has its protocol, documents, audit chain and deadlines, and every role's first page shows real work.
 */
describe.each(DATABASES)("the demo desk on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let first: Awaited<ReturnType<typeof seedDemoPratiche>>;

  beforeAll(async () => {
    services = useTestEnv();
    // A new DATA_DIR has its own development CA: the verifier is loaded again for it (in a real process the
    // data directory never changes), so the demo's signed uploads verify against the CA that signed them.
    signatureRuntime.verifier = undefined;
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    first = await seedDemoPratiche(test.handle.db, services);
  }, 600_000);
  afterAll(() => test?.drop());

  it("files every planned pratica through the engine, in all five Comuni and every regime", async () => {
    expect(first.failed).toEqual([]);
    expect(first.filed).toHaveLength(DEMO_PRATICHE.length);
    const { db } = test.handle;
    const rows = await db
      .selectFrom("pratiche")
      .innerJoin("entities", "entities.id", "pratiche.municipality_id")
      .select([
        "pratiche.id",
        "pratiche.regime",
        "pratiche.status",
        "pratiche.protocol_number",
        "entities.istat_code",
      ])
      .where("pratiche.submission_key", "like", "demo-%")
      .execute();
    expect(rows).toHaveLength(DEMO_PRATICHE.length);
    expect(new Set(rows.map((r) => r.istat_code))).toEqual(
      new Set(["050011", "050019", "050021", "050027", "050039"]),
    );
    expect(new Set(rows.map((r) => r.regime))).toEqual(
      new Set([
        "scia",
        "scia_unica",
        "scia_condizionata",
        "silenzio_assenso",
        "autorizzazione",
        "comunicazione",
      ]),
    );
    // Real filings: a protocol number, a receipt document and audit events for each.
    for (const r of rows) expect(r.protocol_number, r.id).toBeTruthy();
    const docs = await db
      .selectFrom("documents")
      .select(["pratica_id"])
      .where(
        "pratica_id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    expect(new Set(docs.map((d) => d.pratica_id)).size).toBe(rows.length);
    expect((await verifyChains(db)).problems).toEqual([]);
    // More than one state: the acts went through.
    expect(new Set(rows.map((r) => r.status)).size).toBeGreaterThanOrEqual(4);
  });

  it("uploads the relazione tecnica signed by the declarant where the catalogue (2026.3) requires it", async () => {
    const rows = await test.handle.db
      .selectFrom("attachments")
      .innerJoin("pratiche", "pratiche.id", "attachments.pratica_id")
      .select(["attachments.filename", "attachments.signature", "pratiche.submission_key"])
      .where("pratiche.submission_key", "like", "demo-%")
      .where("attachments.code", "=", "RELAZIONE_TECNICA")
      .execute();
    // The hairdresser's SCIA and the two bars ask for it.
    expect(rows.map((r) => r.submission_key).sort()).toEqual(
      DEMO_PRATICHE.filter((p) => /ACCONCIATORI|ESTETISTI|SOMMINISTRAZIONE_APERTURA/.test(p.usecase))
        .map((p) => `demo-${p.key}`)
        .sort(),
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.filename).toBe("relazione_tecnica.pdf.p7m");
      const report = row.signature as { outcome: string; signatures: { signer: { fiscalCode: string } }[] };
      expect(report.outcome).toBe("valid");
      expect(report.signatures[0]!.signer.fiscalCode).toBe("RSSMRA80A41M126H");
    }
  });

  it("shows real work on the officer's worklist and on the agencies' inboxes", async () => {
    const { db } = test.handle;
    const officer = await userByEmail(db, "operatore@demo.test");
    const deskId = await entityId(db, "SUAP-AVC");
    const list = await listWorklist(db, {
      deskId,
      viewerId: officer.id,
      filters: parseWorklistQuery(new URLSearchParams()).filters,
      cursor: null,
      today: todayInRome(),
    });
    expect(list.rows.length).toBeGreaterThanOrEqual(8);
    expect(list.rows.some((r) => r.assignee?.id === officer.id)).toBe(true);
    // A few overdue or late, a few near their term.
    expect(list.rows.some((r) => r.overdue || r.lateOpinion)).toBe(true);
    expect(list.rows.some((r) => r.daysLeft !== null && r.daysLeft >= 0 && r.daysLeft <= 7)).toBe(true);
    for (const email of ["asl@demo.test", "vvf@demo.test", "arpat@demo.test"]) {
      const reviewer = await userByEmail(db, email);
      const inbox = await agencyInbox(db, {
        agencyIds: agencyIdsOf(reviewer.principal),
        today: todayInRome(),
        show: "all",
      });
      expect(inbox.length, email).toBeGreaterThanOrEqual(1);
    }
  });

  it("gives the association and the business real work too: a delegation in force, its filing, an answer due", async () => {
    const { db } = test.handle;
    // the association's first page: the pratica it filed on the business's delegation
    const association = await userByEmail(db, "associazione@demo.test");
    expect(association.principal.delegations?.length ?? 0).toBeGreaterThanOrEqual(1);
    const workspace = await workspacePratiche(db, association.principal);
    const onBehalf = DEMO_PRATICHE.filter((p) => p.byAssociation).map((p) => `demo-${p.key}`);
    expect(onBehalf.length).toBeGreaterThanOrEqual(1);
    const keys = await db
      .selectFrom("pratiche")
      .select(["id", "submission_key", "filer_user_id"])
      .where("submission_key", "in", onBehalf)
      .execute();
    expect(keys).toHaveLength(onBehalf.length);
    for (const k of keys) {
      expect(k.filer_user_id).toBe(association.id);
      expect(workspace.rows.map((r) => r.id)).toContain(k.id);
    }
    // the business's first page: "Le mie pratiche" with an integration to answer, and the agencies asked
    const business = await userByEmail(db, "impresa@demo.test");
    const mine = await listMyPratiche(db, business.principal);
    expect(mine.length).toBeGreaterThanOrEqual(8);
    expect(mine.some((p) => p.status === "integration_requested")).toBe(true);
    const asked = await db
      .selectFrom("pratica_agencies")
      .innerJoin("pratiche", "pratiche.id", "pratica_agencies.pratica_id")
      .innerJoin("entities", "entities.id", "pratica_agencies.agency_id")
      .select(["entities.code", "pratica_agencies.status"])
      .where("pratiche.submission_key", "like", "demo-%")
      .execute();
    expect(new Set(asked.map((a) => a.code))).toEqual(new Set(["ASL-TNO", "VVF-PI", "ARPAT"]));
    expect(asked.some((a) => a.status === "pending")).toBe(true);
  });

  it("lets the clock do what the law does: a SCIA past its term consolidates at the sweep", async () => {
    const { db } = test.handle;
    await sweepDeadlines(db, services);
    const consolidated = await db
      .selectFrom("pratiche")
      .select("status")
      .where("submission_key", "=", "demo-volterra-scia-consolidata")
      .executeTakeFirstOrThrow();
    expect(consolidated.status).toBe("effective");
  });

  it("is idempotent: a second boot files nothing again", async () => {
    const again = await seedDemoPratiche(test.handle.db, services);
    expect(again.filed).toEqual([]);
    expect(again.skipped).toHaveLength(DEMO_PRATICHE.length);
  });
});
