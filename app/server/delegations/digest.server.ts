import type { Kysely } from "kysely";
import { eventText, statusText } from "~/i18n/modules/words";
import type { Database } from "../db/schema.server";
import { enqueue } from "../mail/outbox.server";
import { romeDate } from "~/domain/dates";

/**
 * The daily digest: to every operator of each organisation, what changed since the last digest on the pratiche
 * the organisation filed or follows through delegations. At most once per organisation and day (the outbox
 * dedupe key and organisation_digests make a repeated run harmless).
 */
export async function sendDigests(
  db: Kysely<Database>,
  opts: { now?: Date; publicUrl: string; notBeforeHour?: number },
) {
  const now = opts.now ?? new Date();
  const today = romeDate(now);
  const hour = Number(
    new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Rome", hour: "2-digit", hourCycle: "h23" }).format(
      now,
    ),
  );
  // The digest goes out in the morning, once a day.
  if (hour < (opts.notBeforeHour ?? 7)) return { sent: 0 };
  const orgs = await db
    .selectFrom("entities")
    .select(["id", "name"])
    .where("kind", "=", "organisation")
    .execute();
  let sent = 0;
  for (const org of orgs) {
    const last = await db
      .selectFrom("organisation_digests")
      .select("last_sent_at")
      .where("organisation_id", "=", org.id)
      .executeTakeFirst();
    const since = last
      ? new Date(last.last_sent_at as unknown as string)
      : new Date(now.getTime() - 24 * 3600_000);
    if (last && romeDate(since) === today) continue;
    const businesses = (
      await db.selectFrom("delegations").select("business_id").where("organisation_id", "=", org.id).execute()
    ).map((d) => d.business_id);
    const changes = await db
      .selectFrom("events")
      .innerJoin("pratiche", "pratiche.id", "events.pratica_id")
      .innerJoin("businesses", "businesses.id", "pratiche.business_id")
      .select([
        "pratiche.id",
        "pratiche.title",
        "pratiche.cui",
        "pratiche.status",
        "pratiche.due_date",
        "businesses.name",
        "events.type",
        "events.at",
      ])
      .where("events.at", ">", since)
      .where("events.at", "<=", now)
      .where((eb) =>
        eb.or([
          eb("pratiche.filer_organisation_id", "=", org.id),
          ...(businesses.length ? [eb("pratiche.business_id", "in", businesses)] : []),
        ]),
      )
      .orderBy("events.at")
      .execute();
    const operators = await db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select(["users.email"])
      .where("memberships.role", "=", "association_operator")
      .where("memberships.entity_id", "=", org.id)
      .execute();
    await db.transaction().execute(async (trx) => {
      if (changes.length && operators.length) {
        const lines = changes.map(
          (c) =>
            `- ${c.name}: ${c.title} (${c.cui ?? ""}) — ${eventText("it", c.type)}, stato ${statusText("it", c.status)}${c.due_date ? `, scadenza ${c.due_date}` : ""}\n  ${opts.publicUrl.replace(/\/$/, "")}/pratiche/${c.id}`,
        );
        for (const op of operators) {
          await enqueue(trx, {
            dedupeKey: `digest:${org.id}:${today}:${op.email.toLowerCase()}`,
            recipient: op.email,
            template: "digest",
            subject: `Riepilogo giornaliero delle pratiche - ${org.name} - ${today}`,
            text: [
              `Ecco cosa è cambiato dal ${romeDate(since)} nelle pratiche seguite da ${org.name}:`,
              "",
              ...lines,
              "",
              `Area di lavoro: ${opts.publicUrl.replace(/\/$/, "")}/associazione`,
            ].join("\n"),
          });
          sent++;
        }
      }
      await trx
        .insertInto("organisation_digests")
        .values({ organisation_id: org.id, last_sent_at: now })
        .onConflict((oc) => oc.column("organisation_id").doUpdateSet({ last_sent_at: now }))
        .execute();
    });
  }
  return { sent };
}
