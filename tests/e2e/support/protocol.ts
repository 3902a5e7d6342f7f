import type { Kysely } from "kysely";
import type { Principal } from "~/domain/policy";
import type { Database } from "~/server/db/schema.server";
import { dispatch } from "~/server/engine/engine.server";
import { produceDailyRegisters } from "~/server/protocol/daily-register.server";
import { engineServices } from "~/server/services.server";
import type { WorkflowInput } from "../../../workflows/index";

/** The pratica whose registration the annulment spec annuls (its own: no other spec looks at it). */
export const PROTOCOL_E2E = {
  praticaId: "7e2e0017-0000-4000-8000-000000000017",
  title: "Registro di protocollo: pratica per l'annullamento",
};

/**
 * Issue 17, the register pages: a filed pratica whose registrations are dated yesterday (Rome), and the
 * daily register the worker's job would produce for that day (sealed, queued for preservation).
 */
export async function seedProtocolRegister(
  db: Kysely<Database>,
  input: { ownerId: string; principal: Principal; start: WorkflowInput; versionId: number },
) {
  const services = engineServices();
  const entity = async (code: string) =>
    (await db.selectFrom("entities").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
  const yesterdayNoon = new Date(Date.now() - 86_400_000);
  const at = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome" }).format(yesterdayNoon);
  await db
    .insertInto("pratiche")
    .values({
      id: PROTOCOL_E2E.praticaId,
      cui: "E2E-PROTOCOL-17",
      catalogue_version_id: input.versionId,
      usecases: JSON.stringify(["VICINATO_APERTURA_NON_ALIMENTARE"]),
      title: PROTOCOL_E2E.title,
      regime: "scia",
      municipality_id: await entity("050039"),
      desk_id: await entity("SUAP-AVC"),
      business_id: input.principal.businessIds[0]!,
      filer_user_id: input.ownerId,
      form_data: JSON.stringify({ insegna: "Bottega Rossi", superficie_mq: 40 }),
    })
    .execute();
  await dispatch(db, services, {
    praticaId: PROTOCOL_E2E.praticaId,
    event: { type: "SUBMIT", at },
    actor: { kind: "user", userId: input.ownerId, principal: input.principal },
    start: input.start,
  });
  await dispatch(db, services, {
    praticaId: PROTOCOL_E2E.praticaId,
    event: { type: "PROTOCOL", at },
    actor: { kind: "system", name: "e2e" },
  });
  // As if filed yesterday: the daily register of yesterday lists them.
  await db
    .updateTable("protocol_entries")
    .set({ registered_at: new Date(`${at}T10:00:00Z`) })
    .where("pratica_id", "=", PROTOCOL_E2E.praticaId)
    .execute();
  await produceDailyRegisters(db, {
    files: services.files,
    sealer: services.sealer,
    publicUrl: services.publicUrl,
  });
}
