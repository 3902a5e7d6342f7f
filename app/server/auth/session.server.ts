import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  createCookie,
  redirect,
  type UploadHandler,
  unstable_composeUploadHandlers,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { type Kysely, sql } from "kysely";
import { romeDate } from "~/domain/dates";
import type { Principal } from "~/domain/policy";
import { safeRedirect } from "~/domain/redirect";
import type { Database } from "../db/schema.server";
import { delegationsOfOrganisations } from "../delegations/delegations.server";
import type { Env } from "../env.server";
import { db, runtime } from "../runtime.server";
import { once } from "../http/request-scope.server";
import { singleton } from "../singleton.server";

export { safeRedirect };

/**
 * Server-side sessions (ADR 0010). The cookie carries one signed random token and nothing else. A signed-in
 * session is a row in `sessions` keyed by the token's sha256, with an absolute and an idle expiry and a
 * revocation time: logging out, "esci da tutti i dispositivi" or an administrator revoke rows, so a copied
 * cookie stops working at once. A visitor who is not signed in still has a token (never stored): their
 * CSRF token is derived from it with the session secret.
 */

export type AuthMethod = "password" | "password_totp" | "spid" | "cie" | "oidc";

/**
 * SESSION_SECRET, or outside production one generated on first boot and kept in DATA_DIR (mode 0600), so
 * sessions survive restarts without configuration.
 */
