import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { mayFileFor } from "~/domain/delegations";
import type { FormDefinition } from "~/domain/forms";
import type { Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { appendDelegationEvent } from "./delegations.server";

/**
 * Filing on behalf of a business: which delegation of the operator's organisations allows it for these
 * proceedings today, with the organisation's data for the intermediary section of the form.
 */
export async function delegationForFiling(
  db: Kysely<Database>,
  principal: Principal,
  businessId: string,
  proceedings: string[],
) {
  const today = principal.today ?? new Date().toISOString().slice(0, 10);
  const orgs = principal.grants
    .filter((g) => g.role === "association_operator" && g.entityId !== null)
    .map((g) => g.entityId as number);
  for (const org of orgs) {
    const d = mayFileFor(principal.delegations ?? [], org, businessId, proceedings, today);
    if (!d) continue;
    const organisation = await db
      .selectFrom("entities")
      .select(["id", "name", "pec", "code"])
      .where("id", "=", org)
      .executeTakeFirstOrThrow();
    return { ok: true as const, delegation: d, organisation };
  }
  return {
    ok: false as const,
    message: {
      it: "La delega dell'impresa non copre questi procedimenti, oppure non è in vigore oggi: chiedi all'impresa di estenderla o rinnovarla dalla pagina «Deleghe».",
      en: "The business's delegation does not cover these procedures, or is not in force today: ask the business to extend or renew it from its Delegations page.",
    },
  };
}

/** Answers of the unified form's intermediary section the portal already knows. */
export function intermediaryAnswers(
  form: FormDefinition,
  organisation: { name: string; pec: string | null },
) {
  const fields = new Set(form.sections.flatMap((s) => s.fields.map((f) => f.name)));
  const out: Record<string, string> = {};
  if (fields.has("ruolo_dichiarante")) out.ruolo_dichiarante = "INTERMEDIARIO";
  if (fields.has("interm_denominazione")) out.interm_denominazione = organisation.name;
  if (fields.has("interm_pec") && organisation.pec) out.interm_pec = organisation.pec;
  return out;
}

/** The delegation's signed procura, attached to the pratica as the catalogue's PROCURA_SPECIALE. */
export async function attachProcura(
  db: Kysely<Database>,
  praticaId: string,
  delegationId: string,
  userId: string,
) {
  const d = await db
    .selectFrom("delegations")
    .selectAll()
    .where("id", "=", delegationId)
    .executeTakeFirstOrThrow();
  await db
    .insertInto("attachments")
    .values({
      id: randomUUID(),
      pratica_id: praticaId,
      code: "PROCURA_SPECIALE",
      filename: d.procura_filename,
      content_type: d.procura_content_type,
      size: d.procura_size,
      sha256: d.procura_sha256,
      storage_key: d.procura_storage_key,
      uploaded_by: userId,
    })
    .execute();
}

export async function recordDelegationUse(
  trx: Transaction<Database>,
  delegationId: string,
  userId: string,
  cui: string,
  at: Date,
) {
  await appendDelegationEvent(trx, { delegationId, type: "use", actorUserId: userId, details: { cui }, at });
}
