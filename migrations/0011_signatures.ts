import type { Kysely } from "kysely";

// Frozen once shipped. Digital signatures (issue 14): the verification report of an uploaded attachment
// (outcome, signer, issuer, signing time, each check and when it ran), and the seal of an issued document.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("attachments").addColumn("signature", "jsonb").execute();
  await db.schema.alterTable("documents").addColumn("seal", "jsonb").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("documents").dropColumn("seal").execute();
  await db.schema.alterTable("attachments").dropColumn("signature").execute();
}
