import { type Kysely, sql } from "kysely";

// Frozen once shipped. pagoPA payments: each fee of a pratica becomes a debt position (IUPD) of its creditor
// entity, with one payment option (IUV / notice number). Receipts are kept one row each, so a double payment
// or a replayed notice is recorded once and never lost; notification ids are kept to refuse replays.
// The dev_pagopa_* tables belong to the development double only (the embedded pagoPA at /dev/pagopa).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("payment_iuv_counters")
    .addColumn("creditor_fiscal_code", "text", (c) => c.primaryKey())
    .addColumn("last_number", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("payment_positions")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("pratica_id", "uuid", (c) => c.notNull().references("pratiche.id").onDelete("cascade"))
    .addColumn("creditor_entity_id", "integer", (c) => c.notNull().references("entities.id"))
    .addColumn("creditor_fiscal_code", "text", (c) => c.notNull())
    .addColumn("iupd", "text", (c) => c.notNull())
    .addColumn("iuv", "text", (c) => c.notNull())
    .addColumn("notice_number", "text", (c) => c.notNull())
    .addColumn("amount_cents", "integer", (c) => c.notNull().check(sql`amount_cents > 0`))
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("transfers", "jsonb", (c) => c.notNull())
    .addColumn("due_date", "date", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("creating")
        .check(sql`status in ('creating', 'valid', 'paid', 'cancelling', 'cancelled', 'failed')`),
    )
    .addColumn("receipt_id", "text")
    .addColumn("psp", "text")
    .addColumn("paid_at", "timestamptz")
    .addColumn("paid_amount_cents", "integer")
    .addColumn("receipt_document_id", "uuid", (c) => c.references("documents.id"))
    // what needs a human look: amount_mismatch, late, paid_after_cancel, duplicate
    .addColumn("anomaly", "text")
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("payment_positions_iupd", ["creditor_fiscal_code", "iupd"])
    .addUniqueConstraint("payment_positions_iuv", ["creditor_fiscal_code", "iuv"])
    .execute();
  // One live position per pratica and creditor.
  await sql`create unique index payment_positions_live on payment_positions (pratica_id, creditor_entity_id) where status not in ('cancelled', 'failed')`.execute(
    db,
  );
  await sql`create index payment_positions_paid on payment_positions (creditor_entity_id, paid_at) where status = 'paid'`.execute(
    db,
  );

  await db.schema
    .createTable("payment_receipts")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("position_id", "uuid", (c) =>
      c.notNull().references("payment_positions.id").onDelete("cascade"),
    )
    .addColumn("receipt_id", "text", (c) => c.notNull())
    .addColumn("psp", "text", (c) => c.notNull())
    .addColumn("amount_cents", "integer", (c) => c.notNull())
    .addColumn("paid_at", "timestamptz", (c) => c.notNull())
    .addColumn("source", "text", (c) =>
      c.notNull().check(sql`source in ('notification', 'polling', 'return')`),
    )
    .addColumn("outcome", "text", (c) =>
      c.notNull().check(sql`outcome in ('recorded', 'duplicate', 'amount_mismatch')`),
    )
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("payment_receipts_once", ["position_id", "receipt_id"])
    .execute();

  await db.schema
    .createTable("payment_notifications")
    .addColumn("notification_id", "text", (c) => c.primaryKey())
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("dev_pagopa_positions")
    .addColumn("organization_fiscal_code", "text", (c) => c.notNull())
    .addColumn("iupd", "text", (c) => c.notNull())
    .addColumn("body", "jsonb", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("dev_pagopa_positions_pk", ["organization_fiscal_code", "iupd"])
    .execute();
  await db.schema
    .createTable("dev_pagopa_carts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("body", "jsonb", (c) => c.notNull())
    .addColumn("paid", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "dev_pagopa_carts",
    "dev_pagopa_positions",
    "payment_notifications",
    "payment_receipts",
    "payment_positions",
    "payment_iuv_counters",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
