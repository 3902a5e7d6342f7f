/**
 * Runs before the e2e web server, on the same DATA_DIR (PGlite allows one process at a time): migrations,
 * seed, and the demo pratiche of the desk journeys, created through the engine like real filings. Then exits
 * and the server starts. Idempotent per data directory (skips when the pratiche exist).
 */
import { randomUUID } from "node:crypto";
import { loadPrincipal } from "~/server/auth/session.server";
import { dispatch } from "~/server/engine/engine.server";
import { enqueueCall } from "~/server/integrations/queue.server";
import { boot, db, shutdown } from "~/server/runtime.server";
import { engineServices } from "~/server/services.server";
import type { WorkflowEvent, WorkflowInput } from "../../../workflows/index";
import { DESK_TITLES, deskPlan, romeToday } from "./desk-plan";
import { seedPecInbox } from "./pec";
import { seedProtocolRegister } from "./protocol";

const input = (regime: WorkflowInput["regime"]): WorkflowInput => ({
  regime,
  termDays: 60,
  times: {
    max_gg_correction: 10,
    max_gg_admissibility: 10,
    max_gg_int_req: 15,
    max_gg_int_resp: 30,
    max_gg_concl_send: 45,
    max_gg_cdss_req: 5,
    observations_days: 10,
    resume_after_observations_days: 10,
    conformation_min_days: 30,
    attestation_days: 10,
  },
  calendar: { patronDays: [] },
});

