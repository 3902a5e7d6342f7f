import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { DelegationGrant } from "~/domain/delegations";
import { appendDelegationEvent } from "./chain.server";
import type { Database } from "../db/schema.server";
import {
  CONTENT_TYPES,
  checkUploadedFile,
  detectFileKind,
  type FileKind,
  sanitizeFilename,
} from "../../domain/filing/files";
import { type ContentProblem, contentProblem } from "../filing/content.server";
import { encapsulatedContent, parseSignedData } from "../integrations/signature/cms.server";
import type { FileStore } from "../storage.server";
import { romeDate } from "~/domain/dates";

/** Delegations of these organisations, in force or not (the policy judges dates and scope). */
export async function delegationsOfOrganisations(
  db: Kysely<Database> | Transaction<Database>,
  organisationIds: number[],
): Promise<DelegationGrant[]> {
  const rows = await db
    .selectFrom("delegations")
    .select(["id", "organisation_id", "business_id", "scope", "valid_from", "valid_to", "revoked_at"])
    .where("organisation_id", "in", organisationIds)
    .execute();
  return rows.map(toGrant);
}

function toGrant(r: {
  id: string;
  organisation_id: number;
  business_id: string;
  scope: unknown;
  valid_from: string;
  valid_to: string;
  revoked_at: Date | string | null;
}): DelegationGrant {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    businessId: r.business_id,
    scope: Array.isArray(r.scope) ? (r.scope as string[]) : null,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    revokedOn: r.revoked_at ? romeDate(new Date(r.revoked_at)) : null,
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  };
}

export { appendDelegationEvent, type DelegationEventType } from "./chain.server";

export class DelegationError extends Error {
  constructor(
    readonly field: string,
    readonly messageIt: string,
    readonly messageEn: string,
  ) {
    super(messageEn);
    this.name = "DelegationError";
  }
}

export interface GrantInput {
  businessId: string;
  organisationCode: string;
  scope: string[] | null;
  validFrom: string;
  validTo: string;
  procura: { filename: string; bytes: Uint8Array };
  maxBytes: number;
}

/**
 * A business grants an organisation a delegation with the signed procura. Checks everything before storing
 * anything (a refused file leaves nothing behind), then writes the delegation and its "grant" link in one
 * transaction.
 */
export async function grantDelegation(
  db: Kysely<Database>,
  files: FileStore,
  actor: { userId: string; businessIds: string[] },
  input: GrantInput,
  today: string,
) {
  if (!actor.businessIds.includes(input.businessId)) {
    throw new DelegationError(
      "businessId",
      "Puoi delegare solo per un'impresa che rappresenti.",
      "Not your business",
    );
  }
  const organisation = await db
    .selectFrom("entities")
    .select(["id", "name"])
    .where("code", "=", input.organisationCode)
    .where("kind", "=", "organisation")
    .executeTakeFirst();
  if (!organisation) {
    throw new DelegationError(
      "organisation",
      "Scegli l'associazione o lo studio da delegare dall'elenco.",
      "Choose an organisation",
    );
  }
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  // A real calendar day in a plausible range: "2026-13-01" is no date, "0000-01-01" is none Postgres stores.
  const validDate = (d: string) => {
    if (!iso.test(d)) return false;
    const t = Date.parse(`${d}T00:00:00Z`);
    const year = Number(d.slice(0, 4));
    return !Number.isNaN(t) && year >= 1900 && year <= 2999 && new Date(t).toISOString().startsWith(d);
  };
  if (!validDate(input.validFrom)) {
    throw new DelegationError(
      "validFrom",
      "Inserisci la data di inizio nel formato gg/mm/aaaa, ad esempio 01/01/2027.",
      "Enter a valid start date",
    );
  }
  if (!validDate(input.validTo)) {
    throw new DelegationError(
      "validTo",
      "Inserisci la data di fine nel formato gg/mm/aaaa, ad esempio 31/12/2027.",
      "Enter a valid end date",
    );
  }
  if (input.validTo < input.validFrom) {
    throw new DelegationError(
      "validTo",
      "La data di fine deve essere uguale o successiva alla data di inizio.",
      "End before start",
    );
  }
  if (input.validTo < today) {
    throw new DelegationError(
      "validTo",
      "La data di fine è già passata: scegli una data da oggi in poi.",
      "End date in the past",
    );
  }
  if (input.scope !== null && input.scope.length === 0) {
    throw new DelegationError(
      "scope",
      "Scegli almeno un procedimento, oppure «Tutti i procedimenti».",
      "Choose a scope",
    );
  }
  if (input.procura.bytes.length === 0) {
    throw new DelegationError(
      "procura",
      "Allega la procura speciale firmata (PDF o P7M).",
      "Attach the signed procura",
    );
  }
  if (input.procura.bytes.length > input.maxBytes) {
    throw new DelegationError(
      "procura",
      `Il file della procura supera il limite di ${Math.round(input.maxBytes / 1024 / 1024)} MB: riducilo o scansionalo a risoluzione più bassa.`,
      "File too large",
    );
  }
  const kind = detectFileKind(input.procura.bytes);
  const type = kind === "pdf" || kind === "p7m" ? CONTENT_TYPES[kind] : null;
  if (!type) {
    throw new DelegationError(
      "procura",
      "La procura deve essere un PDF o un file firmato digitalmente (.p7m): il file caricato non lo è, qualunque sia la sua estensione.",
      "The procura must be a PDF or a signed P7M",
    );
  }
  // Parsed as what it claims, like every upload (issue 11): the extension must say the same, a PDF must load
  // without active content or a web page inside, a P7M must be a CMS SignedData envelope (and a PDF inside it
  // passes the same PDF checks).
  const precheck = checkUploadedFile(input.procura.filename, input.procura.bytes, {
    maxFileBytes: input.maxBytes,
    remainingBytes: input.maxBytes,
  });
  if (!precheck.ok) throw new DelegationError("procura", precheck.message.it, precheck.message.en);
  const problem = await procuraProblem(precheck.kind, input.procura.bytes, precheck.filename);
  if (problem) throw new DelegationError("procura", problem.it, problem.en);
  const stored = await files.put(input.procura.bytes);
  const id = randomUUID();
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("delegations")
      .values({
        id,
        business_id: input.businessId,
        organisation_id: organisation.id,
        scope: input.scope === null ? null : JSON.stringify(input.scope),
        valid_from: input.validFrom,
        valid_to: input.validTo,
        procura_filename: sanitizeFilename(input.procura.filename, kind ?? undefined),
        procura_sha256: stored.sha256,
        procura_storage_key: stored.key,
        procura_size: stored.size,
        procura_content_type: type,
        granted_by: actor.userId,
        granted_at: now,
      })
      .execute();
    await appendDelegationEvent(trx, {
      delegationId: id,
      type: "grant",
      actorUserId: actor.userId,
      details: {
        organisation: input.organisationCode,
        scope: input.scope,
        validFrom: input.validFrom,
        validTo: input.validTo,
        procuraSha256: stored.sha256,
      },
      at: now,
    });
  });
  return { id, organisation: organisation.name };
}

