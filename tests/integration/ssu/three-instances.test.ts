import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCui, formatCui } from "~/domain/filing/cui";
import type { Database } from "~/server/db/schema.server";
import { verifyChains } from "~/server/engine/audit.server";
import { dispatch } from "~/server/engine/engine.server";
import { checkRequest } from "~/server/integrations/ssu/openapi.server";
import { startPdndDouble } from "~/server/integrations/ssu/pdnd-double.server";
import { runtime } from "~/server/runtime.server";
import { romeDate } from "~/domain/dates";
import { agencyInbox, requestCdssFromAgency } from "~/server/desk/agency.server";
import { loadPraticaView } from "~/server/pratiche/view.server";
import type { WorkflowEvent } from "../../../workflows/index";
import { draftPratica, userByEmail, workflowInput } from "../support/factories";
import { type Instance, registerPurposes, startInstance, writeCatalogue } from "./instances";

/**
 * Three portals on loopback, each with its own database and key, sharing one development PDND: a front office
 * (where the business files), a back office (the competent SUAP) and an agency (ASL-TNO running the portal as
 * its own system). A SCIA with the agency's opinion goes through them end to end, every message queued by a
 * step of the workflow and every received message stepping the receiver's copy through the engine:
 * send_instance (FO→BO) and the documents fetched by hash, notify_receipt, forwarding to the agency
 * (send_instance BO→ET), the agency's integration request (ET→BO), the integration request to the front office
 * (BO→FO), the business's answer (send_instance v2, FO→BO) while the back office is down (SSU retry rule on
 * the test clock), the agency's conclusions (ET→BO), the final notification (BO→FO, BO→ET). Then the
 * business withdraws a second filing (cancel_instance).
 *
 * With TEST_DATABASE_URL the back office runs on Postgres (the front office and the agency on PGlite).
 */

const HOUR = 3600_000;
const PDF = (n: number) =>
  new TextEncoder().encode(`%PDF-1.4\n% allegato ${n} della SCIA per lo scambio SSU\n`.repeat(30 + n));

