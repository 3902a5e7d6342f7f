import { type Kysely, sql } from "kysely";

// Frozen once shipped. Server-side sessions (revocable, idle and absolute expiry), an atomic login throttle,
// people identified by fiscal code (SPID/CIE), a second factor for staff, and the OpenID Connect sign-ins in
// flight (state, nonce, PKCE verifier), each usable once.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("sessions")
    // sha256 of the random token the cookie carries: a database dump holds no usable session.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("csrf_token", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("authenticated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    // SPID/CIE level of assurance (1-3); a password is level 1, password + TOTP level 2.
    .addColumn("loa", "smallint", (c) => c.notNull())
    .addColumn("auth_method", "text", (c) =>
      c.notNull().check(sql`auth_method in ('password', 'password_totp', 'spid', 'cie', 'oidc')`),
    )
    .addColumn("fiscal_code", "text")
    // The identity provider's ID token, kept for RP-initiated logout (id_token_hint).
    .addColumn("id_token", "text")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("revoked_reason", "text")
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").columns(["user_id"]).execute();

  // One row per throttle key (account or address): reserving an attempt is one atomic upsert.
  await db.schema
    .createTable("login_throttle")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("window_started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("attempts", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .alterTable("users")
    .alterColumn("password_hash", (c) => c.dropNotNull())
    .execute();
  await db.schema.alterTable("users").addColumn("totp_secret", "text").execute();
  await db.schema.alterTable("users").addColumn("totp_enabled_at", "timestamptz").execute();
  await db.schema.alterTable("users").addColumn("totp_last_step", "integer").execute();
  await sql`create unique index users_fiscal_code on users (upper(fiscal_code)) where fiscal_code is not null`.execute(
    db,
  );

  await db.schema
    .createTable("oidc_logins")
    .addColumn("state_hash", "text", (c) => c.primaryKey())
    // sha256 of the browser's cookie token: a state is only good in the browser that started the sign-in.
    .addColumn("browser_hash", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("nonce", "text", (c) => c.notNull())
    .addColumn("code_verifier", "text", (c) => c.notNull())
    .addColumn("redirect_to", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("used_at", "timestamptz")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oidc_logins").ifExists().execute();
  await sql`drop index if exists users_fiscal_code`.execute(db);
  await db.schema.alterTable("users").dropColumn("totp_last_step").execute();
  await db.schema.alterTable("users").dropColumn("totp_enabled_at").execute();
  await db.schema.alterTable("users").dropColumn("totp_secret").execute();
  await db.schema.dropTable("login_throttle").ifExists().execute();
  await db.schema.dropTable("sessions").ifExists().execute();
}
