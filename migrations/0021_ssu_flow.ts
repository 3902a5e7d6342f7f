import { type Kysely, sql } from "kysely";

// Frozen once shipped. The SSU exchange wired to the workflow (issue 16, ADR 0025): which SSU peer each pratica
// talks to. One row per (pratica, e-service called, agency): a pratica filed here whose back office is another
// SSU system calls that system's `bo_to_fo`; a pratica received from a front office calls its `fo_to_bo`, and
// its `et_to_bo` once per agency forwarded to over SSU; a pratica received as an agency calls the back office's
// `bo_to_et`. `version` is the instance_descriptor_version last sent or received (a retried send_instance of the
// same version steps nothing).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("ssu_links")
    .addColumn("pratica_id", "uuid", (c) => c.notNull().references("pratiche.id").onDelete("cascade"))
    .addColumn("service", "text", (c) =>
      c.notNull().check(sql`service in ('bo_to_fo', 'fo_to_bo', 'bo_to_et', 'et_to_bo')`),
    )
    // the local agency's entity code for et_to_bo rows and for the agency's own copy (bo_to_et); '' otherwise
    .addColumn("agency_code", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("ssu_links_pk", ["pratica_id", "service", "agency_code"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("ssu_links").execute();
}