describe("the SSU exchange through three portals' workflows", () => {
  let pdnd: Awaited<ReturnType<typeof startPdndDouble>>;
  let fo: Instance;
  let bo: Instance;
  let et: Instance;
  let clock = new Date();
  const now = () => clock;
  let praticaId = "";

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
    third_party_system: { "ASL-TNO/ASL-TNO": { e_service_to_bo: et?.serviceUrl("et_to_bo") } },
  });

  /** Runs every portal's queue until nothing is due at the current test clock. */
  async function exchange() {
    for (let round = 0; round < 20; round++) {
      let claimed = 0;
      for (const i of [fo, bo, et]) claimed += (await i.run()).claimed;
      if (claimed === 0) {
        if (process.env.SSU_DEBUG)
          for (const i of [fo, bo, et])
            console.log(
              "DEBUG",
              i.name,
              JSON.stringify(
                await i.db.handle.db
                  .selectFrom("integration_calls")
                  .select(["operation", "status", "attempts", "last_error"])
                  .where("status", "!=", "done")
                  .execute(),
              ),
            );
        return round;
      }
    }
    throw new Error("the exchange did not settle");
  }

  async function act(i: Instance, email: string, id: string, event: WorkflowEvent) {
    runtime.handle = i.db.handle; // the principal is read from this portal's database
    const u = await userByEmail(i.db.handle.db, email);
    return dispatch(i.db.handle.db, i.services, {
      praticaId: id,
      event,
      actor: { kind: "user", userId: u.id, principal: u.principal },
    });
  }

  const at = () => clock.toISOString();
  const pratica = (i: Instance, id = praticaId) =>
    i.db.handle.db.selectFrom("pratiche").selectAll().where("id", "=", id).executeTakeFirst();
  const events = (i: Instance, id = praticaId) =>
    i.db.handle.db
      .selectFrom("events")
      .select(["type", "actor_kind", "state_after"])
      .where("pratica_id", "=", id)
      .orderBy("seq")
      .execute();
  const out = (i: Instance, operation: string) =>
    i.db.handle.db
      .selectFrom("ssu_messages")
      .selectAll()
      .where("direction", "=", "out")
      .where("operation", "=", operation)
      .where("service", "!=", "catalogo")
      .execute();

  async function file(
    db: Kysely<Database>,
    files: Instance["files"],
    n: number,
    regime: "scia" | "scia_condizionata" = "scia",
    beforeProtocol?: (id: string) => Promise<void>,
  ) {
    runtime.handle = fo.db.handle;
    const { id, owner } = await draftPratica(db, { regime, title: "Apertura esercizio di vicinato" });
    const date = clock.toISOString().slice(0, 10);
    await db
      .updateTable("pratiche")
      .set({ cui: formatCui(buildCui("SUAP-AVC", date, 100 + n, id)) })
      .where("id", "=", id)
      .execute();
    await addAttachment(db, files, id, owner.id, n, "planimetria");
    await dispatch(db, fo.services, {
      praticaId: id,
      event: { type: "SUBMIT", at: at() },
      actor: { kind: "user", userId: owner.id, principal: owner.principal },
      start: workflowInput(regime, 60),
    });
    await beforeProtocol?.(id);
    await dispatch(db, fo.services, {
      praticaId: id,
      event: { type: "PROTOCOL", at: at() },
      actor: { kind: "system", name: "test" },
    });
    return id;
  }

  async function addAttachment(
    db: Kysely<Database>,
    files: Instance["files"],
    id: string,
    ownerId: string,
    n: number,
    code: string,
  ) {
    const stored = await files.put(PDF(n));
    await db
      .insertInto("attachments")
      .values({
        id: randomUUID(),
        pratica_id: id,
        code,
        filename: `${code}-${n}.pdf`,
        content_type: "application/pdf",
        size: stored.size,
        sha256: stored.sha256,
        storage_key: stored.key,
        uploaded_by: ownerId,
        signature: null,
      })
      .execute();
    return stored.sha256;
  }

  beforeAll(async () => {
    pdnd = await startPdndDouble();
    const common = { pdnd, clock: now, catalogue: systems };
    fo = await startInstance({ ...common, name: "fo3", kind: "pglite", roles: "front_office" });
    bo = await startInstance({
      ...common,
      name: "bo3",
      kind: process.env.TEST_DATABASE_URL ? "postgres" : "pglite",
      roles: "back_office",
    });
    et = await startInstance({
      ...common,
      name: "et3",
      kind: "pglite",
      roles: "third_party",
      agency: "ASL-TNO",
    });
    for (const i of [fo, bo, et]) writeCatalogue(i, systems());
    registerPurposes(pdnd.double, fo, bo, ["bo_to_fo"]);
    registerPurposes(pdnd.double, bo, fo, ["fo_to_bo"]);
    registerPurposes(pdnd.double, bo, et, ["et_to_bo"]);
    registerPurposes(pdnd.double, et, bo, ["bo_to_et"]);
    runtime.env = fo.env;
  }, 300_000);

  afterAll(async () => {
    for (const i of [fo, bo, et]) await i?.close();
    await pdnd?.close();
  });

  it("files at the front office: the back office opens its copy once, fetches the documents by hash, gets the receipt's date", async () => {
    praticaId = await file(fo.db.handle.db, fo.files, 1);
    const link = await fo.db.handle.db.selectFrom("ssu_links").selectAll().execute();
    expect(link).toMatchObject([
      { pratica_id: praticaId, service: "bo_to_fo", url: bo.serviceUrl("bo_to_fo") },
    ]);
    await exchange();
    const copy = await pratica(bo);
    expect(copy).toMatchObject({
      id: praticaId,
      status: "in_review",
      regime: "scia",
      title: "Apertura esercizio di vicinato",
    });
    expect(copy?.cui).toBe((await pratica(fo))?.cui);
    // Opened through the engine: SUBMIT by the front office as the applicant, then the protocol.
    const chain = await events(bo);
    expect(chain.slice(0, 2).map((e) => [e.type, e.actor_kind])).toEqual([
      ["SUBMIT", `ssu:applicant:${fo.env.PDND_CLIENT_ID}`],
      ["PROTOCOL", "system:integration"],
    ]);
    const foAttachment = await fo.db.handle.db.selectFrom("attachments").select("sha256").execute();
    const boAttachments = await bo.db.handle.db
      .selectFrom("attachments")
      .select("sha256")
      .where("pratica_id", "=", praticaId)
      .execute();
    expect(boAttachments.map((a) => a.sha256)).toEqual(foAttachment.map((a) => a.sha256));
    expect(await out(fo, "send_instance")).toHaveLength(1);
    expect(await out(fo, "notify_receipt")).toHaveLength(1);
    expect(bo.seen.filter((s) => s.operation === "notify_receipt" && s.status === 200)).toHaveLength(1);
    // The back office fetched the instance and the attachment from the front office's document operation.
    expect(fo.seen.filter((s) => s.operation === "document" && s.status === 200)).toHaveLength(2);

    // A retried send_instance (same version) opens nothing new and steps nothing.
    const before = (await events(bo)).length;
    const first = (await out(fo, "send_instance"))[0]!;
    await fo.db.handle.db
      .insertInto("integration_calls")
      .values({
        id: randomUUID(),
        kind: "ssu",
        operation: "bo_to_fo.send_instance",
        target: bo.serviceUrl("bo_to_fo"),
        idempotency_key: `again:${praticaId}`,
        pratica_id: praticaId,
        payload: JSON.stringify({
          service: "bo_to_fo",
          operation: "send_instance",
          url: bo.serviceUrl("bo_to_fo"),
          cuiUuid: praticaId,
          body: first.body,
        }),
        next_attempt_at: clock,
      })
      .execute();
    await exchange();
    expect(
      await bo.db.handle.db.selectFrom("pratiche").select("id").where("id", "=", praticaId).execute(),
    ).toHaveLength(1);
    expect((await events(bo)).filter((e) => e.type !== "INTEGRATION_RESULT")).toHaveLength(
      (await events(bo)).slice(0, before).filter((e) => e.type !== "INTEGRATION_RESULT").length,
    );
    expect(
      await bo.db.handle.db
        .selectFrom("attachments")
        .select("id")
        .where("pratica_id", "=", praticaId)
        .execute(),
    ).toHaveLength(1);
  }, 300_000);

  it("forwards to the agency's own system, which opens its copy awaiting its opinion", async () => {
    clock = new Date(clock.getTime() + HOUR);
    await act(bo, "operatore@demo.test", praticaId, {
      type: "FORWARD_TO_AGENCIES",
      at: at(),
      agencies: [{ agencyId: "ASL-TNO", termDays: 30 }],
    });
    await exchange();
    expect(await out(bo, "send_instance")).toHaveLength(1);
    const copy = await pratica(et);
    expect(copy).toMatchObject({ id: praticaId, status: "awaiting_opinions" });
    const agencies = await et.db.handle.db
      .selectFrom("pratica_agencies")
      .innerJoin("entities", "entities.id", "pratica_agencies.agency_id")
      .select(["entities.code", "pratica_agencies.status"])
      .where("pratica_id", "=", praticaId)
      .execute();
    expect(agencies).toEqual([{ code: "ASL-TNO", status: "pending" }]);
    // The documents the agency holds are the ones the business filed (fetched from the back office).
    const sha = (await fo.db.handle.db.selectFrom("attachments").select("sha256").executeTakeFirstOrThrow())
      .sha256;
    expect(
      (
        await et.db.handle.db
          .selectFrom("attachments")
          .select("sha256")
          .where("pratica_id", "=", praticaId)
          .execute()
      ).map((a) => a.sha256),
    ).toEqual([sha]);
    expect(
      bo.seen.filter((s) => s.service === "bo_to_et" && s.operation === "document" && s.status === 200),
    ).toHaveLength(2);
  }, 300_000);

  it("the agency asks for an integration, the back office sends the request to the front office, the business sees it", async () => {
    clock = new Date(clock.getTime() + HOUR);
    await act(et, "asl@demo.test", praticaId, {
      type: "AGENCY_REQUESTS_INTEGRATION",
      at: at(),
      agencyId: "ASL-TNO",
      items: ["Planimetria dei locali in scala 1:100"],
    });
    await exchange();
    expect((await events(bo)).map((e) => [e.type, e.actor_kind])).toContainEqual([
      "AGENCY_REQUESTS_INTEGRATION",
      `ssu:agency:${et.env.PDND_CLIENT_ID}`,
    ]);
    clock = new Date(clock.getTime() + HOUR);
    await act(bo, "operatore@demo.test", praticaId, { type: "SEND_INTEGRATION_REQUEST", at: at() });
    await exchange();
    const sent = await out(bo, "request_integration");
    expect(sent).toHaveLength(1);
    const list = (
      sent[0]!.body as {
        integration_list: {
          integration_request: { request: string; requester_administration: { officecode: string } }[];
        }[];
      }
    ).integration_list;
    expect(list[0]!.integration_request).toContainEqual({
      request: "Planimetria dei locali in scala 1:100",
      requester_administration: expect.objectContaining({ officecode: "ASL-TNO" }),
    });
    // The front office's copy now waits for the business's answer, and the business was told.
    expect((await pratica(fo))?.status).toBe("integration_requested");
    expect((await events(fo)).map((e) => [e.type, e.actor_kind])).toContainEqual([
      "SEND_INTEGRATION_REQUEST",
      `ssu:officer:${bo.env.PDND_CLIENT_ID}`,
    ]);
    const mail = await fo.db.handle.db
      .selectFrom("outbox")
      .select(["recipient", "body_text"])
      .where("pratica_id", "=", praticaId)
      .execute();
    expect(
      mail.filter(
        (m) => m.recipient === "impresa@demo.test" && m.body_text.includes("ti chiede di integrare"),
      ),
    ).toHaveLength(1);
    const asked = (
      (await pratica(fo))!.snapshot as { context: { integrationRequests: { items: string[] }[] } }
    ).context.integrationRequests.flatMap((r) => r.items);
    expect(asked).toContain("Planimetria dei locali in scala 1:100");
  }, 300_000);

  it("the business answers while the back office is down: the retry rule (+2 h, +4 h) brings the answer through", async () => {
    clock = new Date(clock.getTime() + HOUR);
    const owner = await (async () => {
      runtime.handle = fo.db.handle;
      return userByEmail(fo.db.handle.db, "impresa@demo.test");
    })();
    await addAttachment(fo.db.handle.db, fo.files, praticaId, owner.id, 2, "planimetria_integrata");
    await bo.stop();
    await act(fo, "impresa@demo.test", praticaId, { type: "INTEGRATION_RECEIVED", at: at() });
    const t0 = clock.getTime();
    await exchange();
    const call = () =>
      fo.db.handle.db
        .selectFrom("integration_calls")
        .selectAll()
        .where("operation", "=", "bo_to_fo.send_instance")
        .where("status", "!=", "done")
        .executeTakeFirstOrThrow();
    expect(await call()).toMatchObject({ status: "queued", attempts: 1 });
    clock = new Date(t0 + HOUR);
    expect(await exchange()).toBe(0); // nothing due at +1 h
    clock = new Date(t0 + 2 * HOUR);
    await exchange();
    expect(await call()).toMatchObject({ status: "queued", attempts: 2 }); // still down at +2 h
    clock = new Date(t0 + 5 * HOUR);
    expect(await exchange()).toBe(0); // the next try is 4 h after the second
    await bo.start();
    clock = new Date(t0 + 6 * HOUR);
    await exchange();
    const done = await fo.db.handle.db
      .selectFrom("integration_calls")
      .select(["status", "attempts"])
      .where("operation", "=", "bo_to_fo.send_instance")
      .orderBy("created_at")
      .execute();
    expect(done.at(-1)).toMatchObject({ status: "done", attempts: 3 });
    const boCopy = await pratica(bo);
    expect(boCopy?.status).toBe("in_review");
    expect((await events(bo)).map((e) => [e.type, e.actor_kind])).toContainEqual([
      "INTEGRATION_RECEIVED",
      `ssu:applicant:${fo.env.PDND_CLIENT_ID}`,
    ]);
    // The integration's new document was fetched and is now the back office's attachment too.
    expect(
      await bo.db.handle.db
        .selectFrom("attachments")
        .select("id")
        .where("pratica_id", "=", praticaId)
        .execute(),
    ).toHaveLength(2);
    const version = await bo.db.handle.db
      .selectFrom("ssu_links")
      .select("version")
      .where("pratica_id", "=", praticaId)
      .where("service", "=", "fo_to_bo")
      .executeTakeFirstOrThrow();
    expect(version.version).toBe(2);
  }, 300_000);

  it("the agency's conclusions step the back office; the final notification closes the front office's and the agency's exchange", async () => {
    clock = new Date(clock.getTime() + HOUR);
    await act(et, "asl@demo.test", praticaId, {
      type: "AGENCY_CONCLUSION",
      at: at(),
      agencyId: "ASL-TNO",
      outcome: "positive",
      reasons: "Parere igienico-sanitario favorevole",
    });
    await exchange();
    expect((await events(bo)).map((e) => [e.type, e.actor_kind])).toContainEqual([
      "AGENCY_CONCLUSION",
      `ssu:agency:${et.env.PDND_CLIENT_ID}`,
    ]);
    const agency = await bo.db.handle.db
      .selectFrom("pratica_agencies")
      .select(["status", "outcome"])
      .where("pratica_id", "=", praticaId)
      .executeTakeFirstOrThrow();
    expect(agency).toEqual({ status: "concluded", outcome: "positive" });
    clock = new Date(clock.getTime() + HOUR);
    await act(bo, "operatore@demo.test", praticaId, { type: "CONCLUDE_CHECKS", at: at() });
    await exchange();
    expect((await pratica(bo))?.ssu_status).toBe("ended_by_positive_outcome");
    const notified = await out(bo, "notify");
    expect(notified.map((n) => [n.service, (n.body as { event: string }).event]).sort()).toEqual([
      ["et_to_bo", "end_by_positive_outcome"],
      ["fo_to_bo", "end_by_positive_outcome"],
    ]);
    const foCopy = await pratica(fo);
    expect(foCopy).toMatchObject({ ended: true, ssu_status: "ended_by_positive_outcome" });
    expect(et.seen.filter((s) => s.operation === "notify" && s.status === 200)).toHaveLength(1);
  }, 300_000);

  it("the agency's copy ends on the back office's notify and its inbox says so; pages name the declarant, not a system", async () => {
    const copy = await pratica(et);
    expect(copy).toMatchObject({ ended: true, ssu_status: "ended_by_positive_outcome" });
    expect((await events(et)).map((e) => [e.type, e.actor_kind]).at(-1)).toEqual([
      "CONCLUDE_CHECKS",
      `ssu:officer:${bo.env.PDND_CLIENT_ID}`,
    ]);
    runtime.handle = et.db.handle;
    const asl = await userByEmail(et.db.handle.db, "asl@demo.test");
    const agencyId = (
      await et.db.handle.db
        .selectFrom("entities")
        .select("id")
        .where("code", "=", "ASL-TNO")
        .executeTakeFirstOrThrow()
    ).id;
    const inbox = await agencyInbox(et.db.handle.db, {
      agencyIds: [agencyId],
      today: at().slice(0, 10),
      show: "all",
    });
    expect(inbox.find((r) => r.praticaId === praticaId)).toMatchObject({
      praticaEnded: true,
      opinionStatus: "concluded",
    });
    // The declarant who signed at the front office, on the agency's and the back office's pages.
    const owner = await userByEmail(fo.db.handle.db, "impresa@demo.test");
    const signer = await fo.db.handle.db
      .selectFrom("users")
      .select(["full_name", "fiscal_code"])
      .where("id", "=", owner.id)
      .executeTakeFirstOrThrow();
    const agencyView = await loadPraticaView(et.db.handle.db, asl.principal, praticaId, at().slice(0, 10));
    runtime.handle = bo.db.handle;
    const officer = await userByEmail(bo.db.handle.db, "operatore@demo.test");
    const deskView = await loadPraticaView(bo.db.handle.db, officer.principal, praticaId, at().slice(0, 10));
    for (const view of [agencyView, deskView]) {
      expect(view?.filer.name).toContain(signer.full_name);
      expect(JSON.stringify(view)).not.toContain("sistemi-ssu.invalid");
      expect(JSON.stringify(view)).not.toContain("Sistema SSU");
    }
    // The audit keeps the sending system as the actor of the filing.
    expect((await events(bo))[0]).toMatchObject({
      type: "SUBMIT",
      actor_kind: `ssu:applicant:${fo.env.PDND_CLIENT_ID}`,
    });
    // The system filer is never mailed (its address is .invalid).
    for (const i of [bo, et])
      expect(
        await i.db.handle.db
          .selectFrom("outbox")
          .select("recipient")
          .where("recipient", "like", "%.invalid")
          .execute(),
      ).toEqual([]);
  }, 300_000);

  it("the business withdraws a second filing: cancel_instance ends the back office's copy", async () => {
    clock = new Date(clock.getTime() + HOUR);
    const second = await file(fo.db.handle.db, fo.files, 3);
    await exchange();
    expect((await pratica(bo, second))?.status).toBe("in_review");
    clock = new Date(clock.getTime() + HOUR);
    await act(fo, "impresa@demo.test", second, { type: "CANCEL", at: at(), reasons: "Rinuncia" });
    await exchange();
    expect(await out(fo, "cancel_instance")).toHaveLength(1);
    expect(await pratica(bo, second)).toMatchObject({
      status: "cancelled",
      ssu_status: "ended_by_submitter_cancel_requested",
    });
    expect((await events(bo, second)).map((e) => [e.type, e.actor_kind])).toContainEqual([
      "CANCEL",
      `ssu:applicant:${fo.env.PDND_CLIENT_ID}`,
    ]);
    // The back office confirms the end to the front office (SubmitterCancel-001), which was already cancelled.
    const confirmed = (await out(bo, "notify")).filter((n) => n.pratica_id === second);
    expect(confirmed.map((n) => (n.body as { event: string }).event)).toEqual([
      "end_by_submitter_cancel_requested",
    ]);
    expect((await pratica(fo, second))?.status).toBe("cancelled");
  }, 300_000);

  it("a SCIA condizionata convenes the conferenza: the front office and the agency are told (cdss_convened), the agency asks for the synchronous one (request_cdss)", async () => {
    clock = new Date(clock.getTime() + HOUR);
    const third = await file(fo.db.handle.db, fo.files, 4, "scia_condizionata");
    await exchange();
    expect((await pratica(bo, third))?.status).toBe("in_review");
    clock = new Date(clock.getTime() + HOUR);
    await act(bo, "operatore@demo.test", third, {
      type: "FORWARD_TO_AGENCIES",
      at: at(),
      agencies: [{ agencyId: "ASL-TNO", termDays: 30 }],
    });
    expect((await pratica(bo, third))?.ssu_status).toBe("cdss_convened");
    await exchange();
    const told = (await out(bo, "notify")).filter((n) => n.pratica_id === third);
    expect(told.map((n) => [n.service, (n.body as { event: string }).event]).sort()).toEqual([
      ["et_to_bo", "cdss_convened"],
      ["fo_to_bo", "cdss_convened"],
    ]);
    const toAgency = told.find((n) => n.service === "et_to_bo")!.body as Record<string, string>;
    expect(toAgency.cdss_convocation).toBe(romeDate(clock));
    expect(toAgency.cdss_channel).toContain("14-bis");
    // One peer's messages in order: the instance reached the agency before the conferenza's notice.
    const calls = await bo.db.handle.db
      .selectFrom("integration_calls")
      .select(["operation", "completed_at", "order_seq"])
      .where("pratica_id", "=", third)
      .where("operation", "in", ["et_to_bo.send_instance", "et_to_bo.notify"])
      .orderBy("order_seq")
      .execute();
    expect(calls.map((c) => c.operation)).toEqual(["et_to_bo.send_instance", "et_to_bo.notify"]);
    expect(new Date(calls[0]!.completed_at!).getTime()).toBeLessThanOrEqual(
      new Date(calls[1]!.completed_at!).getTime(),
    );
    // The agency's copy opened and shows the conferenza; so does the front office's.
    runtime.handle = et.db.handle;
    const asl = await userByEmail(et.db.handle.db, "asl@demo.test");
    const agencyView = await loadPraticaView(et.db.handle.db, asl.principal, third, at().slice(0, 10));
    expect(agencyView?.pratica.status).toBe("awaiting_opinions");
    expect(agencyView?.ssu).toMatchObject({
      conference: { date: romeDate(clock), channel: expect.stringContaining("14-bis") },
      backOffice: true,
    });
    runtime.handle = fo.db.handle;
    const owner = await userByEmail(fo.db.handle.db, "impresa@demo.test");
    const foView = await loadPraticaView(fo.db.handle.db, owner.principal, third, at().slice(0, 10));
    // (the front office's notice carries no date of its own: the day it arrived)
    expect(foView?.ssu.conference).toMatchObject({
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      channel: null,
    });
    // The agency asks for the synchronous conferenza; the back office's desk is told.
    clock = new Date(clock.getTime() + HOUR);
    expect(
      await requestCdssFromAgency(et.db.handle.db, { praticaId: third, agencyCode: "ASL-TNO", now: clock }),
    ).toBe(true);
    await exchange();
    expect(bo.seen.filter((x) => x.operation === "request_cdss" && x.status === 200)).toHaveLength(1);
    const mail = await bo.db.handle.db
      .selectFrom("outbox")
      .select(["subject", "body_text"])
      .where("pratica_id", "=", third)
      .where("template", "=", "ssu_richiesta_cdss")
      .execute();
    expect(mail.length).toBeGreaterThan(0);
    expect(mail[0]!.subject).toContain("conferenza di servizi sincrona");
    const asked = await et.db.handle.db
      .selectFrom("entities")
      .select("name")
      .where("code", "=", "ASL-TNO")
      .executeTakeFirstOrThrow();
    expect(mail[0]!.body_text).toContain(`L'ente ${asked.name} chiede di convocare la conferenza`);
    // Recorded on both chains: sent by the agency, received by the back office.
    expect((await events(et, third)).filter((e) => e.type === "INTEGRATION_RESULT").length).toBeGreaterThan(
      0,
    );
    // A copy with no back office to ask (the front office's) cannot ask for it.
    expect(await requestCdssFromAgency(fo.db.handle.db, { praticaId: third, agencyCode: "ASL-TNO" })).toBe(
      false,
    );
  }, 300_000);

  it("the business does not answer the integration in time: the back office's copy ends, the front office is notified and ends its own", async () => {
    clock = new Date(clock.getTime() + HOUR);
    const fourth = await file(fo.db.handle.db, fo.files, 5);
    await exchange();
    clock = new Date(clock.getTime() + HOUR);
    await act(bo, "operatore@demo.test", fourth, {
      type: "SEND_INTEGRATION_REQUEST",
      at: at(),
      items: ["Relazione tecnica"],
    });
    await exchange();
    expect((await pratica(fo, fourth))?.status).toBe("integration_requested");
    // 40 days later nothing came: the back office's deadline fires as the system.
    clock = new Date(clock.getTime() + 40 * 24 * HOUR);
    await dispatch(bo.db.handle.db, bo.services, {
      praticaId: fourth,
      event: { type: "INTEGRATION_TERM_EXPIRED", at: at() },
      actor: { kind: "system", name: "scadenze" },
    });
    expect((await pratica(bo, fourth))?.ssu_status).toBe("ended_by_integration_times_expired");
    await exchange();
    const told = (await out(bo, "notify")).filter((n) => n.pratica_id === fourth);
    expect(told.map((n) => [n.service, (n.body as { event: string }).event])).toEqual([
      ["fo_to_bo", "end_by_integration_times_expired"],
    ]);
    expect(await pratica(fo, fourth)).toMatchObject({
      ended: true,
      ssu_status: "ended_by_integration_times_expired",
    });
  }, 300_000);

  it("a pratica the national Catalogo gave another CUI travels under that CUI, both ways", async () => {
    clock = new Date(clock.getTime() + HOUR);
    const national = randomUUID();
    const nationalCui = formatCui(buildCui("SUAP-AVC", clock.toISOString().slice(0, 10), 900, national));
    const fifth = await file(fo.db.handle.db, fo.files, 6, "scia", async (id) => {
      // As request_cui's answer leaves it (recordCatalogueResult): the Catalogo's CUI kept in ssu_cui.
      await fo.db.handle.db
        .updateTable("pratiche")
        .set({ ssu_cui: nationalCui })
        .where("id", "=", id)
        .execute();
    });
    await exchange();
    const sent = (await out(fo, "send_instance")).filter((m) => m.pratica_id === fifth);
    expect(sent.map((m) => (m.body as { cui: { uuid: string } }).cui.uuid)).toEqual([national]);
    // The back office knows it by the national CUI only, fetched its documents under it, answered the receipt.
    const copy = await pratica(bo, national);
    expect(copy?.cui).toBe(nationalCui);
    expect(
      await bo.db.handle.db
        .selectFrom("attachments")
        .select("id")
        .where("pratica_id", "=", national)
        .execute(),
    ).toHaveLength(1);
    expect(fo.seen.filter((x) => x.operation === "document" && x.path?.includes(national))).toHaveLength(2);
    // A message back (request_integration) under the national CUI steps the front office's own pratica.
    clock = new Date(clock.getTime() + HOUR);
    await act(bo, "operatore@demo.test", national, {
      type: "SEND_INTEGRATION_REQUEST",
      at: at(),
      items: ["Visura"],
    });
    await exchange();
    expect((await pratica(fo, fifth))?.status).toBe("integration_requested");
  }, 300_000);

  it("every message was checked against the official OpenAPI, every voucher and signature verified", async () => {
    const seen = [...fo.seen, ...bo.seen, ...et.seen];
    const byOp = (service: string, operation: string) =>
      seen.filter((s) => s.service === service && s.operation === operation).length;
    // FO→BO: five filings + the retried send + the integrated instance; receipts of the filings; one withdrawal.
    expect(byOp("bo_to_fo", "send_instance")).toBe(7);
    expect(byOp("bo_to_fo", "notify_receipt")).toBe(5);
    expect(byOp("bo_to_fo", "cancel_instance")).toBe(1);
    expect(byOp("et_to_bo", "send_instance")).toBe(2);
    expect(byOp("bo_to_et", "request_integration")).toBe(1);
    expect(byOp("bo_to_et", "request_cdss")).toBe(1);
    expect(byOp("fo_to_bo", "request_integration")).toBe(3);
    expect(byOp("bo_to_et", "send_conclusions")).toBe(1);
    // the final notification of the first, end_by_submitter_cancel_requested of the second (SubmitterCancel-001),
    // the conferenza of the third, the integration term of the fourth
    expect(byOp("fo_to_bo", "notify")).toBe(4);
    // the final notification of the first, the conferenza of the third
    expect(byOp("et_to_bo", "notify")).toBe(2);
    expect(byOp("fo_to_bo", "document")).toBeGreaterThanOrEqual(12);
    expect(byOp("bo_to_et", "document")).toBe(4);
    expect(seen.length).toBeGreaterThanOrEqual(40);
    for (const s of seen) {
      expect(s, `${s.service}/${s.operation}`).toMatchObject({
        status: 200,
        voucherOk: true,
        requestSignatureOk: true,
        responseSignatureOk: true,
        requestProblems: [],
        responseProblems: [],
      });
    }
    expect(seen.filter((s) => s.voucherOk && s.requestSignatureOk && s.responseSignatureOk)).toHaveLength(
      seen.length,
    );
    // What each portal sent (as logged in ssu_messages) conforms too.
    for (const i of [fo, bo, et]) {
      const sent = await i.db.handle.db
        .selectFrom("ssu_messages")
        .select(["service", "operation", "body"])
        .where("direction", "=", "out")
        .where("service", "!=", "catalogo")
        .execute();
      expect(sent.length).toBeGreaterThan(0);
      for (const m of sent)
        expect(checkRequest(m.service as never, m.operation, m.body), `${i.name} ${m.operation}`).toEqual([]);
    }
    // The three audit chains are intact.
    for (const i of [fo, bo, et]) expect((await verifyChains(i.db.handle.db)).problems).toEqual([]);
  }, 300_000);
});
