import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Principal } from "~/domain/policy";
import { loadPrincipal } from "~/server/auth/session.server";
import type { Database } from "~/server/db/schema.server";
import type { WorkflowInput } from "../../../workflows/index";
import type { Regime } from "../../../workflows/shared";

/** Catalogue-like figures (in production they come from the catalogue version the pratica is pinned to). */
export function workflowInput(regime: Regime, termDays: number): WorkflowInput {
  return {
    regime,
    termDays,
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
      agency_proposal_lead_days: regime === "scia_unica" ? 5 : undefined,
      attestation_days: 10,
    },
    calendar: { patronDays: [] },
  };
}

export async function entityId(db: Kysely<Database>, code: string) {
  return (await db.selectFrom("entities").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
}

export async function userByEmail(
  db: Kysely<Database>,
  email: string,
): Promise<{ id: string; principal: Principal }> {
  const u = await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  return { id: u.id, principal: await loadPrincipal(u.id) };
}

async function anyCatalogueVersion(db: Kysely<Database>) {
  const existing = await db.selectFrom("catalogue_versions").select("id").limit(1).executeTakeFirst();
  if (existing) return existing.id;
  const row = await db
    .insertInto("catalogue_versions")
    .values({
      catalogue_id: "TEST",
      version: "0.0.1",
      content_hash: "sha256:test",
      document: JSON.stringify({ test: true }),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A draft pratica of the demo business (impresa@demo.test) for Volterra, on the Alta Val di Cecina desk. */
export async function draftPratica(
  db: Kysely<Database>,
  opts: { regime?: Regime; title?: string; comune?: string } = {},
) {
  const owner = await userByEmail(db, "impresa@demo.test");
  const id = randomUUID();
  await db
    .insertInto("pratiche")
    .values({
      id,
      cui: `TEST-${id.slice(0, 8)}`,
      catalogue_version_id: await anyCatalogueVersion(db),
      usecases: JSON.stringify(["TEST"]),
      title: opts.title ?? "Apertura esercizio di vicinato",
      regime: opts.regime ?? "scia",
      municipality_id: await entityId(db, opts.comune ?? "050039"),
      desk_id: await entityId(db, "SUAP-AVC"),
      business_id: owner.principal.businessIds[0]!,
      filer_user_id: owner.id,
    })
    .execute();
  return { id, owner };
}
