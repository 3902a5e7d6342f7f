import { type Kysely, sql } from "kysely";
import { romeDate } from "~/domain/dates";
import { eventText } from "~/i18n/modules/words";
import {
  allowedEvents,
  eventActors,
  type EventType,
  type PersistedWorkflow,
  registry,
} from "../../../workflows/index";
import { agencyTermView, clockView } from "../../../workflows/clock";
import { answerRows, asCatalogue, attachmentTitles } from "~/domain/filing/answers";
import { catalogueDocument } from "../catalogue/repository.server";
import { actorKinds, can, type Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { findPratica, praticaRef } from "./repository.server";

/**
 * Everything a pratica page shows, for one viewer: data, documents, attachments, the timeline from the audit
 * log, the legal clock, the agencies, and the acts this viewer may perform now. Returns null when the viewer
 * may not see the pratica (routes answer 404: existence is not revealed).
 */
export async function loadPraticaView(
  db: Kysely<Database>,
  principal: Principal,
  praticaId: string,
  today: string,
) {
  if (!/^[0-9a-f-]{36}$/i.test(praticaId)) return null;
  const pratica = await findPratica(db, praticaId);
  if (!pratica) return null;
  const ref = await praticaRef(db, pratica);
  // Sight (e.g. an organisation after its delegation ended) may come without the right to act.
  if (!can(principal, { type: "pratica.view", pratica: ref })) return null;
  const kinds = actorKinds(principal, ref);

  const [business, municipality, desk, documents, attachments, events, deadlines, agencies, assignee, filer] =
    await Promise.all([
      db.selectFrom("businesses").selectAll().where("id", "=", pratica.business_id).executeTakeFirstOrThrow(),
      db
        .selectFrom("entities")
        .select(["id", "name", "istat_code"])
        .where("id", "=", pratica.municipality_id)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom("entities")
        .select(["id", "code", "name", "pec"])
        .where("id", "=", pratica.desk_id)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom("documents")
        .leftJoin("protocol_entries", "protocol_entries.document_id", "documents.id")
        .select([
          "documents.id",
          "documents.kind",
          "documents.title",
          "documents.filename",
          "documents.sha256",
          "documents.size",
          "documents.verification_code",
          "documents.created_at",
          "documents.seal_status",
          "protocol_entries.label as protocol_label",
        ])
        .where("documents.pratica_id", "=", pratica.id)
        .orderBy("documents.created_at")
        .execute(),
      db
        .selectFrom("attachments")
        .select([
          "id",
          "code",
          "filename",
          "content_type",
          "size",
          "sha256",
          "purpose",
          "created_at",
          "signature",
        ])
        .where("pratica_id", "=", pratica.id)
        .orderBy("created_at")
        .execute(),
      db
        .selectFrom("events")
        .leftJoin("users", "users.id", "events.actor_user_id")
        .select([
          "events.seq",
          "events.type",
          "events.actor_kind",
          "events.payload",
          "events.state_after",
          "events.at",
          "users.full_name as actor_name",
        ])
        .where("events.pratica_id", "=", pratica.id)
        .orderBy("events.seq")
        .execute(),
      db
        .selectFrom("deadlines")
        .select(["name", "due", "event", "status"])
        .where("pratica_id", "=", pratica.id)
        .where("status", "in", ["active", "suspended"])
        .orderBy("due")
        .execute(),
      db
        .selectFrom("pratica_agencies")
        .innerJoin("entities", "entities.id", "pratica_agencies.agency_id")
        .select([
          "entities.id",
          "entities.code",
          "entities.name",
          "pratica_agencies.status",
          "pratica_agencies.outcome",
          "pratica_agencies.due_date",
        ])
        .where("pratica_agencies.pratica_id", "=", pratica.id)
        .execute(),
      pratica.assignee_user_id
        ? db
            .selectFrom("users")
            .select(["id", "full_name"])
            .where("id", "=", pratica.assignee_user_id)
            .executeTakeFirst()
        : Promise.resolve(undefined),
      db
        .selectFrom("users")
        .select(["full_name", "email"])
        .where("id", "=", pratica.filer_user_id)
        .executeTakeFirstOrThrow(),
    ]);

  const persisted = pratica.snapshot as PersistedWorkflow | null;
  const def = persisted ? registry.byKey(persisted.machine) : undefined;
  const ctx = persisted?.context;
  const clock = ctx?.clock ? clockView(ctx.clock, ctx.input.calendar, today) : null;
  const possible: EventType[] = def && persisted ? allowedEvents(def, persisted, { at: today }) : [];
  const catalogue = asCatalogue(await catalogueDocument(db, pratica.catalogue_version_id).catch(() => null));
  const usecaseCodes = (pratica.usecases as string[]) ?? [];
  // One date per term (issue 12): screens read the clock's date ("al più tardi" while suspended). The engine
  // keeps the rows equal to it (ADR 0036: suspended rows carry the same date), so this only guards a row a
  // step has not touched since an upgrade.
  const clockDue = (name: string): string | null => {
    if (!clock) return null;
    if (name === "final") return clock.finalDue;
    if (name === "integration") return clock.integrationDue;
    if (name === "observations") return clock.observationsDue;
    if (name.startsWith("agency:")) return clock.agencies[name.slice("agency:".length)] ?? null;
    return null;
  };
  const agencyTerms: Record<string, { termDays: number; own: string; cappedBy: string | null }> = {};
  if (ctx?.clock) {
    for (const id of Object.keys(ctx.clock.agencies ?? {})) {
      const v = agencyTermView(ctx.clock, id, ctx.input.calendar);
      if (v) agencyTerms[id] = { termDays: v.termDays, own: v.own, cappedBy: v.cappedBy };
    }
  }
  const acts = possible
    .filter((type) => eventActors[type].some((a) => a !== "system" && kinds.includes(a)))
    .map((type) => ({ type, label: eventText("it", type) }));

  return {
    pratica: {
      id: pratica.id,
      cui: pratica.cui,
      title: pratica.title,
      regime: pratica.regime,
      status: pratica.status,
      ssuStatus: pratica.ssu_status,
      ended: pratica.ended,
      suspended: pratica.suspended,
      dueDate: pratica.due_date,
      protocolNumber: pratica.protocol_number,
      submittedAt: pratica.submitted_at
        ? new Date(pratica.submitted_at as unknown as string).toISOString()
        : null,
      usecases: pratica.usecases as string[],
      formData: pratica.form_data as Record<string, unknown>,
      workflow: pratica.workflow,
      workflowState: persisted?.value ?? null,
      catalogueVersionId: pratica.catalogue_version_id,
    },
    viewer: { kinds },
    business: {
      id: business.id,
      name: business.name,
      fiscalCode: business.fiscal_code,
      vatNumber: business.vat_number,
      pec: business.pec,
      legalForm: business.legal_form,
    },
    // A pratica received from another SSU system is filed by that system (the audit's actor); the person who
    // signed the istanza is its declarant, named by the instance (0027). No system address is ever shown.
    filer: declarantOf(pratica) ?? { name: filer.full_name, email: filer.email },
    ssu: {
      conference: await conferenceNotice(db, pratica.id),
      // an agency's copy received from a back office's SSU system (it may ask that back office for a conferenza)
      backOffice: !!(await db
        .selectFrom("ssu_links")
        .select("pratica_id")
        .where("pratica_id", "=", pratica.id)
        .where("service", "=", "bo_to_et")
        .executeTakeFirst()),
    },
    municipality,
    desk,
    assignee: assignee ? { id: assignee.id, name: assignee.full_name } : null,
    documents: documents.map((d) => ({ ...d, created_at: new Date(d.created_at).toISOString() })),
    attachments: attachments.map((a) => ({ ...a, created_at: new Date(a.created_at).toISOString() })),
    timeline: events.map((e) => ({
      seq: e.seq,
      type: e.type,
      label: e.type === "INTEGRATION_RESULT" ? "Esito di un servizio esterno" : eventText("it", e.type),
      actorKind: e.actor_kind,
      actorName: e.actor_name,
      payload: e.payload as Record<string, unknown>,
      stateAfter: e.state_after,
      at: new Date(e.at as unknown as string).toISOString(),
    })),
    deadlines: deadlines.map((d) => ({
      ...d,
      due: clockDue(d.name) ?? String(d.due).slice(0, 10),
    })),
    agencies: agencies.map((a) => ({
      ...a,
      due_date: clock?.agencies[a.code] ?? (a.due_date ? String(a.due_date).slice(0, 10) : null),
      term: agencyTerms[a.code] ?? null,
    })),
    clock,
    answers: catalogue
      ? answerRows(catalogue, usecaseCodes, (pratica.form_data ?? {}) as Record<string, string>)
      : [],
    attachmentTitles: catalogue ? attachmentTitles(catalogue, usecaseCodes) : {},
    outcome: ctx?.decision?.outcome ?? null,
    acts,
    integrationRequests: ctx?.integrationRequests ?? [],
    decision: ctx?.decision ?? null,
  };
}

export type PraticaView = NonNullable<Awaited<ReturnType<typeof loadPraticaView>>>;

/** The declarant a received istanza names (pratiche.declarant, 0027), shown instead of the sending system. */
function declarantOf(pratica: { declarant?: unknown }): { name: string; email: string | null } | null {
  const d = pratica.declarant as { name?: string; fiscal_code?: string | null } | null | undefined;
  if (!d?.name) return null;
  return { name: d.fiscal_code ? `${d.name} (${d.fiscal_code})` : d.name, email: null };
}

/**
 * The conferenza di servizi the back office convened, as its SSU system told this copy (`notify` cdss_convened,
 * ADR 0031): its date and how it is held. Null when none was notified.
 */
async function conferenceNotice(db: Kysely<Database>, praticaId: string) {
  const row = await db
    .selectFrom("ssu_messages")
    .select(["body", "created_at"])
    .where("cui_uuid", "=", praticaId)
    .where("direction", "=", "in")
    .where("operation", "=", "notify")
    .where(sql<string>`body->>'event'`, "=", "cdss_convened")
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  if (!row) return null;
  const b = row.body as { cdss_convocation?: string; cdss_channel?: string };
  // The front office's notice (fo_to_bo NotifyMessage) carries no date: the day it arrived, in Rome.
  return {
    date: b.cdss_convocation ?? romeDate(new Date(row.created_at as unknown as string)),
    channel: b.cdss_channel ?? null,
  };
}
