import type { Role } from "~/domain/policy";
import { db } from "./runtime.server";

/** The roles of a user with the names of the entities they hold them for (personal area). */
export async function rolesWithEntities(userId: string): Promise<{ role: Role; entity: string | null }[]> {
  const rows = await db()
    .selectFrom("memberships")
    .leftJoin("entities", "entities.id", "memberships.entity_id")
    .select(["memberships.role", "entities.name"])
    .where("memberships.user_id", "=", userId)
    .orderBy("memberships.id")
    .execute();
  return rows.map((r) => ({ role: r.role, entity: r.name }));
}

export async function outboxForDevMailbox(limit = 50) {
  return db()
    .selectFrom("outbox")
    .select(["id", "recipient", "subject", "body_text", "status", "created_at", "template", "attachments"])
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

/** Names of entities (desks, agencies), for page headings. */
export async function entityNames(ids: number[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db()
    .selectFrom("entities")
    .select("name")
    .where("id", "in", ids)
    .orderBy("name")
    .execute();
  return rows.map((r) => r.name);
}

/** These businesses by name (the user's own, for forms that ask which one). */
export async function businessesByIds(ids: string[]) {
  if (!ids.length) return [];
  return db()
    .selectFrom("businesses")
    .select(["id", "name"])
    .where("id", "in", ids)
    .orderBy("name")
    .execute();
}
