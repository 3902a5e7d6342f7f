import { createHash, randomUUID } from "node:crypto";
import { type Kysely, sql, type Transaction } from "kysely";
import { romeDate } from "~/domain/dates";
import { formatCui, parseCui } from "~/domain/filing/cui";
import type { ConclusionOutcome, WorkflowEvent } from "../../../../workflows/events";
import { allowedEvents, type PersistedWorkflow, registry } from "../../../../workflows/index";
import type { Database, Pratica } from "../../db/schema.server";
import type { AfterStepHook } from "../../engine/types.server";
import type { FileStore } from "../../storage.server";
import { findPratica, findPraticaBySsuCuiUuid } from "../../pratiche/repository.server";
import { enqueueCall } from "../queue.server";
import { storedModuli } from "../../modulo/modulo.server";
import type { PeerActor, ResultDispatchFn } from "../types.server";
import { type CataloguePort, catalogueDescriptorOf } from "./catalogue.server";
import { descriptorProblems } from "./descriptor-schema.server";
import { SSU_REGIME, TIME_NAMES } from "../../filing/descriptor.server";
import type { WorkflowInput } from "../../../../workflows/shared";
import type { SsuConfig } from "./config.server";
import type { SsuService } from "./openapi.server";

/**
 * The SSU exchange wired to the pratica's workflow (issue 16, ADR 0025), both ways, with no new machine:
 * - outbound: `ssuAfterStep` is the table "this event on a pratica linked to an SSU peer queues that
 *   operation", run by the engine in the step's transaction (the calls go after COMMIT, through the queue);
 * - inbound: `stepFromInbound` maps a received operation to an existing event, dispatched through the engine
 *   with the peer as the law's actor (the front office for the applicant, the agency's system for the agency,
 *   the back office for the office); `documentArrived` stores a fetched resource as the pratica's attachment,
 *   and creates the pratica (once: its id is the CUI's uuid) when the instance itself arrives.
 * The links (`ssu_links`, migration 0021) say which peer each pratica talks to.
 */

type Trx = Transaction<Database>;
export type Link = { service: SsuService; agency_code: string; url: string; version: number };

/** The resource carrying the instance itself (the pratica's data and workflow input), canonical JSON. */
export const INSTANCE_RESOURCE = "istanza";
/** The resource carrying a usecase's AgID XML modulo (`modulo-<usecase>`, ADR 0027). */
export const MODULO_RESOURCE_PREFIX = "modulo-";

/**
 * The CUI the exchange names a pratica by: the one the national Catalogo registered (`ssu_cui`, its answer to
 * request_cui) when there is one, else the pratica's own. Peers only ever know the former.
 */
export function ssuCui(pratica: Pick<Pratica, "cui" | "id"> & { ssu_cui?: string | null }) {
  const c = pratica.ssu_cui ? parseCui(pratica.ssu_cui) : pratica.cui ? parseCui(pratica.cui) : null;
  if (!c) return null;
  return {
    context: c.context,
    data: c.data,
    progressive: c.progressive,
    progressivo: c.progressive,
    uuid: c.uuid,
  };
}

/** An entity as the SSU names administrations (AdministrationSchema). */
export function administrationOf(e: { code: string; name: string; ipa_code: string | null }) {
  return { ipacode: e.ipa_code ?? e.code, officecode: e.code, version: "01.00.00", description: e.name };
}

const isRemote = (config: SsuConfig, url: string | null): url is string =>
  !!url && !url.startsWith(`${config.audience}/`);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value ?? null);
}

/**
 * The local pratica a CUI's uuid names: its id (our CUI's uuid is the pratica's id), or the uuid of the CUI the
 * national Catalogo assigned to it (`ssu_cui`), which is what peers use when it differs.
 */
export async function praticaOfCui(db: Kysely<Database> | Trx, cuiUuid: string) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(cuiUuid)) return null;
  const uuid = cuiUuid.toLowerCase();
  return (await findPratica(db, uuid)) ?? (await findPraticaBySsuCuiUuid(db, uuid)) ?? null;
}

