import type { Kysely } from "kysely";
import type { Database } from "../db/schema.server";
import { liveSessions } from "./session.server";
import { STAFF_ROLES, secondFactorStatus } from "./totp.server";

/** What the account page and the administrator's page show about a person's sign-ins. */
export async function securityView(db: Kysely<Database>, userId: string, currentSessionId?: string) {
  const [sessions, factor, roles] = await Promise.all([
    liveSessions(db, userId),
    secondFactorStatus(db, userId),
    db.selectFrom("memberships").select("role").where("user_id", "=", userId).execute(),
  ]);
  return {
    staff: roles.some((r) => STAFF_ROLES.has(r.role)),
    factor,
    sessions: sessions.map((s) => ({
      current: s.id === currentSessionId,
      createdAt: new Date(s.created_at as unknown as string).toISOString(),
      lastSeenAt: new Date(s.last_seen_at as unknown as string).toISOString(),
      method: s.auth_method,
      loa: s.loa,
    })),
  };
}

/** Users an administrator may look up: by e-mail, name or fiscal code (substring), at most 50. */
export async function findPeople(db: Kysely<Database>, query: string) {
  const q = query.trim().slice(0, 100);
  let select = db
    .selectFrom("users")
    .select(["id", "email", "full_name", "fiscal_code", "totp_enabled_at"])
    .orderBy("email")
    .limit(50);
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    select = select.where((eb) =>
      eb.or([eb("email", "ilike", like), eb("full_name", "ilike", like), eb("fiscal_code", "ilike", like)]),
    );
  }
  return select.execute();
}
