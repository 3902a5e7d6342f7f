import { type Kysely, sql } from "kysely";

// Frozen once shipped. Issue 13 (staff second factor, who acted and how) and issue 11 (dead throttle table):
// - totp_recovery_codes: ten one-time codes per staff member, stored as sha256 (each carries 50 random bits);
// - staff_signins: a password accepted, the second factor still to give (or to enrol), bound to the browser's
//   token hash like oidc_logins, good once and for 10 minutes;
// - events.actor_identity: the signed-in person, fiscal code and level of assurance of each audited act (in
//   the entry's hash when present, so older entries keep verifying);
// - login_attempts is dropped: since 0008 the throttle counts in login_throttle and nothing read it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("totp_recovery_codes")
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("used_at", "timestamptz")
    .addPrimaryKeyConstraint("totp_recovery_codes_pk", ["user_id", "code_hash"])
    .execute();

  await db.schema
    .createTable("staff_signins")
    .addColumn("browser_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`purpose in ('verify', 'enrol')`))
    .addColumn("redirect_to", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("used_at", "timestamptz")
    .execute();

  await db.schema.alterTable("events").addColumn("actor_identity", "jsonb").execute();

  await db.schema.dropTable("login_attempts").ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("login_attempts")
    .ifNotExists()
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("success", "boolean", (c) => c.notNull())
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.alterTable("events").dropColumn("actor_identity").execute();
  await db.schema.dropTable("staff_signins").ifExists().execute();
  await db.schema.dropTable("totp_recovery_codes").ifExists().execute();
}
