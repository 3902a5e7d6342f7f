import type { Transaction } from "kysely";
import type { Recipient } from "../../../workflows/effects";
import type { WorkflowEvent } from "../../../workflows/index";
import type { IntegrationResultEvent } from "../integrations/types.server";
import type { Database, Pratica } from "../db/schema.server";
import { type EnqueueInput, enqueue } from "../mail/outbox.server";
import { renderTemplate } from "~/i18n/mail";
import type { EngineServices, ExecutedDocument, StepView } from "./types.server";
import { once } from "./lookups.server";

export interface NotifyInput {
  pratica: Pratica;
  template: string;
  to: Recipient[];
  documents: ExecutedDocument[];
  result: StepView;
  event: WorkflowEvent | IntegrationResultEvent;
  seq: number;
  /** the business and the filer, when the caller read them already (the deadline batch reads all at once) */
  parties?: Parties;
}

/** The business's name and PEC, the filer's address and language. */
export interface Parties {
  name: string;
  pec: string | null;
  email: string;
  locale: string;
}

/** Resolves workflow recipients to addresses and enqueues one message per address, in this transaction. */
export async function notify(trx: Transaction<Database>, services: EngineServices, input: NotifyInput) {
  await enqueue(trx, await notifyMessages(trx, services, input));
}

/** The messages `notify` enqueues (the deadline batch enqueues a whole batch's in one statement). */
export async function notifyMessages(
  trx: Transaction<Database>,
  services: EngineServices,
  input: NotifyInput,
): Promise<EnqueueInput[]> {
  const { pratica, result } = input;
  // Entities are reference data: read once per transaction (a sweep fires many events in one).
  const entityById = (id: number) =>
    once(trx, `entity:${id}`, () =>
      trx.selectFrom("entities").select(["id", "name", "pec"]).where("id", "=", id).executeTakeFirst(),
    );
  const [parties, comune, desk] = await Promise.all([
    // The business and the filer in one round trip.
    input.parties ??
      trx
        .selectFrom(["businesses as b", "users as u"])
        .select(["b.name", "b.pec", "u.email", "u.locale"])
        .where("b.id", "=", pratica.business_id)
        .where("u.id", "=", pratica.filer_user_id)
        .executeTakeFirstOrThrow(),
    entityById(pratica.municipality_id),
    entityById(pratica.desk_id),
  ]);
  const business = { name: parties.name, pec: parties.pec };
  const filer = { email: parties.email, locale: parties.locale };
  if (!comune) throw new Error(`Comune ${pratica.municipality_id} not found`);
  const base = services.publicUrl.replace(/\/$/, "");
  const messages: EnqueueInput[] = [];
  const seen = new Set<string>();
  for (const recipient of input.to) {
    const audience = recipient === "applicant" ? "applicant" : recipient === "desk" ? "desk" : "agency";
    // PEC addresses (the business's, an organisation's, an agency's) travel as certified mail (issue 17).
    const addresses: { email: string; locale: "it" | "en"; pec?: boolean }[] = [];
    if (recipient === "applicant") {
      // A pratica received from another SSU system is filed by that system (an .invalid address): not mailed.
      if (!filer.email.endsWith(".invalid"))
        addresses.push({ email: filer.email, locale: filer.locale === "en" ? "en" : "it" });
      if (business.pec) addresses.push({ email: business.pec, locale: "it", pec: true });
      // The form tells the declarant their PEC receives the communications with legal value: it does.
      const declarantPec = (pratica.form_data as Record<string, unknown> | null)?.dich_pec;
      if (typeof declarantPec === "string" && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(declarantPec.trim()))
        addresses.push({ email: declarantPec.trim().toLowerCase(), locale: "it", pec: true });
      if (pratica.filer_organisation_id) {
        const org = await entityById(pratica.filer_organisation_id);
        if (org?.pec) addresses.push({ email: org.pec, locale: "it", pec: true });
      }
    } else {
      const entity =
        recipient === "desk"
          ? await entityById(pratica.desk_id)
          : await once(trx, `entity:${recipient.agencyId}`, () =>
              trx
                .selectFrom("entities")
                .select(["id", "name", "pec"])
                .where("code", "=", recipient.agencyId)
                .executeTakeFirst(),
            );
      if (entity?.pec) addresses.push({ email: entity.pec, locale: "it", pec: recipient !== "desk" });
      if (entity && recipient !== "desk") {
        const reviewers = await once(trx, `reviewers:${entity.id}`, () =>
          trx
            .selectFrom("memberships")
            .innerJoin("users", "users.id", "memberships.user_id")
            .select(["users.email", "users.locale"])
            .where("memberships.role", "=", "agency_reviewer")
            .where("memberships.entity_id", "=", entity.id)
            .execute(),
        );
        for (const r of reviewers)
          addresses.push({ email: r.email, locale: r.locale === "en" ? "en" : "it" });
      }
    }
    for (const address of addresses) {
      const key = address.email.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const link =
        audience === "applicant"
          ? `${base}/pratiche/${pratica.id}`
          : audience === "desk"
            ? `${base}/scrivania/pratiche/${pratica.id}`
            : `${base}/ente/pratiche/${pratica.id}`;
      const rendered = renderTemplate(input.template, address.locale, {
        title: pratica.title,
        cui: pratica.cui ?? "",
        protocolNumber: pratica.protocol_number,
        comune: comune.name,
        business: business.name,
        status: result.status,
        desk: desk?.name ?? comune.name,
        finalDue: result.dueDates.final ?? null,
        suspended: result.suspended,
        integrationDue: result.dueDates.integration ?? null,
        observationsDue: result.dueDates.other.observations ?? null,
        reasons:
          "reasons" in input.event && typeof input.event.reasons === "string" ? input.event.reasons : null,
        link,
        audience,
      });
      messages.push({
        dedupeKey: `${pratica.id}:${input.seq}:${input.template}:${key}`,
        ...(address.pec ? { channel: "pec" as const } : {}),
        recipient: address.email,
        locale: address.locale,
        template: input.template,
        subject: rendered.subject,
        text: rendered.text,
        praticaId: pratica.id,
        attachments: input.documents.map((d) => ({
          filename: d.filename,
          contentType: "application/pdf",
          storageKey: d.storageKey,
        })),
      });
    }
  }
  return messages;
}
