import type { Transaction } from "kysely";
import type { Database } from "../db/schema.server";
import { DEMO_PEOPLE_LIST } from "~/domain/identity/demo-people";

/**
 * The demo accounts that are also demo SPID/CIE people get their fiscal code, so signing in through
 * /dev/idp finds the same account (people are matched by fiscal code). Only accounts without one.
 */
export async function seedDemoIdentities(trx: Transaction<Database>) {
  for (const person of DEMO_PEOPLE_LIST) {
    await trx
      .updateTable("users")
      .set({ fiscal_code: person.fiscalCode })
      .where("email", "=", person.email)
      .where("fiscal_code", "is", null)
      .execute();
  }
}