/** The instance resource of a local pratica: what a receiving portal needs to open its own copy. */
export async function instanceResource(db: Kysely<Database> | Trx, praticaId: string) {
  const p = await findPratica(db, praticaId);
  if (!p?.cui) return null;
  const [comune, desk, business, filer] = await Promise.all([
    db.selectFrom("entities").select(["code"]).where("id", "=", p.municipality_id).executeTakeFirst(),
    db.selectFrom("entities").select(["code"]).where("id", "=", p.desk_id).executeTakeFirst(),
    db
      .selectFrom("businesses")
      .select(["name", "fiscal_code", "legal_form", "pec"])
      .where("id", "=", p.business_id)
      .executeTakeFirst(),
    db
      .selectFrom("users")
      .select(["full_name", "fiscal_code"])
      .where("id", "=", p.filer_user_id)
      .executeTakeFirst(),
  ]);
  // Who signed the istanza: the declarant this portal knows, or the one a received istanza named.
  const declarant =
    (p.declarant as { name: string; fiscal_code: string | null } | null | undefined) ??
    (filer ? { name: filer.full_name, fiscal_code: filer.fiscal_code } : null);
  const input = (p.snapshot as PersistedWorkflow | null)?.context.input;
  const { praticaId: _omit, ...workflowInput } = input ?? ({} as Record<string, unknown>);
  const bytes = Buffer.from(
    canonical({
      title: p.title,
      regime: p.regime,
      usecases: p.usecases,
      comune: comune?.code ?? null,
      desk: desk?.code ?? null,
      business: business ?? null,
      declarant,
      form: p.form_data,
      input: input ? workflowInput : null,
    }),
  );
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

async function instanceIndex(trx: Trx, pratica: Pratica) {
  const istanza = await instanceResource(trx, pratica.id);
  const usecases = (pratica.usecases as unknown as string[]) ?? [];
  const code = usecases[0] ?? "istanza";
  const attachments = await trx
    .selectFrom("attachments")
    .select(["id", "code", "filename", "sha256"])
    .where("pratica_id", "=", pratica.id)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  // The unified form of each usecase that has one (validated before submission, stored byte for byte).
  const moduli = await storedModuli(trx, pratica.id);
  return [
    ...moduli.map((m) => ({
      code: m.usecase,
      ref: `${m.usecase}.xml`,
      description: "Modulo unificato (XML)",
      resource_id: `${MODULO_RESOURCE_PREFIX}${m.usecase}`,
      hash: m.sha256,
      alg_hash: "S256",
    })),
    ...(istanza
      ? [
          {
            code,
            ref: "istanza.json",
            description: "Istanza",
            resource_id: INSTANCE_RESOURCE,
            hash: istanza.sha256,
            alg_hash: "S256",
          },
        ]
      : []),
    ...attachments.map((a) => ({
      code: a.code || code,
      ref: a.filename,
      description: a.filename,
      resource_id: a.id,
      hash: a.sha256,
      alg_hash: "S256",
    })),
  ];
}

async function queue(
  trx: Trx,
  pratica: Pratica,
  link: Link,
  operation: string,
  body: Record<string, unknown>,
  key: string,
  now: Date,
) {
  await enqueueCall(trx, {
    kind: "ssu",
    operation: `${link.service}.${operation}`,
    target: link.url,
    idempotencyKey: `ssu:${pratica.id}:${link.service}:${link.agency_code}:${operation}:${key}`,
    praticaId: pratica.id,
    payload: {
      service: link.service,
      operation,
      url: link.url,
      cuiUuid: ssuCui(pratica)?.uuid ?? pratica.id,
      body,
    },
    notBefore: now,
    // The messages to one peer about one pratica arrive in the order they were sent (0027).
    orderKey: `ssu:${pratica.id}:${link.service}:${link.agency_code}`,
  });
}

async function links(trx: Trx, praticaId: string): Promise<Link[]> {
  return (await trx
    .selectFrom("ssu_links")
    .select(["service", "agency_code", "url", "version"])
    .where("pratica_id", "=", praticaId)
    .execute()) as Link[];
}

async function addLink(trx: Trx, praticaId: string, link: Omit<Link, "version"> & { version?: number }) {
  await trx
    .insertInto("ssu_links")
    .values({ pratica_id: praticaId, ...link })
    .onConflict((oc) => oc.columns(["pratica_id", "service", "agency_code"]).doUpdateSet({ url: link.url }))
    .execute();
}

async function bumpVersion(trx: Trx, praticaId: string, link: Link, version: number) {
  await trx
    .updateTable("ssu_links")
    .set({ version })
    .where("pratica_id", "=", praticaId)
    .where("service", "=", link.service)
    .where("agency_code", "=", link.agency_code)
    .execute();
}

const FO_EVENTS = new Set([
  "end_by_instance_refused",
  "end_by_proceeding_time_expired",
  "end_by_integration_times_expired",
  "end_by_submitter_cancel_requested",
  "end_by_suspension_requested",
  "end_by_conformation_requested",
  "end_by_positive_outcome",
  "end_by_negative_outcome",
]);
const ET_EVENTS = new Set([...FO_EVENTS].filter((e) => e !== "end_by_instance_refused"));

async function entityByCode(trx: Trx, code: string) {
  return trx
    .selectFrom("entities")
    .select(["id", "code", "name", "ipa_code"])
    .where("code", "=", code)
    .executeTakeFirst();
}

/** The outbound table: which SSU operation each step of a linked pratica queues (ADR 0025). */
export function ssuAfterStep(config: SsuConfig, catalogue: CataloguePort): AfterStepHook {
  return async (ctx, prior) => {
    if (!config.enabled || ctx.event.type === "INTEGRATION_RESULT") return;
    const { trx, pratica, now } = ctx;
    const cui = ssuCui(pratica);
    if (!cui) return;
    const event = ctx.event as WorkflowEvent;
    const key = String(ctx.seq);
    let linked = await links(trx, pratica.id);
    const before = ctx.queuedCalls;
    const version = (l: Link) => String(l.version);

    // Front office: a pratica filed here whose back office is another SSU system is sent to it on protocol.
    if (event.type === "PROTOCOL" && linked.length === 0) {
      const url = catalogue.endpoint("bo_to_fo", { suap: cui.context });
      if (config.roles.includes("front_office") && isRemote(config, url)) {
        const link: Link = { service: "bo_to_fo", agency_code: "", url, version: 1 };
        await addLink(trx, pratica.id, link);
        await queue(
          trx,
          pratica,
          link,
          "send_instance",
          await sendInstanceBody(trx, pratica, cui, 1),
          key,
          now,
        );
        linked = [link];
      }
    }
    if (!linked.length && event.type !== "FORWARD_TO_AGENCIES") return;
    const desk = await trx
      .selectFrom("entities")
      .select(["code", "name", "ipa_code"])
      .where("id", "=", pratica.desk_id)
      .executeTakeFirstOrThrow();
    for (const link of linked) {
      if (link.service === "bo_to_fo") {
        // Front office's copy: the business's answer and its withdrawal travel to the back office.
        if (event.type === "INTEGRATION_RECEIVED") {
          const v = link.version + 1;
          await bumpVersion(trx, pratica.id, link, v);
          await queue(
            trx,
            pratica,
            link,
            "send_instance",
            await sendInstanceBody(trx, pratica, cui, v),
            key,
            now,
          );
        } else if (event.type === "CANCEL") {
          await queue(trx, pratica, link, "cancel_instance", cui, key, now);
        }
      } else if (link.service === "fo_to_bo") {
        // Back office's copy of a pratica filed at another front office.
        const admin = administrationOf(desk);
        if (event.type === "SEND_INTEGRATION_REQUEST") {
          const items = await integrationRequests(trx, pratica, admin);
          await queue(
            trx,
            pratica,
            link,
            "request_integration",
            integrationRequestBody(cui, version(link), pratica, items),
            key,
            now,
          );
        } else if (event.type === "REQUEST_CORRECTION") {
          const text = event.reasons ?? (event.items ?? []).join("; ") ?? "Regolarizzazione dell'istanza";
          await queue(
            trx,
            pratica,
            link,
            "request_correction",
            {
              cui,
              instance_descriptor_version: version(link),
              correction_list: [
                {
                  code: firstUsecase(pratica),
                  ref: "istanza",
                  correction_requested: text || "Regolarizzazione dell'istanza",
                  correction_request: text || "Regolarizzazione dell'istanza",
                },
              ],
            },
            key,
            now,
          );
        } else if (convened(pratica, prior)) {
          // The conferenza di servizi convened on the front office's instance (NotifyMessage cdss_convened).
          await queue(
            trx,
            pratica,
            link,
            "notify",
            { cui, instance_descriptor_version: version(link), event: "cdss_convened" },
            key,
            now,
          );
        } else if (pratica.ended && !prior.ended) {
          const end = (pratica.ssu_status ?? "").replace(/^ended_by_/, "end_by_");
          if (FO_EVENTS.has(end))
            await queue(
              trx,
              pratica,
              link,
              "notify",
              { cui, instance_descriptor_version: version(link), event: end },
              key,
              now,
            );
        }
      } else if (link.service === "et_to_bo") {
        const end = (pratica.ssu_status ?? "").replace(/^ended_by_/, "end_by_");
        if (pratica.ended && !prior.ended && ET_EVENTS.has(end))
          await queue(
            trx,
            pratica,
            link,
            "notify",
            { cui, instance_descriptor_version: version(link), event: end },
            key,
            now,
          );
      } else if (link.service === "bo_to_et") {
        // The agency's own copy: its conclusions and integration requests go back to the back office.
        const agency = await entityByCode(trx, link.agency_code);
        if (!agency) continue;
        const admin = administrationOf(agency);
        if (event.type === "AGENCY_CONCLUSION" && event.agencyId === link.agency_code) {
          await queue(
            trx,
            pratica,
            link,
            "send_conclusions",
            conclusionsBody(cui, version(link), admin, event.outcome, event.reasons, now),
            key,
            now,
          );
        } else if (event.type === "AGENCY_REQUESTS_INTEGRATION" && event.agencyId === link.agency_code) {
          await queue(
            trx,
            pratica,
            link,
            "request_integration",
            integrationRequestBody(
              cui,
              version(link),
              pratica,
              event.items.map((request) => ({ request, requester_administration: admin })),
            ),
            key,
            now,
          );
        }
      }
    }
    // Forwarding to an agency that runs its own SSU system (the catalogue's third_party_system).
    if (event.type === "FORWARD_TO_AGENCIES" && config.roles.includes("back_office")) {
      for (const a of event.agencies) {
        const agency = await entityByCode(trx, a.agencyId);
        if (!agency) continue;
        const admin = administrationOf(agency);
        const url = catalogue.endpoint("et_to_bo", {
          suap: cui.context,
          office: `${admin.ipacode}/${admin.officecode}`,
        });
        if (!isRemote(config, url)) continue;
        const link: Link = { service: "et_to_bo", agency_code: agency.code, url, version: 1 };
        await addLink(trx, pratica.id, link);
        await queue(
          trx,
          pratica,
          link,
          "send_instance",
          await sendInstanceBody(trx, pratica, cui, 1),
          key,
          now,
        );
      }
    }
    // The conferenza convened: every agency with its own system is told (et_to_bo CdssNotifyMessage), after
    // the instance it was just sent (one peer's messages go in order, 0027).
    if (convened(pratica, prior) && config.roles.includes("back_office")) {
      for (const link of await links(trx, pratica.id)) {
        if (link.service !== "et_to_bo") continue;
        await queue(
          trx,
          pratica,
          link,
          "notify",
          {
            cui,
            instance_descriptor_version: version(link),
            event: "cdss_convened",
            cdss_channel: CDSS_CHANNEL,
            cdss_convocation: romeDate(now),
          },
          `${key}:cdss`,
          now,
        );
      }
    }
    ctx.queuedCalls = before + (await countQueued(trx, pratica.id, key));
  };
}

/**
 * How this portal convenes the conferenza: the simplified one of art. 14-bis L. 241/1990, asynchronous, held
 * on the portal (the agencies answer through their own system or the agency's area).
 */
export const CDSS_CHANNEL =
  "Conferenza semplificata in modalità asincrona (art. 14-bis L. 241/1990) sul portale SUAP";

const convened = (pratica: Pratica, prior: { ssu_status?: string | null }) =>
  pratica.ssu_status === "cdss_convened" && prior.ssu_status !== "cdss_convened";

async function countQueued(trx: Trx, praticaId: string, key: string) {
  const rows = await trx
    .selectFrom("integration_calls")
    .select("id")
    .where("kind", "=", "ssu")
    .where("pratica_id", "=", praticaId)
    .where((eb) =>
      eb.or([
        eb("idempotency_key", "like", `ssu:${praticaId}:%:${key}`),
        eb("idempotency_key", "like", `ssu:${praticaId}:%:${key}:cdss`),
      ]),
    )
    .execute();
  return rows.length;
}

/** The body of `request_integration` (bo_to_fo and et_to_bo): the items asked of the instance's usecase. */
function integrationRequestBody(cui: unknown, descriptorVersion: string, pratica: Pratica, items: unknown[]) {
  return {
    cui,
    instance_descriptor_version: descriptorVersion,
    integration_list: [{ code: firstUsecase(pratica), ref: "istanza", integration_request: items }],
  };
}

function firstUsecase(pratica: Pratica) {
  return ((pratica.usecases as unknown as string[]) ?? [])[0] ?? "istanza";
}

/** What the office asks (its own items and the agencies' collected requests), each with who asks it. */
async function integrationRequests(trx: Trx, pratica: Pratica, desk: ReturnType<typeof administrationOf>) {
  const ctx = (pratica.snapshot as PersistedWorkflow | null)?.context as
    | { integrationRequests?: { from: string; items: string[] }[] }
    | undefined;
  const out: { request: string; requester_administration: ReturnType<typeof administrationOf> }[] = [];
  for (const r of ctx?.integrationRequests ?? []) {
    const agency = r.from === "suap" ? null : await entityByCode(trx, r.from);
    const admin = agency ? administrationOf(agency) : desk;
    for (const request of r.items) out.push({ request, requester_administration: admin });
  }
  return out.length
    ? out
    : [{ request: "Integrazione della documentazione dell'istanza", requester_administration: desk }];
}

function conclusionsBody(
  cui: NonNullable<ReturnType<typeof ssuCui>>,
  version: string,
  admin: ReturnType<typeof administrationOf>,
  outcome: ConclusionOutcome,
  reasons: string | undefined,
  now: Date,
) {
  const base = { cui, instance_descriptor_version: version, requester_administration: admin };
  if (outcome === "positive")
    return {
      ...base,
      conclusions_type: "positive_outcome",
      positive_outcome: reasons || "Parere favorevole",
    };
  if (outcome === "conformation")
    return {
      ...base,
      conclusions_type: "conformation_requested",
      date: now.toISOString().slice(0, 10),
      conformation_requested: reasons || "Conformazione richiesta",
    };
  return {
    ...base,
    conclusions_type: "suspension_requested",
    negative_outcome_motivation: reasons || "Parere contrario",
  };
}

async function sendInstanceBody(
  trx: Trx,
  pratica: Pratica,
  cui: NonNullable<ReturnType<typeof ssuCui>>,
  version: number,
) {
  return {
    cui,
    instance_descriptor_version: String(version),
    instance_index: await instanceIndex(trx, pratica),
    general_index: [],
  };
}

/**
 * The agency's own system asks the back office to convene the conferenza di servizi in simultaneous, synchronous
 * form (bo_to_et `request_cdss`, art. 14-ter L. 241/1990): queued in the caller's transaction on the agency's
 * copy of a pratica received from a back office, sent after COMMIT; its result is recorded on the copy's chain
 * (INTEGRATION_RESULT) as every sent message. Returns false when the copy has no back office to ask (not an
 * SSU copy of this agency, or the procedure has ended).
 */
export async function queueRequestCdss(
  trx: Trx,
  input: { praticaId: string; agencyCode: string; now: Date; key: string },
): Promise<boolean> {
  const pratica = await findPratica(trx, input.praticaId);
  const cui = pratica ? ssuCui(pratica) : null;
  if (!pratica || !cui || pratica.ended) return false;
  const link = (await links(trx, pratica.id)).find(
    (l) => l.service === "bo_to_et" && l.agency_code === input.agencyCode,
  );
  const agency = link ? await entityByCode(trx, link.agency_code) : undefined;
  if (!link || !agency) return false;
  await queue(
    trx,
    pratica,
    link,
    "request_cdss",
    { cui, requester_administration: administrationOf(agency) },
    input.key,
    input.now,
  );
  return true;
}

// ---------------------------------------------------------------------------------------------- inbound

export interface InboundStep {
  service: SsuService;
  operation: string;
  body: Record<string, unknown> & { cui?: { uuid?: string } };
  /** the caller's PDND client */
  peer: string;
  praticaId: string | null;
  now: Date;
}

type EndStep = { event: WorkflowEvent; as: PeerActor["as"] | "system" };

/**
 * The end the back office notified (`notify` end_by_*), as the step of the local copy that ends it: the
 * front office's copy (fo_to_bo) and the agency's (et_to_bo). The first candidate the copy's machine allows
 * in its state is taken; a copy that allows none (already ended) records the message and steps nothing.
 */
const END_EVENTS: Record<string, (p: Pratica, at: string) => EndStep[]> = {
  end_by_positive_outcome: (p, at) => [
    {
      event: p.regime.startsWith("scia") ? { type: "CONCLUDE_CHECKS", at } : { type: "GRANT", at },
      as: "officer",
    },
    { event: { type: "GRANT", at }, as: "officer" },
  ],
  end_by_negative_outcome: (_p, at) => [
    { event: { type: "DENY", at, reasons: "Esito negativo del back office" }, as: "officer" },
  ],
  end_by_suspension_requested: (_p, at) => [
    {
      event: { type: "DENY", at, reasons: "Il back office ha concluso con richiesta di sospensione" },
      as: "officer",
    },
  ],
  end_by_conformation_requested: (_p, at) => [
    {
      event: { type: "DENY", at, reasons: "Il back office ha concluso con richiesta di conformazione" },
      as: "officer",
    },
  ],
  end_by_instance_refused: (_p, at) => [
    {
      event: {
        type: "REFUSE_INADMISSIBLE",
        at,
        reasons: "Il back office ha dichiarato l'istanza irricevibile",
      },
      as: "officer",
    },
  ],
  end_by_integration_times_expired: (_p, at) => [
    { event: { type: "INTEGRATION_TERM_EXPIRED", at }, as: "system" },
    {
      event: {
        type: "DENY",
        at,
        reasons: "Il back office ha concluso il procedimento: l'integrazione non è arrivata nei termini",
      },
      as: "officer",
    },
  ],
  end_by_proceeding_time_expired: (_p, at) => [
    { event: { type: "SILENT_CONSENT_FORMED", at }, as: "system" },
    { event: { type: "SCIA_CHECK_PERIOD_ENDED", at }, as: "system" },
  ],
  end_by_submitter_cancel_requested: (_p, at) => [
    {
      event: { type: "CANCEL", at, reasons: "Ritirata dal presentatore (comunicato dal back office)" },
      as: "applicant",
    },
  ],
};

function endStep(pratica: Pratica, end: string, at: string): EndStep | null {
  const candidates = END_EVENTS[end]?.(pratica, at) ?? [];
  const persisted = pratica.snapshot as PersistedWorkflow | null;
  const def = persisted ? registry.byKey(persisted.machine) : undefined;
  if (!def || !persisted || pratica.ended) return null;
  const allowed = new Set(allowedEvents(def, persisted, { at }));
  return candidates.find((c) => allowed.has(c.event.type)) ?? null;
}

/**
 * A received operation steps the local pratica through the one engine path (`record` is dispatchResult):
 * the event the law gives that actor, with the peer as the actor. Returns what was dispatched (for the trace).
 */
export async function stepFromInbound(
  trx: Trx,
  step: InboundStep,
  record: ResultDispatchFn,
): Promise<WorkflowEvent | null> {
  if (!step.praticaId) return null;
  const pratica = await findPratica(trx, step.praticaId);
  if (!pratica) return null;
  const linked = await links(trx, pratica.id);
  const at = step.now.toISOString();
  const peer = (as: PeerActor["as"], agencyId?: string): PeerActor => ({
    kind: "peer",
    name: step.peer,
    as,
    agencyId,
  });
  const key = `${step.service}/${step.operation}`;
  let event: WorkflowEvent | null = null;
  let actor: PeerActor | null = null;
  const fo = linked.find((l) => l.service === "fo_to_bo");
  const bo = linked.find((l) => l.service === "bo_to_fo");
  if (key === "bo_to_fo/send_instance" && fo) {
    const v = Number(step.body.instance_descriptor_version);
    if (!(v > fo.version)) return null; // a retried send of a version already seen steps nothing
    await bumpVersion(trx, pratica.id, fo, v);
    if (pratica.status === "integration_requested") {
      event = { type: "INTEGRATION_RECEIVED", at };
      actor = peer("applicant");
    }
  } else if (key === "bo_to_fo/cancel_instance" && fo) {
    event = { type: "CANCEL", at, reasons: "Ritirata dal presentatore (front office)" };
    actor = peer("applicant");
  } else if (
    (key === "bo_to_et/send_conclusions" || key === "bo_to_et/request_integration") &&
    linked.length
  ) {
    const agency = await agencyOfRequest(trx, linked, step.body);
    if (!agency) return null;
    actor = peer("agency", agency);
    if (key === "bo_to_et/send_conclusions") {
      const t = String(step.body.conclusions_type);
      const outcome: ConclusionOutcome =
        t === "positive_outcome" ? "positive" : t === "conformation_requested" ? "conformation" : "negative";
      const reasons = String(
        step.body.positive_outcome ??
          step.body.conformation_requested ??
          step.body.negative_outcome_motivation ??
          "",
      );
      event = { type: "AGENCY_CONCLUSION", at, agencyId: agency, outcome, ...(reasons ? { reasons } : {}) };
    } else {
      event = {
        type: "AGENCY_REQUESTS_INTEGRATION",
        at,
        agencyId: agency,
        items: requestsOf(step.body),
      };
    }
  } else if (key === "fo_to_bo/request_integration" && bo) {
    event = { type: "SEND_INTEGRATION_REQUEST", at, items: requestsOf(step.body) };
    actor = peer("officer");
  } else if (key === "fo_to_bo/request_correction" && bo) {
    const list =
      (step.body.correction_list as { correction_request?: string; correction_requested?: string }[]) ?? [];
    event = {
      type: "REQUEST_CORRECTION",
      at,
      items: list.map((c) => c.correction_request ?? c.correction_requested ?? "").filter(Boolean),
    };
    actor = peer("officer");
  } else if (
    (key === "fo_to_bo/notify" && bo) ||
    (key === "et_to_bo/notify" && linked.some((l) => l.service === "bo_to_et"))
  ) {
    // The back office's end of the procedure ends the front office's or the agency's copy (cdss_convened is
    // kept in the message trace and shown, it steps nothing here).
    const end = endStep(pratica, String(step.body.event), at);
    if (!end) return null;
    await record(trx, {
      praticaId: pratica.id,
      event: end.event,
      ...(end.as === "system" ? {} : { actor: peer(end.as) }),
    });
    return end.event;
  }
  if (!event || !actor) return null;
  await record(trx, { praticaId: pratica.id, event, actor });
  return event;
}

function requestsOf(body: Record<string, unknown>) {
  const list = (body.integration_list as { integration_request?: { request: string }[] }[]) ?? [];
  const items = list.flatMap((l) => (l.integration_request ?? []).map((r) => r.request));
  return items.length ? items : ["Integrazione richiesta"];
}

/** The local agency a back office forwarded to, named by the request's requester_administration. */
async function agencyOfRequest(trx: Trx, linked: Link[], body: Record<string, unknown>) {
  const list =
    (body.integration_list as { integration_request?: { requester_administration?: unknown }[] }[]) ?? [];
  const admin = (body.requester_administration ??
    list[0]?.integration_request?.[0]?.requester_administration) as
    | { ipacode?: string; officecode?: string }
    | undefined;
  for (const l of linked.filter((x) => x.service === "et_to_bo")) {
    const e = await entityByCode(trx, l.agency_code);
    if (!e) continue;
    const a = administrationOf(e);
    if (a.ipacode === admin?.ipacode && a.officecode === admin?.officecode) return e.code;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------- documents

/**
 * One arrival per CUI at a time: the instance and its attachments are fetched concurrently, and an attachment
 * that lands while the copy is being opened must be neither lost nor attached twice. Taken first in the
 * result's transaction (before any row referencing the pratica), so two arrivals never wait on each other.
 */
export async function lockInstance(trx: Trx, cuiUuid: string) {
  await sql`select pg_advisory_xact_lock(hashtext(${`ssu-instance:${cuiUuid}`}))`.execute(trx);
}

/**
 * A resource fetched from the peer (document operation, If-Match with the index's hash) arrived. On a local
 * pratica it becomes one of its attachments; the instance resource of a CUI not yet known here opens the
 * local copy: the pratica (its id is the CUI's uuid, so a retried send never opens a second one), its link
 * to the peer, its attachments held so far, and its workflow started through the engine.
 */
export async function documentArrived(
  trx: Trx,
  arrival: {
    cuiUuid: string;
    resourceId: string;
    code?: string;
    name?: string;
    sha256: string;
    storageKey: string;
    size: number;
    now: Date;
  },
  deps: { config: SsuConfig; catalogue: CataloguePort; files: FileStore; dispatch: ResultDispatchFn },
) {
  await lockInstance(trx, arrival.cuiUuid);
  const existing = await findPratica(trx, arrival.cuiUuid);
  if (arrival.resourceId !== INSTANCE_RESOURCE) {
    if (existing) await attach(trx, existing.id, arrival);
    return;
  }
  if (existing) return;
  const received = await trx
    .selectFrom("ssu_messages")
    .select(["service", "body", "peer"])
    .where("cui_uuid", "=", arrival.cuiUuid)
    .where("direction", "=", "in")
    .where("operation", "=", "send_instance")
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  if (!received) return;
  const body = received.body as {
    cui: { context: string; data: string; progressive?: string; progressivo?: string; uuid: string };
    instance_descriptor_version: string;
  };
  const asAgency = received.service === "et_to_bo";
  const data = JSON.parse(Buffer.from(await deps.files.get(arrival.storageKey)).toString("utf8")) as {
    title: string;
    regime: string;
    usecases: string[];
    comune: string | null;
    business: { name: string; fiscal_code: string; legal_form: string; pec: string | null } | null;
    declarant?: { name?: unknown; fiscal_code?: unknown } | null;
    form: Record<string, unknown>;
    input: WorkflowInput | null;
  };
  if (!data.input) throw new Error("l'istanza ricevuta non indica i tempi del procedimento");
  // The Catalogo's descriptor rules the regime and the times; the istanza's are the fallback (logged).
  const terms = catalogueTerms(await catalogueDescriptorOf(trx, arrival.cuiUuid), data.regime, data.input);
  if (terms.reason)
    console.warn(
      `[ssu] istanza ${arrival.cuiUuid}: regime e tempi dall'istanza, non dal Catalogo SSU: ${terms.reason}`,
    );
  data.regime = terms.regime;
  data.input = terms.input;
  const desk = await entityByCode(trx, body.cui.context);
  if (!desk)
    throw new Error(`lo sportello ${body.cui.context} dell'istanza non è configurato in questo portale`);
  const comune =
    (data.comune ? await entityByCode(trx, data.comune) : undefined) ??
    (await trx
      .selectFrom("desk_comuni")
      .select("comune_id as id")
      .where("desk_id", "=", desk.id)
      .executeTakeFirst());
  if (!comune) throw new Error("nessun Comune dello sportello per l'istanza ricevuta");
  const business = data.business ?? {
    name: "Soggetto presentatore",
    fiscal_code: `SSU${arrival.cuiUuid.slice(0, 13)}`,
    legal_form: "",
    pec: null,
  };
  await trx
    .insertInto("businesses")
    .values({
      id: randomUUID(),
      name: business.name,
      legal_form: business.legal_form || "—",
      fiscal_code: business.fiscal_code,
      pec: business.pec,
      registered_office: JSON.stringify({}),
      legal_representative: JSON.stringify({}),
    })
    .onConflict((oc) => oc.column("fiscal_code").doNothing())
    .execute();
  const businessRow = await trx
    .selectFrom("businesses")
    .select("id")
    .where("fiscal_code", "=", business.fiscal_code)
    .executeTakeFirstOrThrow();
  // The filer is the sending system (it has no password and cannot sign in, and is never mailed: its address
  // is .invalid); it stays the audit's actor. Pages name the declarant the istanza carries (pratiche.declarant).
  const peerEmail = `ssu-${createHash("sha256").update(received.peer).digest("hex").slice(0, 16)}@sistemi-ssu.invalid`;
  await trx
    .insertInto("users")
    .values({
      id: randomUUID(),
      email: peerEmail,
      password_hash: null,
      full_name: `Sistema SSU ${received.peer}`,
    })
    .onConflict((oc) => oc.column("email").doNothing())
    .execute();
  const filer = await trx
    .selectFrom("users")
    .select("id")
    .where("email", "=", peerEmail)
    .executeTakeFirstOrThrow();
  const version = await trx
    .selectFrom("catalogue_versions")
    .select("id")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  const cui = {
    context: body.cui.context,
    data: body.cui.data,
    progressive: body.cui.progressivo ?? body.cui.progressive ?? "000000",
    uuid: arrival.cuiUuid,
  };
  await trx
    .insertInto("pratiche")
    .values({
      id: arrival.cuiUuid,
      cui: formatCui(cui),
      catalogue_version_id: version.id,
      usecases: JSON.stringify(data.usecases ?? []),
      title: data.title,
      regime: data.regime,
      municipality_id: comune.id,
      desk_id: desk.id,
      business_id: businessRow.id,
      filer_user_id: filer.id,
      form_data: JSON.stringify(data.form ?? {}),
      declarant: declarantOfInstance(data.declarant),
    })
    .execute();
  const service: SsuService = asAgency ? "bo_to_et" : "fo_to_bo";
  const url = deps.catalogue.endpoint(service, { suap: cui.context });
  const agency = asAgency ? deps.config.agency : "";
  if (asAgency && !agency) throw new Error("SSU_AGENCY non indica l'ente di questo portale");
  await addLink(trx, arrival.cuiUuid, {
    service,
    agency_code: agency ?? "",
    url: url ?? "nessuno",
    version: Number(body.instance_descriptor_version) || 1,
  });
  const held = await trx
    .selectFrom("ssu_messages")
    .select("body")
    .where("cui_uuid", "=", arrival.cuiUuid)
    .where("direction", "=", "in")
    .where("operation", "=", "document")
    .execute();
  for (const h of held) {
    const b = h.body as {
      resource_id: string;
      sha256: string;
      storage_key: string;
      size: number;
      code?: string;
      name?: string;
    };
    if (b.resource_id !== INSTANCE_RESOURCE)
      await attach(trx, arrival.cuiUuid, {
        resourceId: b.resource_id,
        sha256: b.sha256,
        storageKey: b.storage_key,
        size: b.size,
        code: b.code,
        name: b.name,
      });
  }
  const at = arrival.now.toISOString();
  const sender: PeerActor = { kind: "peer", name: received.peer, as: "applicant" };
  await deps.dispatch(trx, {
    praticaId: arrival.cuiUuid,
    event: { type: "SUBMIT", at },
    actor: sender,
    start: { ...data.input, praticaId: arrival.cuiUuid },
  });
  await deps.dispatch(trx, { praticaId: arrival.cuiUuid, event: { type: "PROTOCOL", at } });
  if (asAgency && agency) {
    // The agency's copy waits for its own opinion: forwarded to this portal's agency by the back office.
    await deps.dispatch(trx, {
      praticaId: arrival.cuiUuid,
      event: {
        type: "FORWARD_TO_AGENCIES",
        at,
        agencies: [{ agencyId: agency, termDays: data.input.times.max_gg_concl_send ?? 30 }],
      },
      actor: { kind: "peer", name: received.peer, as: "officer" },
    });
  }
}

const LOCAL_REGIME: Record<string, string> = {
  SCIA: "scia",
  AUTORIZZAZIONE: "autorizzazione",
  "SILENZIO-ASSENSO": "silenzio_assenso",
  COMUNICAZIONE: "comunicazione",
};

/**
 * The regime and the times a received pratica runs on: the Catalogo's instance descriptor's (the national
 * record of the instance, ADR 0031), else the istanza's, with the reason. The descriptor's regime family
 * (SCIA, AUTORIZZAZIONE, ...) is coarser than the portal's: when the istanza's regime is of that family it is
 * kept (a SCIA condizionata stays one), otherwise the family's own regime is taken. `max_gg_proc` is the
 * procedure's term; the descriptor's other terms replace the istanza's of the same name.
 */
export function catalogueTerms(
  descriptor: Record<string, unknown> | null,
  regime: string,
  input: WorkflowInput,
): { regime: string; input: WorkflowInput; reason: string | null } {
  if (!descriptor)
    return { regime, input, reason: "il Catalogo non ha risposto con il descrittore dell'istanza" };
  const problems = descriptorProblems(descriptor);
  if (problems.length)
    return {
      regime,
      input,
      reason: `il descrittore del Catalogo non è conforme allo schema (${problems.slice(0, 3).join("; ")})`,
    };
  const family = (descriptor.administrative_regime as { id?: string } | undefined)?.id ?? "";
  const local = SSU_REGIME[regime] === family ? regime : LOCAL_REGIME[family];
  if (!local) return { regime, input, reason: `regime ${family} del Catalogo non gestito` };
  const times = (descriptor.times ?? {}) as Record<string, unknown>;
  const next: WorkflowInput = {
    ...input,
    regime: local as WorkflowInput["regime"],
    times: { ...input.times },
  };
  if (typeof times.max_gg_proc === "number" && times.max_gg_proc > 0) next.termDays = times.max_gg_proc;
  for (const name of TIME_NAMES)
    if (typeof times[name] === "number") (next.times as Record<string, number>)[name] = times[name];
  return { regime: local, input: next, reason: null };
}

/** The declarant of a received istanza, kept only when it names someone (a name of 1-200 characters). */
function declarantOfInstance(d: { name?: unknown; fiscal_code?: unknown } | null | undefined) {
  const name = typeof d?.name === "string" ? d.name.trim() : "";
  if (!name || name.length > 200) return null;
  const fc =
    typeof d?.fiscal_code === "string" && /^[A-Z0-9]{11,16}$/i.test(d.fiscal_code)
      ? d.fiscal_code.toUpperCase()
      : null;
  return JSON.stringify({ name, fiscal_code: fc });
}

async function attach(
  trx: Trx,
  praticaId: string,
  a: { resourceId: string; sha256: string; storageKey: string; size: number; code?: string; name?: string },
) {
  const same = await trx
    .selectFrom("attachments")
    .select("id")
    .where("pratica_id", "=", praticaId)
    .where("sha256", "=", a.sha256)
    .executeTakeFirst();
  if (same) return;
  const owner = (await findPratica(trx, praticaId))!;
  await trx
    .insertInto("attachments")
    .values({
      id: randomUUID(),
      pratica_id: praticaId,
      code: a.code ?? "ssu",
      filename: a.name ?? `${a.resourceId}.pdf`,
      // the AgID modulo travels as XML; every other resource of the exchange is a PDF
      content_type: a.resourceId.startsWith(MODULO_RESOURCE_PREFIX) ? "application/xml" : "application/pdf",
      size: a.size,
      sha256: a.sha256,
      storage_key: a.storageKey,
      uploaded_by: owner.filer_user_id,
      signature: null,
    })
    .execute();
}
