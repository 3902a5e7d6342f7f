import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { hashPassword } from "./auth/password.server";
import { seedDemoIdentities } from "./auth/demo-identities.server";
import type { Database } from "./db/schema.server";
import {
  COMUNI,
  DEMO_ACCOUNTS,
  DEMO_BUSINESS,
  DEMO_ORGANISATION,
  DEMO_PASSWORD,
  DESK,
  ENTI_TERZI,
  type SeedEntity,
} from "./seed-data.server";

/**
 * Idempotent: run at every boot and by `npm run db:seed`. Reference data is upserted by code; demo accounts
 * are created only when asked (never in production, see env.server.ts) and never overwritten.
 */
export async function seed(db: Kysely<Database>, opts: { demo: boolean }) {
  // Hash outside the transaction: on PGlite the transaction holds the only session.
  const demoHash = opts.demo ? await hashPassword(DEMO_PASSWORD) : null;
  await db.transaction().execute(async (trx) => {
    const ids = new Map<string, number>();
    for (const e of [...COMUNI, DESK, ...ENTI_TERZI, ...(opts.demo ? [DEMO_ORGANISATION] : [])]) {
      ids.set(e.code, await upsertEntity(trx, e));
    }
    const deskId = ids.get(DESK.code)!;
    for (const c of COMUNI) {
      await trx
        .insertInto("desk_comuni")
        .values({ desk_id: deskId, comune_id: ids.get(c.code)! })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (demoHash) await seedDemo(trx, ids, demoHash);
    if (demoHash) await seedDemoIdentities(trx);
  });
}

async function upsertEntity(trx: Transaction<Database>, e: SeedEntity): Promise<number> {
  const row = await trx
    .insertInto("entities")
    .values({
      code: e.code,
      kind: e.kind,
      name: e.name,
      istat_code: e.istatCode ?? null,
      agency_class: e.agencyClass ?? null,
      pec: e.pec ?? null,
      ...(e.data ? { data: JSON.stringify(e.data) } : {}),
    })
    .onConflict((oc) =>
      oc.column("code").doUpdateSet((eb) => ({
        ...(e.data ? { data: eb.ref("excluded.data") } : {}),
        name: eb.ref("excluded.name"),
        kind: eb.ref("excluded.kind"),
        istat_code: eb.ref("excluded.istat_code"),
        agency_class: eb.ref("excluded.agency_class"),
      })),
    )
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function seedDemo(trx: Transaction<Database>, ids: Map<string, number>, hash: string) {
  for (const account of DEMO_ACCOUNTS) {
    const existing = await trx
      .selectFrom("users")
      .select("id")
      .where("email", "=", account.email)
      .executeTakeFirst();
    const userId = existing?.id ?? randomUUID();
    if (!existing) {
      await trx
        .insertInto("users")
        .values({ id: userId, email: account.email, password_hash: hash, full_name: account.name })
        .execute();
    }
    await trx
      .insertInto("memberships")
      .values({ user_id: userId, role: "business", entity_id: null })
      .onConflict((oc) => oc.doNothing())
      .execute();
    if (account.role !== "business") {
      await trx
        .insertInto("memberships")
        .values({
          user_id: userId,
          role: account.role,
          entity_id: account.entity ? ids.get(account.entity)! : null,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (account.email === "impresa@demo.test") {
      const business = await trx
        .insertInto("businesses")
        .values({
          id: randomUUID(),
          name: DEMO_BUSINESS.name,
          legal_form: DEMO_BUSINESS.legalForm,
          fiscal_code: DEMO_BUSINESS.fiscalCode,
          vat_number: DEMO_BUSINESS.vatNumber,
          rea: DEMO_BUSINESS.rea,
          pec: DEMO_BUSINESS.pec,
          registered_office: JSON.stringify({
            address: "Via dei Sarti 12",
            cap: "56048",
            municipality: "Volterra",
            province: "PI",
          }),
          legal_representative: JSON.stringify({
            fullName: "Maria Rossi",
            fiscalCode: DEMO_BUSINESS.fiscalCode,
          }),
        })
        .onConflict((oc) => oc.column("fiscal_code").doUpdateSet({ name: DEMO_BUSINESS.name }))
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("business_members")
        .values({ business_id: business.id, user_id: userId })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
}
