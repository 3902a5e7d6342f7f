import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChains } from "~/server/engine/audit.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { agencyInbox } from "~/server/desk/agency.server";
import { assignPratica } from "~/server/desk/assign.server";
import { dashboard, dashboardCsv } from "~/server/desk/dashboard.server";
import { loadAgencyPratica, loadDeskPratica } from "~/server/desk/pratica.server";
import { listWorklist, statusCounts } from "~/server/desk/worklist.server";
import { parseWorklistQuery } from "~/domain/desk/worklist-query";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { entityId, userByEmail } from "../support/factories";
import { actAs, otherDesk, submittedPratica, useTestEnv } from "./support";

const TODAY = "2026-04-20";
const as = (u: { id: string; principal: import("~/domain/policy").Principal }) => ({
  userId: u.id,
  principal: u.principal,
});
const filters = (qs = "") => parseWorklistQuery(new URLSearchParams(qs)).filters;

describe.each(DATABASES)("the SUAP desk on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let deskId: number;
  let officer: Awaited<ReturnType<typeof userByEmail>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    const { db } = test.handle;
    deskId = await entityId(db, "SUAP-AVC");
    officer = await userByEmail(db, "operatore@demo.test");
    // Four pratiche with different due dates (60 days from filing), businesses and states.
    ids.early = (
      await submittedPratica(db, services, {
        at: "2026-02-02",
        business: { name: "Forno Bianchi", fiscalCode: "BNCFRN80A01G702X" },
      })
    ).id;
    ids.mid = (
      await submittedPratica(db, services, { at: "2026-03-02", title: "Subingresso", comune: "050027" })
    ).id;
    ids.late = (
      await submittedPratica(db, services, {
        at: "2026-04-01",
        business: { name: "Bar Etrusco", fiscalCode: "BRTRSC80A01G702Y" },
      })
    ).id;
    ids.auth = (
      await submittedPratica(db, services, {
        regime: "autorizzazione",
        at: "2026-03-10",
        title: "Somministrazione zona tutelata",
      })
    ).id;
    await actAs(db, services, "operatore@demo.test", ids.auth, {
      type: "FORWARD_TO_AGENCIES",
      at: "2026-03-11",
      agencies: [
        { agencyId: "ASL-TNO", termDays: 20 },
        { agencyId: "ARPAT", termDays: 60 },
      ],
    });
  });
  afterAll(async () => {
    await test.drop();
  });

  it("lists the desk's submitted pratiche by legal due date, with the clock of each row", async () => {
    const { db } = test.handle;
    const page = await listWorklist(db, {
      deskId,
      viewerId: officer.id,
      filters: filters(),
      cursor: null,
      today: TODAY,
    });
    const order = page.rows.map((r) => r.id);
    expect(order.indexOf(ids.early)).toBeLessThan(order.indexOf(ids.mid));
    expect(order.indexOf(ids.mid)).toBeLessThan(order.indexOf(ids.late));
    const dues = page.rows.map((r) => r.dueDate!);
    expect([...dues].sort()).toEqual(dues);
    const early = page.rows.find((r) => r.id === ids.early)!;
    // Filed 2 Feb + 60 days = 3 April (Friday): expired 17 days before 20 April.
    expect(early).toMatchObject({
      dueDate: "2026-04-03",
      daysLeft: -17,
      overdue: true,
      business: "Forno Bianchi",
    });
    // The ASL's 20-day term (from 11 March) is past and its opinion pending: the row is flagged.
    expect(page.rows.find((r) => r.id === ids.auth)?.lateOpinion).toBe(true);
    expect(page.rows.find((r) => r.id === ids.mid)?.lateOpinion).toBe(false);
  });

  it("filters, searches and pages with a keyset cursor", async () => {
    const { db } = test.handle;
    const list = (qs: string, cursor = null as ReturnType<typeof parseWorklistQuery>["cursor"]) =>
      listWorklist(db, { deskId, viewerId: officer.id, filters: filters(qs), cursor, today: TODAY });
    expect((await list("q=etrusc")).rows.map((r) => r.id)).toEqual([ids.late]);
    expect((await list("q=BNCFRN80A01G702X")).rows.map((r) => r.id)).toEqual([ids.early]);
    expect((await list("q=100%25")).rows).toEqual([]);
    const overdue = (await list("due=overdue")).rows.map((r) => r.id);
    expect(overdue).toContain(ids.early);
    expect(overdue).not.toContain(ids.late);
    expect((await list("regime=autorizzazione")).rows.map((r) => r.id)).toEqual([ids.auth]);
    expect((await list("status=awaiting_opinions")).rows.map((r) => r.id)).toEqual([ids.auth]);
    const pomarance = await entityId(db, "050027");
    expect((await list(`comune=${pomarance}`)).rows.map((r) => r.id)).toEqual([ids.mid]);
    // due within 14 days of 20 April: the pratica due 1 May -> 2 May... only those in range.
    const soon = (await list("due=soon&within=14")).rows;
    // Judged against the unfiltered list, so an empty answer cannot pass: exactly the open rows due by 4 May.
    const inRange = (await list("")).rows.filter(
      (r) => r.dueDate && r.dueDate >= TODAY && r.dueDate <= "2026-05-04",
    );
    expect(inRange.length).toBeGreaterThan(0);
    expect(soon.map((r) => r.id).sort()).toEqual(inRange.map((r) => r.id).sort());

    // Walk every page of size 25 with many pratiche: no duplicates, no gaps, still ordered.
    for (let i = 0; i < 30; i++) await submittedPratica(db, services, { at: "2026-03-20" });
    const seen: string[] = [];
    let cursor = null as ReturnType<typeof parseWorklistQuery>["cursor"];
    for (let guard = 0; guard < 10; guard++) {
      const page = await list("", cursor);
      seen.push(...page.rows.map((r) => r.id));
      if (!page.next) break;
      cursor = parseWorklistQuery(new URLSearchParams(`after=${page.next}`)).cursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const total = await db
      .selectFrom("pratiche")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("desk_id", "=", deskId)
      .where("ended", "=", false)
      .where("status", "<>", "draft")
      .executeTakeFirstOrThrow();
    expect(seen.length).toBe(Number(total.n));
    const counts = await statusCounts(db, deskId);
    expect(counts.find((c) => c.status === "awaiting_opinions")?.count).toBe(1);
  });

  it("searches business names the same way whether few or very many businesses match", async () => {
    const { db } = test.handle;
    const list = (qs: string) =>
      listWorklist(db, { deskId, viewerId: officer.id, filters: filters(qs), cursor: null, today: TODAY });
    // Few matches: the pratiche are filtered by the list of matching businesses.
    expect((await list("q=bar etrusco")).rows.map((r) => r.id)).toEqual([ids.late]);
    expect((await list("q=nessuna impresa con questo nome")).rows).toEqual([]);
    // More than 5,000 businesses match "etrusc" (none with a pratica): the subquery path, same answer.
    await sql`
      insert into businesses (id, name, legal_form, fiscal_code, registered_office, legal_representative)
      select gen_random_uuid(), 'Bottega Etrusca ' || i, 'SRL', 'ETR' || lpad(i::text, 13, '0'), '{}'::jsonb, '{}'::jsonb
        from generate_series(1, 5001) as i`.execute(db);
    expect((await list("q=etrusc")).rows.map((r) => r.id)).toEqual([ids.late]);
    expect((await list("q=etrusc&status=ended")).rows).toEqual([]);
  });

  it("assigns through the hash chain, shows the assignee, and refuses outsiders", async () => {
    const { db } = test.handle;
    const manager = await userByEmail(db, "responsabile@demo.test");
    expect(
      await assignPratica(db, { praticaId: ids.mid, actor: as(officer), assigneeId: officer.id }),
    ).toEqual({ ok: true, assigneeId: officer.id });
    expect(
      await assignPratica(db, { praticaId: ids.mid, actor: as(officer), assigneeId: officer.id }),
    ).toMatchObject({ ok: false, status: 409 });
    const business = await userByEmail(db, "impresa@demo.test");
    expect(
      await assignPratica(db, { praticaId: ids.mid, actor: as(business), assigneeId: business.id }),
    ).toMatchObject({ ok: false, status: 403 });
    expect(
      await assignPratica(db, { praticaId: ids.mid, actor: as(officer), assigneeId: business.id }),
    ).toMatchObject({ ok: false, status: 409 });
    const stranger = await otherDesk(db);
    const other = await userByEmail(db, stranger.email);
    expect(
      await assignPratica(db, { praticaId: ids.mid, actor: as(other), assigneeId: other.id }),
    ).toMatchObject({ ok: false, status: 404 });
    expect(
      await assignPratica(db, { praticaId: ids.mid, actor: as(manager), assigneeId: manager.id }),
    ).toMatchObject({ ok: true });

    const events = await db
      .selectFrom("events")
      .select(["type", "payload"])
      .where("pratica_id", "=", ids.mid)
      .orderBy("seq")
      .execute();
    expect(events.filter((e) => e.type === "ASSIGN").map((e) => e.payload)).toEqual([
      { from: null, to: officer.id },
      { from: officer.id, to: manager.id },
    ]);
    expect((await verifyChains(db, ids.mid)).problems).toEqual([]);
    const mine = await listWorklist(db, {
      deskId,
      viewerId: manager.id,
      filters: filters("assignee=me"),
      cursor: null,
      today: TODAY,
    });
    expect(mine.rows.map((r) => r.id)).toEqual([ids.mid]);
    expect(mine.rows[0]?.assignee?.name).toBeTruthy();
    const nobody = await listWorklist(db, {
      deskId,
      viewerId: manager.id,
      filters: filters("assignee=none"),
      cursor: null,
      today: TODAY,
    });
    expect(nobody.rows.map((r) => r.id)).not.toContain(ids.mid);
    // The other desk's worklist is empty: it serves another Comune.
    const theirs = await listWorklist(db, {
      deskId: stranger.deskId,
      viewerId: other.id,
      filters: filters("status=all"),
      cursor: null,
      today: TODAY,
    });
    expect(theirs.rows).toEqual([]);
  });

  it("gives the officer only officer acts, catalogue-suggested agencies, and late-opinion flags", async () => {
    const { db } = test.handle;
    const view = await loadDeskPratica(db, officer.principal, ids.auth, TODAY);
    expect(view).not.toBeNull();
    // Pending opinions: no grant yet; only officer acts, never an agency's or the business's.
    const acts = view!.acts.map((a) => a.type);
    expect(acts).toContain("NOTICE_OF_REFUSAL");
    expect(acts).not.toContain("GRANT");
    expect(acts).not.toContain("AGENCY_CONCLUSION");
    expect(acts).not.toContain("INTEGRATION_RECEIVED");
    expect(view!.agencyFlags.find((a) => a.code === "ASL-TNO")).toMatchObject({
      late: true,
      status: "pending",
    });
    expect(view!.agencyFlags.find((a) => a.code === "ARPAT")).toMatchObject({ late: false });
    expect(view!.agencyChoices.find((a) => a.code === "ASL-TNO")?.involved).toBe(true);
    const fresh = await loadDeskPratica(db, officer.principal, ids.late, TODAY);
    expect(fresh!.acts.map((a) => a.type)).toEqual(
      expect.arrayContaining(["REQUEST_CORRECTION", "REFUSE_INADMISSIBLE", "FORWARD_TO_AGENCIES"]),
    );
    expect(fresh!.clockDetail).toMatchObject({ start: "2026-04-01", termDays: 60 });
    const asl = await userByEmail(db, "asl@demo.test");
    expect(await loadDeskPratica(db, asl.principal, ids.auth, TODAY)).toBeNull();
  });

  it("gives each agency its inbox and only its own acts; a late opinion stays flagged", async () => {
    const { db } = test.handle;
    const asl = await userByEmail(db, "asl@demo.test");
    const arpat = await userByEmail(db, "arpat@demo.test");
    const vvf = await userByEmail(db, "vvf@demo.test");
    const aslId = await entityId(db, "ASL-TNO");
    const inbox = await agencyInbox(db, { agencyIds: [aslId], today: TODAY, show: "pending" });
    expect(inbox.map((r) => r.praticaId)).toEqual([ids.auth]);
    expect(inbox[0]).toMatchObject({ agencyCode: "ASL-TNO", overdue: true, opinionStatus: "pending" });
    expect(
      await agencyInbox(db, { agencyIds: [await entityId(db, "VVF-PI")], today: TODAY, show: "all" }),
    ).toEqual([]);
    expect(await loadAgencyPratica(db, vvf.principal, ids.auth, TODAY)).toBeNull();
    const view = await loadAgencyPratica(db, asl.principal, ids.auth, TODAY);
    expect(view!.acts.map((a) => a.type).sort()).toEqual([
      "AGENCY_CONCLUSION",
      "AGENCY_REQUESTS_INTEGRATION",
    ]);
    expect(view!.myAgencies.map((a) => a.code)).toEqual(["ASL-TNO"]);

    // The ASL concludes after its term: the parere is kept, protocolled, and flagged as late.
    await actAs(db, services, "asl@demo.test", ids.auth, {
      type: "AGENCY_CONCLUSION",
      at: TODAY,
      agencyId: "ASL-TNO",
      outcome: "positive",
    });
    const after = await loadDeskPratica(db, officer.principal, ids.auth, TODAY);
    expect(after!.agencyFlags.find((a) => a.code === "ASL-TNO")).toMatchObject({
      late: true,
      status: "concluded",
      outcome: "positive",
    });
    expect(after!.documents.map((d) => d.kind)).toContain("parere");
    const page = await listWorklist(db, {
      deskId,
      viewerId: officer.id,
      filters: filters("regime=autorizzazione"),
      cursor: null,
      today: TODAY,
    });
    expect(page.rows[0]?.lateOpinion).toBe(true);
    const desk = await db
      .selectFrom("outbox")
      .select("template")
      .where("pratica_id", "=", ids.auth)
      .execute();
    expect(desk.map((m) => m.template)).toContain("conclusion_positive");
    // ARPAT cannot speak for the ASL.
    await expect(
      actAs(db, services, "arpat@demo.test", ids.auth, {
        type: "AGENCY_CONCLUSION",
        at: TODAY,
        agencyId: "ASL-TNO",
        outcome: "negative",
        reasons: "x",
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    void arpat;
  });

  it("computes the dashboard: statuses, Comuni, overdue, time to conclusion, and a CSV", async () => {
    const { db } = test.handle;
    await actAs(db, services, "operatore@demo.test", ids.early, {
      type: "DENY",
      at: "2026-03-04",
      reasons: "Requisiti mancanti",
    });
    // Filed (as the record says) at 09:00 on 2 February; concluded when the DENY event was recorded.
    const filedAt = new Date("2026-02-02T09:00:00Z");
    await db.updateTable("pratiche").set({ submitted_at: filedAt }).where("id", "=", ids.early).execute();
    const denied = await db
      .selectFrom("events")
      .select("at")
      .where("pratica_id", "=", ids.early)
      .where("type", "=", "DENY")
      .executeTakeFirstOrThrow();
    const days = (new Date(denied.at as unknown as string).getTime() - filedAt.getTime()) / 86_400_000;
    const expectedDays = Math.round(days * 10) / 10;
    expect(expectedDays).toBeGreaterThan(30);
    const d = await dashboard(db, deskId, TODAY);
    expect(d.byStatus.find((s) => s.status === "denied")?.count).toBe(1);
    expect(d.byComune.find((c) => c.comune === "Pomarance")?.total).toBe(1);
    // Overdue counted here from the rows, not by the dashboard's own query.
    const rows = await db
      .selectFrom("pratiche")
      .select(["ended", "suspended", "due_date", "status"])
      .where("desk_id", "=", deskId)
      .execute();
    const expectedOverdue = rows.filter(
      (r) =>
        r.status !== "draft" &&
        !r.ended &&
        !r.suspended &&
        r.due_date &&
        String(r.due_date).slice(0, 10) < TODAY,
    ).length;
    expect(d.overdue).toBe(expectedOverdue);
    const concluded = d.conclusions.find((c) => c.procedure === "Apertura esercizio di vicinato");
    expect(concluded?.count).toBe(1);
    expect(concluded?.avgDays).toBeCloseTo(expectedDays, 1);
    expect(concluded?.p90Days).toBeCloseTo(expectedDays, 1);
    expect(concluded?.month).toMatch(/^\d{4}-\d{2}$/);
    const csv = dashboardCsv(d);
    expect(csv.split("\r\n")[0]).toBe("sezione;chiave;mese;pratiche;aperte;scadute;media_giorni;p90_giorni");
    expect(csv).toContain("stato;denied;;1;");
    expect(
      dashboardCsv({ ...d, byComune: [{ comune: "=HYPERLINK(1)", total: 1, open: 1, overdue: 0 }] }),
    ).toContain("'=HYPERLINK(1)");
  });
});
