import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { openSession } from "~/server/auth/session.server";
import type { Database } from "~/server/db/schema.server";
import { dispatch, type EngineServices } from "~/server/engine/engine.server";
import { parseEnv } from "~/server/env.server";
import { runtime } from "~/server/runtime.server";
import { engineServices } from "~/server/services.server";
import type { WorkflowEvent } from "../../../workflows/index";
import type { Regime } from "../../../workflows/shared";
import { draftPratica, userByEmail, workflowInput } from "../support/factories";

/** A throwaway data directory and session secret, so services (files, sessions) never touch ./data. */
export function useTestEnv() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "suap-desk-"));
  runtime.env = parseEnv({ ...process.env, DATA_DIR: dir, SESSION_SECRET: "s".repeat(48), NODE_ENV: "test" });
  return engineServices(runtime.env) as EngineServices;
}

/** A submitted and protocolled pratica, optionally of another business (for search tests). */
export async function submittedPratica(
  db: Kysely<Database>,
  services: EngineServices,
  opts: {
    regime?: Regime;
    at?: string;
    title?: string;
    comune?: string;
    business?: { name: string; fiscalCode: string };
  } = {},
) {
  const regime = opts.regime ?? "scia";
  const at = opts.at ?? "2026-03-02";
  const { id, owner } = await draftPratica(db, { regime, title: opts.title, comune: opts.comune });
  if (opts.business) {
    const businessId = randomUUID();
    await db
      .insertInto("businesses")
      .values({
        id: businessId,
        name: opts.business.name,
        legal_form: "SRL",
        fiscal_code: opts.business.fiscalCode,
        registered_office: JSON.stringify({}),
        legal_representative: JSON.stringify({}),
      })
      .execute();
    await db.insertInto("business_members").values({ business_id: businessId, user_id: owner.id }).execute();
    await db.updateTable("pratiche").set({ business_id: businessId }).where("id", "=", id).execute();
  }
  await dispatch(db, services, {
    praticaId: id,
    event: { type: "SUBMIT", at },
    actor: { kind: "user", userId: owner.id, principal: await freshPrincipal(db, owner.id) },
    start: workflowInput(regime, 60),
  });
  await dispatch(db, services, {
    praticaId: id,
    event: { type: "PROTOCOL", at },
    actor: { kind: "system", name: "test" },
  });
  return { id, owner };
}

async function freshPrincipal(db: Kysely<Database>, userId: string) {
  const email = (
    await db.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirstOrThrow()
  ).email;
  return (await userByEmail(db, email)).principal;
}

export async function actAs(
  db: Kysely<Database>,
  services: EngineServices,
  email: string,
  praticaId: string,
  event: WorkflowEvent,
) {
  const u = await userByEmail(db, email);
  return dispatch(db, services, {
    praticaId,
    event,
    actor: { kind: "user", userId: u.id, principal: u.principal },
  });
}

/** A second desk with its own Comune and officer: must see nothing of the first desk's pratiche. */
export async function otherDesk(db: Kysely<Database>) {
  const desk = await db
    .insertInto("entities")
    .values({
      code: `SUAP-ALT-${randomUUID().slice(0, 6)}`,
      kind: "suap",
      name: "SUAP Altrove",
      data: JSON.stringify({}),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const comune = await db
    .insertInto("entities")
    .values({
      code: `C${randomUUID().slice(0, 6)}`,
      kind: "comune",
      name: "Comune Altrove",
      data: JSON.stringify({}),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("desk_comuni").values({ desk_id: desk.id, comune_id: comune.id }).execute();
  const userId = randomUUID();
  const email = `altro-${userId.slice(0, 6)}@desk.test`;
  await db
    .insertInto("users")
    .values({ id: userId, email, password_hash: "scrypt$unused", full_name: "Ufficio Altrove" })
    .execute();
  await db
    .insertInto("memberships")
    .values({ user_id: userId, role: "officer", entity_id: desk.id })
    .execute();
  return { deskId: desk.id, comuneId: comune.id, userId, email };
}

export const CSRF = "test-csrf-token";

/** The session cookie of a signed-in user (with a known CSRF token), as the browser would send it. */
export async function cookieFor(db: Kysely<Database>, email: string | null): Promise<string> {
  if (!email) return "";
  const user = await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  const { setCookie } = await openSession(db, user.id, { method: "password", loa: 1, csrf: CSRF });
  return setCookie.split(";")[0]!;
}

/** A GET of a route as the holder of `cookie` ("" = anonymous). */
export function get(url: string, cookie: string) {
  return new Request(`http://localhost${url}`, { headers: cookie ? { Cookie: cookie } : {} });
}

/** A form POST with the session's CSRF token (or another one, to test refusal). */
export function post(url: string, cookie: string, fields: Record<string, string>, csrf = CSRF) {
  const body = new URLSearchParams({ _csrf: csrf, ...fields });
  return new Request(`http://localhost${url}`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}) },
  });
}