export function resolveSessionSecret(env: Env): string {
  if (env.SESSION_SECRET) return env.SESSION_SECRET;
  const file = path.resolve(env.DATA_DIR, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

export function sessionSecret() {
  return singleton("sessionSecret", () => resolveSessionSecret(runtime.env));
}

function cookie() {
  return singleton("sessionCookie", () =>
    createCookie("__suap_session", {
      httpOnly: true,
      sameSite: "lax",
      secure: runtime.env.isProduction,
      path: "/",
      maxAge: runtime.env.SESSION_ABSOLUTE_HOURS * 3600,
      secrets: [sessionSecret()],
    }),
  );
}

export function hashToken(token: string) {
  return createHash("sha256").update(token).digest("hex");
}

function newToken() {
  return randomBytes(32).toString("base64url");
}

export interface SessionRecord {
  id: string;
  userId: string;
  csrf: string;
  loa: number;
  method: AuthMethod;
  fiscalCode: string | null;
  authenticatedAt: Date;
  idToken: string | null;
}

export interface ResolvedSession {
  token: string;
  /** The token is new: the response must set the cookie. */
  created: boolean;
  record: SessionRecord | null;
  csrf: string;
  /** The session's user as read with it (getCurrentUser builds on it without asking again). */
  user?: SessionUser | null;
}

/** The request's session, read once per request (root and route loaders share it: request-scope.server). */
export function resolveSession(request: Request): Promise<ResolvedSession> {
  return once(request, "session", () => load(request));
}

/**
 * The CSRF token of a page whose form an anonymous visitor may post (sign-in, registration, document
 * check...). No other page sets a cookie on an anonymous GET (issue 18: public pages stay cacheable); these
 * pages give the visitor their token cookie here, and the form's hidden field carries the token derived from
 * it (CsrfInput reads the deepest `csrf` of the page's loaders). A signed-in visitor gets the session's token.
 */
export async function formToken(request: Request): Promise<{ csrf: string; headers: Headers }> {
  const session = await resolveSession(request);
  const headers = new Headers({ "Cache-Control": "private, no-store" });
  if (session.created) headers.append("Set-Cookie", await serializeToken(session.token));
  return { csrf: session.csrf, headers };
}

async function load(request: Request): Promise<ResolvedSession> {
  const parsed: unknown = await cookie().parse(request.headers.get("Cookie"));
  const token = typeof parsed === "string" && /^[A-Za-z0-9_-]{43}$/.test(parsed) ? parsed : null;
  if (!token) {
    const fresh = newToken();
    return { token: fresh, created: true, record: null, csrf: anonymousCsrf(fresh) };
  }
  const live = await findLiveSessionWithUser(db(), token);
  const record = live?.record ?? null;
  return {
    token,
    created: false,
    record,
    csrf: record ? record.csrf : anonymousCsrf(token),
    user: live?.user ?? null,
  };
}

function anonymousCsrf(token: string) {
  return createHmac("sha256", sessionSecret()).update(`csrf:${token}`).digest("base64url");
}

/** A session that is neither revoked nor past its absolute or idle expiry; touches last_seen_at (at most once a minute). */
export async function findLiveSession(
  database: Kysely<Database>,
  token: string,
): Promise<SessionRecord | null> {
  return (await findLiveSessionWithUser(database, token))?.record ?? null;
}

/** What a signed-in request needs about its user, read in the same statement as the session (issue 18). */
export interface SessionUser {
  id: string;
  email: string;
  fullName: string;
  fiscalCode: string | null;
  grants: { role: string; entity_id: number | null }[];
  businessIds: string[];
}

/**
 * The live session and its user, with the user's memberships and businesses, in one statement: a signed-in
 * page asked four (session, user, memberships, businesses) before its own queries. The session is still read
 * on every request (a revoked session stops working at once); nothing is kept between requests.
 */
export async function findLiveSessionWithUser(
  database: Kysely<Database>,
  token: string,
): Promise<{ record: SessionRecord; user: SessionUser | null } | null> {
  const id = hashToken(token);
  const idle = runtime.env.SESSION_IDLE_MINUTES;
  const row = await database
    .selectFrom("sessions as s")
    .leftJoin("users as u", "u.id", "s.user_id")
    .select([
      "s.id",
      "s.user_id",
      "s.csrf_token",
      "s.loa",
      "s.auth_method",
      "s.fiscal_code",
      "s.authenticated_at",
      "s.id_token",
      sql<boolean>`s.last_seen_at < now() - interval '1 minute'`.as("stale"),
      "u.id as u_id",
      "u.email as u_email",
      "u.full_name as u_full_name",
      "u.fiscal_code as u_fiscal_code",
      sql<{ role: string; entity_id: number | null }[]>`coalesce((
        select json_agg(json_build_object('role', m.role, 'entity_id', m.entity_id))
          from memberships m where m.user_id = s.user_id), '[]'::json)`.as("grants"),
      sql<string[]>`coalesce((
        select json_agg(bm.business_id) from business_members bm where bm.user_id = s.user_id), '[]'::json)`.as(
        "business_ids",
      ),
    ])
    .where("s.id", "=", id)
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", sql<Date>`now()`)
    .where("s.last_seen_at", ">", sql<Date>`now() - make_interval(mins => ${idle})`)
    .executeTakeFirst();
  if (!row) return null;
  if (row.stale) {
    await database.updateTable("sessions").set({ last_seen_at: sql`now()` }).where("id", "=", id).execute();
  }
  const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
  return {
    record: {
      id: row.id,
      userId: row.user_id,
      csrf: row.csrf_token,
      loa: row.loa,
      method: row.auth_method,
      fiscalCode: row.fiscal_code,
      authenticatedAt: new Date(row.authenticated_at as unknown as string),
      idToken: row.id_token,
    },
    user: row.u_id
      ? {
          id: row.u_id,
          email: row.u_email!,
          fullName: row.u_full_name!,
          fiscalCode: row.u_fiscal_code,
          grants: json(row.grants),
          businessIds: json(row.business_ids),
        }
      : null,
  };
}

export interface OpenSessionOptions {
  method: AuthMethod;
  loa: number;
  fiscalCode?: string | null;
  idToken?: string | null;
  /** Fixed CSRF token (tests); normally random. */
  csrf?: string;
}

/** Stores a new session for the user and returns its token and the Set-Cookie value that carries it. */
export async function openSession(database: Kysely<Database>, userId: string, options: OpenSessionOptions) {
  const token = newToken();
  await database
    .insertInto("sessions")
    .values({
      id: hashToken(token),
      user_id: userId,
      csrf_token: options.csrf ?? newToken(),
      expires_at: sql<Date>`now() + make_interval(hours => ${runtime.env.SESSION_ABSOLUTE_HOURS})`,
      loa: options.loa,
      auth_method: options.method,
      fiscal_code: options.fiscalCode ?? null,
      id_token: options.idToken ?? null,
    })
    .execute();
  return { token, setCookie: await cookie().serialize(token) };
}

/** The Set-Cookie header that gives the browser a new token (used when the visitor had none). */
export function serializeToken(token: string) {
  return cookie().serialize(token);
}

export async function revokeSession(database: Kysely<Database>, sessionId: string, reason: string) {
  await database
    .updateTable("sessions")
    .set({ revoked_at: sql`now()`, revoked_reason: reason })
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .execute();
}

/** Ends every session of a user ("esci da tutti i dispositivi", or an administrator's revocation). */
export async function revokeUserSessions(database: Kysely<Database>, userId: string, reason: string) {
  const result = await database
    .updateTable("sessions")
    .set({ revoked_at: sql`now()`, revoked_reason: reason })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export class CsrfError extends Error {
  constructor() {
    super("CSRF token missing or invalid");
    this.name = "CsrfError";
  }
}

/**
 * Every form POST goes through here: reads the body once and checks the synchroniser token against the
 * session. Throws a 403 Response the error boundary renders in plain Italian.
 */
export async function readForm(request: Request): Promise<FormData> {
  const session = await resolveSession(request);
  const form = await request.formData();
  checkCsrf(form, session);
  return form;
}

function checkCsrf(form: FormData, session: ResolvedSession) {
  const sent = form.get("_csrf");
  if (session.created || typeof sent !== "string" || !safeEqual(sent, session.csrf)) {
    throw new Response("CSRF", { status: 403, statusText: "csrf" });
  }
}

/**
 * readForm for multipart bodies (file uploads): files go through `uploadHandler` (which must hold them in
 * memory or a temporary file and enforce its own byte cap), small text fields through a memory handler, and
 * the same synchroniser token is checked before the caller may act on anything uploaded.
 */
export async function readMultipartForm(request: Request, uploadHandler: UploadHandler): Promise<FormData> {
  const session = await resolveSession(request);
  const form = await unstable_parseMultipartFormData(
    request,
    unstable_composeUploadHandlers(
      uploadHandler,
      unstable_createMemoryUploadHandler({ maxPartSize: 64 * 1024 }),
    ),
  );
  checkCsrf(form, session);
  return form;
}

function safeEqual(a: string, b: string) {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export interface CurrentUser {
  id: string;
  email: string;
  fullName: string;
  fiscalCode: string | null;
  principal: Principal;
  session: SessionRecord;
}

export async function loadPrincipal(userId: string, session?: SessionRecord): Promise<Principal> {
  const [grants, businesses] = await Promise.all([
    db().selectFrom("memberships").select(["role", "entity_id"]).where("user_id", "=", userId).execute(),
    db().selectFrom("business_members").select("business_id").where("user_id", "=", userId).execute(),
  ]);
  return principalOf(
    userId,
    grants,
    businesses.map((b) => b.business_id),
    session,
  );
}

/** The principal from the user's memberships and businesses (read by the caller). */
async function principalOf(
  userId: string,
  grants: { role: string; entity_id: number | null }[],
  businessIds: string[],
  session?: SessionRecord,
): Promise<Principal> {
  const organisations = grants
    .filter((g) => g.role === "association_operator" && g.entity_id !== null)
    .map((g) => g.entity_id as number);
  return {
    userId,
    grants: grants.map((g) => ({
      role: g.role as Principal["grants"][number]["role"],
      entityId: g.entity_id,
    })),
    businessIds,
    delegations: organisations.length ? await delegationsOfOrganisations(db(), organisations) : [],
    today: romeDate(),
    ...(session
      ? {
          identity: {
            fiscalCode: session.fiscalCode,
            loa: session.loa,
            method: session.method,
            authenticatedAt: session.authenticatedAt.toISOString(),
          },
        }
      : {}),
  };
}

export function getCurrentUser(request: Request): Promise<CurrentUser | null> {
  return once(request, "user", () => loadUser(request));
}

async function loadUser(request: Request): Promise<CurrentUser | null> {
  const session = await resolveSession(request);
  if (!session.record || !session.user) return null;
  const user = session.user;
  return {
    id: user.id,
    email: user.email,
    fullName: user.fullName,
    fiscalCode: user.fiscalCode,
    principal: await principalOf(user.id, user.grants, user.businessIds, session.record),
    session: session.record,
  };
}

export async function requireUser(request: Request): Promise<CurrentUser> {
  const user = await getCurrentUser(request);
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/accedi?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return user;
}

/**
 * Before acts with legal effect (submission): the last sign-in must be at most FRESH_SIGNIN_MINUTES old,
 * otherwise the user signs in again and comes back.
 */
export function requireFreshSignIn(request: Request, user: CurrentUser) {
  const ageMs = Date.now() - user.session.authenticatedAt.getTime();
  if (ageMs <= runtime.env.FRESH_SIGNIN_MINUTES * 60_000) return;
  const url = new URL(request.url);
  throw redirect(`/accedi?rinnova=1&redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
}

/**
 * Starts a fresh session for the user: a new token and a new CSRF token (no fixation); the session the
 * browser had before, if any, is revoked.
 */
export async function createUserSession(
  request: Request,
  userId: string,
  redirectTo: string,
  options: OpenSessionOptions = { method: "password", loa: 1 },
) {
  const old = await resolveSession(request);
  if (old.record) await revokeSession(db(), old.record.id, "replaced");
  const { setCookie } = await openSession(db(), userId, options);
  return redirect(safeRedirect(redirectTo), { headers: { "Set-Cookie": setCookie } });
}

/**
 * Like createUserSession, for a page that renders after signing in (the recovery codes shown once): revokes
 * the browser's old session and returns the Set-Cookie of the new one.
 */
export async function startUserSession(request: Request, userId: string, options: OpenSessionOptions) {
  const old = await resolveSession(request);
  if (old.record) await revokeSession(db(), old.record.id, "replaced");
  const { setCookie } = await openSession(db(), userId, options);
  return setCookie;
}

/** The live sessions of a user, newest first (the account page and the administrator's page). */
export async function liveSessions(database: Kysely<Database>, userId: string) {
  const idle = runtime.env.SESSION_IDLE_MINUTES;
  return database
    .selectFrom("sessions")
    .select(["id", "created_at", "last_seen_at", "auth_method", "loa", "fiscal_code"])
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`)
    .where("last_seen_at", ">", sql<Date>`now() - make_interval(mins => ${idle})`)
    .orderBy("created_at", "desc")
    .execute();
}

/** Ends this browser's session: the row is revoked and the browser gets a new anonymous token. */
export async function endSession(request: Request) {
  const session = await resolveSession(request);
  if (session.record) await revokeSession(db(), session.record.id, "logout");
  return { record: session.record, setCookie: await cookie().serialize(newToken()) };
}

/** The client address Express computed (server.ts sets this header itself, honouring TRUST_PROXY only). */
export function clientIp(request: Request): string {
  return request.headers.get("x-suap-client-ip") ?? "unknown";
}