export async function revokeDelegation(
  db: Kysely<Database>,
  actor: { userId: string; businessIds: string[] },
  delegationId: string,
) {
  return db.transaction().execute(async (trx) => {
    const d = await trx
      .selectFrom("delegations")
      .selectAll()
      .where("id", "=", delegationId)
      .forUpdate()
      .executeTakeFirst();
    if (!d || !actor.businessIds.includes(d.business_id))
      return { ok: false as const, reason: "not_found" as const };
    if (d.revoked_at) return { ok: false as const, reason: "already_revoked" as const };
    const now = new Date();
    await trx
      .updateTable("delegations")
      .set({ revoked_at: now, revoked_by: actor.userId })
      .where("id", "=", d.id)
      .execute();
    await appendDelegationEvent(trx, {
      delegationId: d.id,
      type: "revoke",
      actorUserId: actor.userId,
      details: {},
      at: now,
    });
    return { ok: true as const };
  });
}

/** The business's delegations with the organisation's name and the chain of events. */
export async function delegationsOfBusinesses(db: Kysely<Database>, businessIds: string[]) {
  if (!businessIds.length) return [];
  const rows = await db
    .selectFrom("delegations")
    .innerJoin("entities", "entities.id", "delegations.organisation_id")
    .innerJoin("businesses", "businesses.id", "delegations.business_id")
    .select([
      "delegations.id",
      "delegations.business_id",
      "businesses.name as business_name",
      "entities.name as organisation_name",
      "entities.code as organisation_code",
      "delegations.scope",
      "delegations.valid_from",
      "delegations.valid_to",
      "delegations.revoked_at",
      "delegations.procura_filename",
      "delegations.procura_sha256",
      "delegations.granted_at",
    ])
    .where("delegations.business_id", "in", businessIds)
    .orderBy("delegations.granted_at", "desc")
    .execute();
  const events = rows.length
    ? await db
        .selectFrom("delegation_events")
        .select(["delegation_id", "seq", "type", "at", "details"])
        .where(
          "delegation_id",
          "in",
          rows.map((r) => r.id),
        )
        .orderBy("seq")
        .execute()
    : [];
  return rows.map((r) => ({
    ...r,
    scope: Array.isArray(r.scope) ? (r.scope as string[]) : null,
    revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    granted_at: new Date(r.granted_at).toISOString(),
    events: events
      .filter((e) => e.delegation_id === r.id)
      .map((e) => ({ seq: e.seq, type: e.type, at: new Date(e.at as unknown as string).toISOString() })),
  }));
}

export async function organisations(db: Kysely<Database>) {
  return db
    .selectFrom("entities")
    .select(["code", "name"])
    .where("kind", "=", "organisation")
    .orderBy("name")
    .execute();
}

/** The procura's content checks: a PDF as every uploaded PDF; a P7M must open as a signed envelope. */
async function procuraProblem(
  kind: FileKind,
  bytes: Uint8Array,
  shown: string,
): Promise<ContentProblem | null> {
  if (kind !== "p7m") return contentProblem(kind, bytes, shown);
  let inner: Uint8Array | null;
  try {
    inner = encapsulatedContent(parseSignedData(bytes));
  } catch {
    return {
      it: `Il file «${shown}» non è una busta di firma digitale leggibile (CAdES .p7m): firmalo di nuovo con il software di firma e caricalo.`,
      en: `The file "${shown}" is not a readable digital signature envelope (CAdES .p7m): sign it again with your signing software and upload it.`,
    };
  }
  if (inner && detectFileKind(inner) === "pdf") return contentProblem("pdf", inner, shown);
  return null;
}
