// Issue 12: while the term is suspended, the stored deadline rows (what the worklist and the sweep read) carry
// the date the pages show ("al più tardi"), not the date they had when the clock stopped; the suspended final
// term never fires; on resumption the rows take the exact date the clock gives.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineServices } from "~/server/engine/engine.server";
import { sweepDeadlines } from "~/server/engine/deadlines.server";
import { loadDeskPratica } from "~/server/desk/pratica.server";
import { listWorklist } from "~/server/desk/worklist.server";
import { parseWorklistQuery } from "~/domain/desk/worklist-query";
import { loadPraticaView } from "~/server/pratiche/view.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { entityId, userByEmail } from "../support/factories";
import { actAs, submittedPratica, useTestEnv } from "../desk/support";
import { up as backfill } from "../../../migrations/0032_suspended_deadline_dates";

function pdfText(bytes: Uint8Array): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "suspended-pdf-"));
  try {
    const file = path.join(dir, "doc.pdf");
    writeFileSync(file, bytes);
    execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, `${file}.txt`]);
    return readFileSync(`${file}.txt`, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const italian = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

describe.each(DATABASES)("suspended terms' stored dates on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  const live = (praticaId: string) =>
    test.handle.db
      .selectFrom("deadlines")
      .select(["name", "due", "status"])
      .where("pratica_id", "=", praticaId)
      .where("status", "in", ["active", "suspended"])
      .execute()
      .then((rows) =>
        Object.fromEntries(rows.map((r) => [r.name, { due: String(r.due).slice(0, 10), status: r.status }])),
      );

  it("suspend → rows, worklist and page agree and the final term does not fire; resume → agree again", async () => {
    const { db } = test.handle;
    const deskId = await entityId(db, "SUAP-AVC");
    const officer = await userByEmail(db, "operatore@demo.test");
    // A: authorisation filed 2 March (60 days → Saturday 2 May, 1 May being a holiday), forwarded to the ASL.
    const a = await submittedPratica(db, services, {
      regime: "autorizzazione",
      at: "2026-03-02",
      title: "A",
    });
    await actAs(db, services, "operatore@demo.test", a.id, {
      type: "FORWARD_TO_AGENCIES",
      at: "2026-04-20",
      agencies: [{ agencyId: "ASL-TNO", termDays: 30 }],
    });
    // B: filed 20 March, never suspended: its term ends between A's stopped date and A's "al più tardi".
    const b = await submittedPratica(db, services, {
      regime: "autorizzazione",
      at: "2026-03-20",
      title: "B",
    });

    const before = await live(a.id);
    expect(before.final).toEqual({ due: "2026-05-02", status: "active" });
    const bDue = (await live(b.id)).final!.due;
    expect(bDue > before.final!.due).toBe(true);

    // The integration request stops the clock on 25 April (30 days to answer; the clock stops for at most 30).
    await actAs(db, services, "operatore@demo.test", a.id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: "2026-04-25",
      answerDays: 30,
      items: ["Planimetria quotata dei locali"],
    });
    const today = "2026-04-27";
    const page = (await loadDeskPratica(db, officer.principal, a.id, today))!;
    expect(page.clock?.finalDueProvisional).toBe(true);
    const suspended = await live(a.id);
    // the stored rows carry the pages' dates: the final term and the ASL's, both stopped with the procedure
    expect(suspended.final).toEqual({ due: page.clock!.finalDue, status: "suspended" });
    expect(suspended.final!.due).toBe("2026-06-01");
    expect(suspended["agency:ASL-TNO"]).toEqual({
      due: page.clock!.agencies["ASL-TNO"],
      status: "suspended",
    });
    expect(suspended["agency:ASL-TNO"]!.due > "2026-05-20").toBe(true);
    // the page's "Scadenze in corso" table and the pratica's column say the same
    for (const d of page.deadlines) expect(d.due).toBe(suspended[d.name]?.due);
    expect(String(page.pratica.dueDate).slice(0, 10)).toBe(suspended.final!.due);
    // the business's page too
    const business = (await loadPraticaView(db, a.owner.principal, a.id, today))!;
    expect(business.clock?.finalDue).toBe(suspended.final!.due);

    // The request's PDF and the mail to the business name the same date, "al più tardi".
    const doc = await db
      .selectFrom("documents")
      .select("storage_key")
      .where("pratica_id", "=", a.id)
      .where("kind", "=", "richiesta_integrazione")
      .executeTakeFirstOrThrow();
    const text = pdfText(await services.files.get(doc.storage_key)).replace(/\s+/g, " ");
    // (the label may wrap around the date in the table's layout: read the final term's row as a whole)
    const row = text.slice(
      text.indexOf("Termine di conclusione"),
      text.indexOf("Termine per l'integrazione"),
    );
    expect(row).toContain("al più tardi");
    expect(row).toContain(italian(suspended.final!.due));
    expect(text).not.toContain(italian("2026-05-02"));
    const mail = await db
      .selectFrom("outbox")
      .select(["body_text"])
      .where("pratica_id", "=", a.id)
      .where("template", "=", "integration_requested")
      .execute();
    expect(mail.length).toBeGreaterThanOrEqual(1);
    for (const m of mail) {
      expect(m.body_text).toContain("al più tardi");
      expect(m.body_text).toContain(italian(suspended.final!.due));
    }

    // The worklist orders by the same date: B (not suspended) now comes before A.
    const list = await listWorklist(db, {
      deskId,
      viewerId: officer.id,
      filters: parseWorklistQuery(new URLSearchParams("status=all")).filters,
      cursor: null,
      today,
    });
    const order = list.rows.map((r) => r.id);
    expect(order.indexOf(b.id)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(b.id)).toBeLessThan(order.indexOf(a.id));
    expect(list.rows.find((r) => r.id === a.id)?.dueDate).toBe(suspended.final!.due);
    // and the deadline rows, sorted as the sweep sorts them, put B's final term before A's
    const byDue = await db
      .selectFrom("deadlines")
      .select("pratica_id")
      .where("pratica_id", "in", [a.id, b.id])
      .where("name", "=", "final")
      .where("status", "in", ["active", "suspended"])
      .orderBy("due")
      .orderBy("id")
      .execute();
    expect(byDue.map((r) => r.pratica_id)).toEqual([b.id, a.id]);

    // A sweep on the day the term would have ended without the suspension fires nothing of A's final term
    // (its answer term, 25 May, has not come: nothing resumes the clock).
    const swept = await sweepDeadlines(db, services, { today: "2026-05-04" });
    expect(swept.failed).toBe(0);
    const afterSweep = await live(a.id);
    expect(afterSweep.final).toEqual({ due: "2026-06-01", status: "suspended" });
    const fired = await db
      .selectFrom("deadlines")
      .select("name")
      .where("pratica_id", "=", a.id)
      .where("status", "=", "fired")
      .execute();
    expect(fired.map((r) => r.name)).not.toContain("final");
  });

  it("on resumption the rows take the clock's exact date, and the page says the same", async () => {
    const { db } = test.handle;
    const officer = await userByEmail(db, "operatore@demo.test");
    const a = await submittedPratica(db, services, {
      regime: "autorizzazione",
      at: "2026-03-02",
      title: "C",
    });
    await actAs(db, services, "operatore@demo.test", a.id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: "2026-03-10",
      answerDays: 20,
      items: ["Planimetria quotata dei locali"],
    });
    expect((await live(a.id)).final).toEqual({ due: "2026-05-21", status: "suspended" });
    // the applicant answers on 20 March: 10 days of suspension, so 1 May + 10 = Monday 11 May
    await actAs(db, services, "impresa@demo.test", a.id, { type: "INTEGRATION_RECEIVED", at: "2026-03-20" });
    const rows = await live(a.id);
    const page = (await loadDeskPratica(db, officer.principal, a.id, "2026-03-21"))!;
    expect(page.clock?.finalDueProvisional).toBe(false);
    expect(rows.final).toEqual({ due: page.clock!.finalDue, status: "active" });
    expect(rows.final!.due).toBe("2026-05-11");
    // the sweep does not fire it before its day, and fires it on its day
    expect((await sweepDeadlines(db, services, { today: "2026-05-10" })).failed).toBe(0);
    expect((await live(a.id)).final?.status).toBe("active");
  });

  it("migration 0032 gives rows suspended before the upgrade the clock's date (and leaves others alone)", async () => {
    const { db } = test.handle;
    const a = await submittedPratica(db, services, {
      regime: "autorizzazione",
      at: "2026-03-02",
      title: "D",
    });
    const b = await submittedPratica(db, services, {
      regime: "autorizzazione",
      at: "2026-03-02",
      title: "E",
    });
    await actAs(db, services, "operatore@demo.test", a.id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: "2026-03-10",
      answerDays: 20,
      items: ["Planimetria quotata dei locali"],
    });
    // as an older engine left it: the date the row had when the clock stopped
    await db
      .updateTable("deadlines")
      .set({ due: "2026-05-02" })
      .where("pratica_id", "=", a.id)
      .where("name", "=", "final")
      .execute();
    await backfill(db);
    expect((await live(a.id)).final).toEqual({ due: "2026-05-21", status: "suspended" });
    expect((await live(b.id)).final).toEqual({ due: "2026-05-02", status: "active" });
  });
});
