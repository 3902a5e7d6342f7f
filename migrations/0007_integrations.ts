import { type Kysely, sql } from "kysely";

// Frozen once shipped. One durable queue of calls to systems outside the database (protocol registry, seal,
// pagoPA, SSU peers, PEC, ...). A row is committed in the same transaction as the event that needs the call;
// the worker runs it after COMMIT under a lease, with the retry rule of its kind. The idempotency key is
// unique and travels to the peer, so a call made twice (lease expired after a crash) is recognised there.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("integration_calls")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) =>
      c
        .notNull()
        .check(
          sql`kind in ('protocol', 'identity', 'signature', 'seal', 'payment', 'ssu', 'pec', 'business_register')`,
        ),
    )
    .addColumn("operation", "text", (c) => c.notNull())
    // Which peer: the adapter's name and, for remote ones, the base address or the peer's code.
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("pratica_id", "uuid", (c) => c.references("pratiche.id").onDelete("cascade"))
    .addColumn("payload", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("result", "jsonb")
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("queued")
        .check(sql`status in ('queued', 'running', 'done', 'failed', 'alerted')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_error", "text")
    .addColumn("last_http_status", "integer")
    .addColumn("lease_until", "timestamptz")
    // Who holds the lease (a random id per claim): only the holder may record the outcome.
    .addColumn("lease_token", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("completed_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("integration_calls_due")
    .on("integration_calls")
    .columns(["status", "next_attempt_at"])
    .execute();
  await db.schema
    .createIndex("integration_calls_pratica")
    .on("integration_calls")
    .columns(["pratica_id", "created_at"])
    .execute();

  // The protocol registry becomes a port: an entry is numbered by the internal register or by a Comune's
  // protocollo informatico, and carries the fingerprint of the registered document (DPR 445/2000 art. 53).
  await db.schema
    .alterTable("protocol_entries")
    .addColumn("registry", "text", (c) => c.notNull().defaultTo("internal"))
    .execute();
  await db.schema.alterTable("protocol_entries").addColumn("external_id", "text").execute();
  await db.schema.alterTable("protocol_entries").addColumn("document_sha256", "text").execute();
  await db.schema.alterTable("protocol_entries").dropConstraint("protocol_entries_number").execute();
  await db.schema
    .alterTable("protocol_entries")
    .addUniqueConstraint("protocol_entries_registry_number", ["entity_id", "registry", "year", "number"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("protocol_entries").dropConstraint("protocol_entries_registry_number").execute();
  await db.schema
    .alterTable("protocol_entries")
    .addUniqueConstraint("protocol_entries_number", ["entity_id", "year", "number"])
    .execute();
  for (const c of ["document_sha256", "external_id", "registry"]) {
    await db.schema.alterTable("protocol_entries").dropColumn(c).execute();
  }
  await db.schema.dropTable("integration_calls").ifExists().execute();
}
