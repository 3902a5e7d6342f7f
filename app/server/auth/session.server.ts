import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  createCookieSessionStorage,
  redirect,
  type Session,
  type UploadHandler,
  unstable_composeUploadHandlers,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { romeDate } from "~/domain/dates";
import type { Principal } from "~/domain/policy";
import { delegationsOfOrganisations } from "../delegations/delegations.server";
import type { Env } from "../env.server";
import { db, runtime } from "../runtime.server";
import { singleton } from "../singleton.server";

interface SessionData {
  userId: string;
  csrf: string;
}
interface FlashData {
  flash: string;
}

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

function storage() {
  return singleton("sessionStorage", () => {
    const env = runtime.env;
    return createCookieSessionStorage<SessionData, FlashData>({
      cookie: {
        name: "__suap_session",
        httpOnly: true,
        sameSite: "lax",
        secure: env.isProduction,
        path: "/",
        maxAge: 60 * 60 * 8,
        secrets: [resolveSessionSecret(env)],
      },
    });
  });
}

export function getSession(request: Request) {
  return storage().getSession(request.headers.get("Cookie"));
}

export function commitSession(session: Session<SessionData, FlashData>) {
  return storage().commitSession(session);
}

export function destroySession(session: Session<SessionData, FlashData>) {
  return storage().destroySession(session);
}

/** The CSRF token bound to this session: created on first sight, then stable until logout. */
export function ensureCsrf(session: Session<SessionData, FlashData>): { token: string; created: boolean } {
  const existing = session.get("csrf");
  if (existing) return { token: existing, created: false };
  const token = randomBytes(32).toString("base64url");
  session.set("csrf", token);
  return { token, created: true };
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
  const session = await getSession(request);
  const form = await request.formData();
  const sent = form.get("_csrf");
  const expected = session.get("csrf");
  if (typeof sent !== "string" || !expected || !safeEqual(sent, expected)) {
    throw new Response("CSRF", { status: 403, statusText: "csrf" });
  }
  return form;
}

/**
 * readForm for multipart bodies (file uploads): files go through `uploadHandler` (which must hold them in
 * memory or a temporary file and enforce its own byte cap), small text fields through a memory handler, and
 * the same synchroniser token is checked before the caller may act on anything uploaded.
 */
export async function readMultipartForm(request: Request, uploadHandler: UploadHandler): Promise<FormData> {
  const session = await getSession(request);
  const form = await unstable_parseMultipartFormData(
    request,
    unstable_composeUploadHandlers(
      uploadHandler,
      unstable_createMemoryUploadHandler({ maxPartSize: 64 * 1024 }),
    ),
  );
  const sent = form.get("_csrf");
  const expected = session.get("csrf");
  if (typeof sent !== "string" || !expected || !safeEqual(sent, expected)) {
    throw new Response("CSRF", { status: 403, statusText: "csrf" });
  }
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
  principal: Principal;
}

export async function loadPrincipal(userId: string): Promise<Principal> {
  const [grants, businesses] = await Promise.all([
    db().selectFrom("memberships").select(["role", "entity_id"]).where("user_id", "=", userId).execute(),
    db().selectFrom("business_members").select("business_id").where("user_id", "=", userId).execute(),
  ]);
  const organisations = grants
    .filter((g) => g.role === "association_operator" && g.entity_id !== null)
    .map((g) => g.entity_id as number);
  return {
    userId,
    grants: grants.map((g) => ({ role: g.role, entityId: g.entity_id })),
    businessIds: businesses.map((b) => b.business_id),
    delegations: organisations.length ? await delegationsOfOrganisations(db(), organisations) : [],
    today: romeDate(),
  };
}

export async function getCurrentUser(request: Request): Promise<CurrentUser | null> {
  const session = await getSession(request);
  const userId = session.get("userId");
  if (!userId) return null;
  const user = await db()
    .selectFrom("users")
    .select(["id", "email", "full_name"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user) return null;
  return {
    id: user.id,
    email: user.email,
    fullName: user.full_name,
    principal: await loadPrincipal(user.id),
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

/** Starts a fresh session for the user (new CSRF token too: no fixation). */
export async function createUserSession(request: Request, userId: string, redirectTo: string) {
  const old = await getSession(request);
  const session = await storage().getSession();
  session.set("userId", userId);
  ensureCsrf(session);
  const headers = new Headers();
  headers.append("Set-Cookie", await destroySession(old));
  headers.append("Set-Cookie", await commitSession(session));
  return redirect(safeRedirect(redirectTo), { headers });
}

/** Only same-site relative paths: no open redirects. */
export function safeRedirect(
  to: FormDataEntryValue | string | null | undefined,
  fallback = "/area-personale",
) {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\"))
    return fallback;
  return to;
}

/** The client address as Express saw it (server.ts passes it through a header it sets itself). */
export function clientIp(request: Request): string {
  return request.headers.get("x-suap-client-ip") ?? "unknown";
}