async function main() {
  await boot();
  const d = db();
  const services = engineServices();
  if (await d.selectFrom("pratiche").select("id").where("title", "=", DESK_TITLES.scia).executeTakeFirst()) {
    await shutdown();
    return;
  }
  const owner = await d
    .selectFrom("users")
    .select("id")
    .where("email", "=", "impresa@demo.test")
    .executeTakeFirstOrThrow();
  const officer = await d
    .selectFrom("users")
    .select("id")
    .where("email", "=", "operatore@demo.test")
    .executeTakeFirstOrThrow();
  const ownerP = await loadPrincipal(owner.id);
  const officerP = await loadPrincipal(officer.id);
  const version = await d
    .selectFrom("catalogue_versions")
    .select("id")
    .orderBy("is_current", "desc")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  const entity = async (code: string) =>
    (await d.selectFrom("entities").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
  const plan = deskPlan(romeToday());

  async function file(
    title: string,
    regime: WorkflowInput["regime"],
    usecase: string,
    at: string,
    formData: Record<string, unknown> = { insegna: "Bottega Rossi", superficie_mq: 40 },
    start: WorkflowInput = input(regime),
  ) {
    const id = randomUUID();
    await d
      .insertInto("pratiche")
      .values({
        id,
        cui: `E2E-${id.slice(0, 8)}`,
        catalogue_version_id: version.id,
        usecases: JSON.stringify([usecase]),
        title,
        regime,
        municipality_id: await entity("050039"),
        desk_id: await entity("SUAP-AVC"),
        business_id: ownerP.businessIds[0]!,
        filer_user_id: owner.id,
        form_data: JSON.stringify(formData),
      })
      .execute();
    await dispatch(d, services, {
      praticaId: id,
      event: { type: "SUBMIT", at },
      actor: { kind: "user", userId: owner.id, principal: ownerP },
      start,
    });
    await dispatch(d, services, {
      praticaId: id,
      event: { type: "PROTOCOL", at },
      actor: { kind: "system", name: "e2e" },
    });
    return id;
  }
  const as = (userId: string, principal: typeof ownerP) => ({ kind: "user" as const, userId, principal });
  const act = (id: string, event: WorkflowEvent, actor = as(officer.id, officerP)) =>
    dispatch(d, services, { praticaId: id, event, actor });

  const scia = await file(DESK_TITLES.scia, "scia", "VICINATO_APERTURA_NON_ALIMENTARE", plan.scia.submitted);
  // An external call that ran out of retries, for the integrations page and the desk's pending calls.
  const call = await d.transaction().execute((trx) =>
    enqueueCall(trx, {
      kind: "ssu",
      operation: "e2e_notify_peer",
      target: "e2e",
      idempotencyKey: `e2e:${scia}`,
      praticaId: scia,
      payload: {},
    }),
  );
  await d
    .updateTable("integration_calls")
    .set({
      status: "alerted",
      attempts: 4,
      last_error: "Il servizio SSU ha risposto 503: servizio non disponibile.",
      last_http_status: 503,
    })
    .where("id", "=", call.id)
    .execute();
  await file(
    DESK_TITLES.authorisation,
    "autorizzazione",
    "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    plan.authorisation.submitted,
  );
  const integrated = await file(
    DESK_TITLES.integrated,
    "autorizzazione",
    "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    plan.integrated.submitted,
  );
  await act(integrated, {
    type: "SEND_INTEGRATION_REQUEST",
    at: plan.integrated.requested,
    answerDays: plan.integrated.answerDays,
    items: ["Planimetria dei locali aggiornata"],
  });
  // The business's answer (the filing pages will do this from the browser).
  await act(integrated, { type: "INTEGRATION_RECEIVED", at: plan.integrated.received }, as(owner.id, ownerP));
  await file(
    DESK_TITLES.refusal,
    "autorizzazione",
    "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    plan.refusal.submitted,
  );
  await file(
    DESK_TITLES.sciaPositive,
    "scia",
    "VICINATO_APERTURA_NON_ALIMENTARE",
    plan.sciaPositive.submitted,
  );
  await file(
    DESK_TITLES.sciaInadmissible,
    "scia",
    "VICINATO_APERTURA_NON_ALIMENTARE",
    plan.sciaInadmissible.submitted,
  );
  await file(
    DESK_TITLES.toForward,
    "autorizzazione",
    "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    plan.toForward.submitted,
  );
  // The journey walk (issue 12): answers as a real filing holds them (field names, option codes, an ISTAT
  // code, yes/no as "true"), so the pages must put them in words.
  const answers = {
    ruolo_dichiarante: "TITOLARE",
    dich_nome: "Maria",
    dich_cognome: "Rossi",
    dich_pec: "maria.rossi@pec.demo.test",
    forma_giuridica: "IMPRESA_INDIVIDUALE",
    impresa_denominazione: "Bottega Rossi",
    sede_comune: "050039",
    sede_indirizzo: "Via Matteotti 1",
    dich_veridicita: "true",
    dich_privacy: "true",
  };
  const suspended = await file(
    DESK_TITLES.walkSuspended,
    "autorizzazione",
    "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    plan.walkSuspended.submitted,
    answers,
  );
  await act(suspended, {
    type: "SEND_INTEGRATION_REQUEST",
    at: plan.walkSuspended.requested,
    answerDays: plan.walkSuspended.answerDays,
    items: ["Planimetria dei locali con le uscite di sicurezza"],
  });
  const unica = input("scia_unica");
  const capped = await file(
    DESK_TITLES.walkCapped,
    "scia_unica",
    "VICINATO_APERTURA_ALIMENTARE",
    plan.walkCapped.submitted,
    answers,
    { ...unica, times: { ...unica.times, agency_proposal_lead_days: 5 } },
  );
  await act(capped, {
    type: "FORWARD_TO_AGENCIES",
    at: plan.walkCapped.forwarded,
    agencies: [{ agencyId: "ASL-TNO", termDays: plan.walkCapped.agencyDays }],
  });
  const prohibited = await file(
    DESK_TITLES.walkProhibited,
    "scia",
    "VICINATO_APERTURA_NON_ALIMENTARE",
    plan.walkProhibited.submitted,
    answers,
  );
  await act(prohibited, {
    type: "DENY",
    at: plan.walkProhibited.prohibited,
    reasons: "Locali privi dei requisiti igienico-sanitari",
  });
  await file(
    DESK_TITLES.walkDuplicate,
    "autorizzazione",
    "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    plan.walkDuplicate.submitted,
    answers,
  );
  // Issue 12, desk and agency (acts.spec): the officer asks for an integration and the business answers it on
  // the act page; the officer forwards a SCIA unica to the ASL with 60 days, capped before the final term.
  await file(
    DESK_TITLES.actAnswer,
    "autorizzazione",
    "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    plan.actAnswer.submitted,
    answers,
  );
  await file(
    DESK_TITLES.forwardCapped,
    "scia_unica",
    "VICINATO_APERTURA_ALIMENTARE",
    plan.forwardCapped.submitted,
    answers,
    { ...unica, times: { ...unica.times, agency_proposal_lead_days: 5 } },
  );
  const denyAfterNotice = await file(
    DESK_TITLES.denyAfterNotice,
    "autorizzazione",
    "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    plan.denyAfterNotice.submitted,
    answers,
  );
  await act(denyAfterNotice, {
    type: "NOTICE_OF_REFUSAL",
    at: plan.denyAfterNotice.notice,
    reasons: "Superficie di somministrazione oltre il limite della zona tutelata",
  });
  await act(
    denyAfterNotice,
    { type: "OBSERVATIONS_RECEIVED", at: plan.denyAfterNotice.observations },
    as(owner.id, ownerP),
  );
  // PEC (issue 17): the desk's inbox, read from the mailbox through the provider double.
  await seedPecInbox(db());
  // Protocol register pages (issue 17): a pratica registered yesterday and yesterday's daily register.
  await seedProtocolRegister(d, {
    ownerId: owner.id,
    principal: ownerP,
    start: input("scia"),
    versionId: version.id,
  });
  await shutdown();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
