import type { Kysely } from "kysely";

// Frozen once shipped. Issue 16 (the unified form as XML, ADR 0027).
//
// moduli: the AgID XML modulo of a pratica's usecase, built from its answers and validated (XSD + Schematron
// phase) when the summary is shown, keyed by the hash of what it was built from. The submission only reads
// this row (it rebuilds only when the row is missing or its input_hash is not the current one), so the 1-2 s of
// validation never sit in the submit request. xml is the exact text the SSU instance carries.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("moduli")
    .addColumn("pratica_id", "uuid", (c) => c.notNull().references("pratiche.id").onDelete("cascade"))
    .addColumn("usecase", "text", (c) => c.notNull())
    .addColumn("input_hash", "text", (c) => c.notNull())
    .addColumn("xml", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("valid", "boolean", (c) => c.notNull())
    .addColumn("problems", "jsonb", (c) => c.notNull())
    .addColumn("unchecked", "jsonb", (c) => c.notNull())
    .addColumn("checked_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("moduli_pk", ["pratica_id", "usecase"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("moduli").execute();
}
