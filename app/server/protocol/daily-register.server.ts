import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { italianDate, romeDate } from "~/domain/dates";
import type { Database } from "../db/schema.server";
import { renderPdf, verificationCode } from "../documents/pdf.server";
import type { Sealer } from "../integrations/seal/port.server";
import type { DepositPayload } from "../integrations/preservation/handler.server";
import { enqueueCall } from "../integrations/queue.server";
import type { FileStore } from "../storage.server";

/**
 * The daily protocol register (registro giornaliero di protocollo, DPCM 3/12/2013 art. 7 c. 5 and the AgID
 * guidelines on documents, 2021, par. 3.1.6): for each desk and each Rome day, the list of that day's
 * registrations (number, date and time, direction, subject, fingerprint) and of the annulments made that day,
 * as a PDF sealed with the SUAP's seal, stored by SHA-256, and handed to the preservation service as a queued
 * call (`preservation/deposit`) committed with the register's row.
 *
 * The job is idempotent and catches up: for each desk it produces every day from the day after its last
 * register (or, the first time, the day of its first registration) up to yesterday in Rome; the row is unique
 * per desk and day, so two runs at once, or a run repeated, produce each day once (the loser's PDF is dropped
 * before anything is committed; stored files are content-addressed).
 */

export interface DailyRegisterDeps {
  files: FileStore;
  sealer?: Sealer;
  publicUrl: string;
  now?: Date;
  /** At most this many days per desk and run (a long downtime is caught up over a few runs). */
  maxDays?: number;
}

export interface DailyRegisterReport {
  produced: { deskId: number; day: string; entries: number; annulments: number; supplement: number }[];
}

/** The next calendar day of an ISO date. */
export function nextDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The instant a Rome day begins (00:00 in Italy, 22:00 or 23:00 UTC of the day before). */
export function romeDayStart(day: string): Date {
  const base = new Date(`${day}T00:00:00Z`).getTime();
  for (const hours of [-2, -1, 0]) {
    const t = new Date(base + hours * 3_600_000);
    if (romeDate(t) === day && romeDate(new Date(t.getTime() - 1)) !== day) return t;
  }
  throw new Error(`Giorno non valido: ${day}`);
}

export async function produceDailyRegisters(
  db: Kysely<Database>,
  deps: DailyRegisterDeps,
): Promise<DailyRegisterReport> {
  const now = deps.now ?? new Date();
  const today = romeDate(now);
  const report: DailyRegisterReport = { produced: [] };
  const desks = await db
    .selectFrom("entities")
    .select(["id", "code", "name", "pec"])
    .where("kind", "=", "suap")
    .orderBy("id")
    .execute();
  for (const desk of desks) {
    const last = await db
      .selectFrom("protocol_daily_registers")
      .select((eb) => eb.fn.max("day").as("day"))
      .where("entity_id", "=", desk.id)
      .executeTakeFirst();
    let day: string;
    if (last?.day) day = nextDay(String(last.day));
    else {
      const first = await db
        .selectFrom("protocol_entries")
        .select((eb) => eb.fn.min("registered_at").as("at"))
        .where("entity_id", "=", desk.id)
        .executeTakeFirst();
      if (!first?.at) continue;
      day = romeDate(new Date(first.at as unknown as string));
    }
    for (let n = 0; day < today && n < (deps.maxDays ?? 400); n++, day = nextDay(day)) {
      const produced = await produceOne(db, deps, desk, day, now, 0);
      if (produced) report.produced.push(produced);
    }
    // Registrations of a day whose register was already produced (a remote register answering late): each
    // such day gets a supplementary register listing them (ADR 0028).
    const unlisted = await db
      .selectFrom("protocol_entries")
      .select("registered_at")
      .where("entity_id", "=", desk.id)
      .where("daily_register_id", "is", null)
      .where("registered_at", "<", romeDayStart(today))
      .execute();
    const days = [...new Set(unlisted.map((e) => romeDate(new Date(e.registered_at))))].sort();
    for (const late of days) {
      const last = await db
        .selectFrom("protocol_daily_registers")
        .select((eb) => eb.fn.max("supplement").as("n"))
        .where("entity_id", "=", desk.id)
        .where("day", "=", late)
        .executeTakeFirst();
      if (last?.n === null || last?.n === undefined) continue; // not produced yet: the day's register will list them
      const produced = await produceOne(db, deps, desk, late, now, Number(last.n) + 1);
      if (produced) report.produced.push(produced);
    }
  }
  return report;
}

async function produceOne(
  db: Kysely<Database>,
  deps: DailyRegisterDeps,
  desk: { id: number; code: string; name: string; pec: string | null },
  day: string,
  now: Date,
  /** 0: the day's register; 1, 2, ...: a supplement listing only the entries no register listed yet */
  supplement: number,
) {
  const from = romeDayStart(day);
  const to = romeDayStart(nextDay(day));
  let entriesQuery = db
    .selectFrom("protocol_entries")
    .select(["id", "label", "registered_at", "direction", "subject", "document_sha256", "registry"])
    .where("entity_id", "=", desk.id)
    .where("registered_at", ">=", from)
    .where("registered_at", "<", to);
  if (supplement > 0) entriesQuery = entriesQuery.where("daily_register_id", "is", null);
  const entries = await entriesQuery.orderBy("registered_at").orderBy("id").execute();
  if (supplement > 0 && entries.length === 0) return null;
  const annulmentsQuery = db
    .selectFrom("protocol_entries as p")
    .leftJoin("users as u", "u.id", "p.annulled_by")
    .select([
      "p.label",
      "p.annulled_at",
      "p.annulment_reason",
      "p.annulment_authorisation",
      "u.full_name as by",
    ])
    .where("p.entity_id", "=", desk.id)
    .where("p.annulled_at", ">=", from)
    .where("p.annulled_at", "<", to)
    .orderBy("p.annulled_at");
  // The annulments of a day are the desk's own acts, known when the day's register is made: a supplement
  // lists only the late registrations.
  const annulments = supplement > 0 ? [] : await annulmentsQuery.execute();
  const time = (d: Date | string) =>
    new Date(d).toLocaleTimeString("it-IT", { timeZone: "Europe/Rome", hour: "2-digit", minute: "2-digit" });
  const id = randomUUID();
  const code = verificationCode();
  const title =
    supplement > 0
      ? `Registro giornaliero di protocollo del ${italianDate(day)}, integrazione n. ${supplement}`
      : `Registro giornaliero di protocollo del ${italianDate(day)}`;
  const pdf = await renderPdf({
    locale: "it",
    kind: "registro_protocollo",
    title,
    issuer: { name: desk.name, pec: desk.pec ?? undefined },
    sections: [
      {
        heading: "Registro",
        rows: [
          ["Area organizzativa omogenea", desk.code],
          ["Giorno", italianDate(day)],
          ...(supplement > 0
            ? [
                [
                  "Integrazione",
                  `n. ${supplement}: registrazioni del giorno assegnate dal protocollo dopo la produzione del registro`,
                ] as [string, string],
              ]
            : []),
          ["Registrazioni del giorno", String(entries.length)],
          ["Annullamenti del giorno", String(annulments.length)],
        ],
      },
      {
        heading: "Registrazioni",
        ...(entries.length
          ? {
              table: {
                columns: ["Numero", "Ora", "Verso", "Oggetto", "Impronta SHA-256"],
                rows: entries.map((e) => [
                  e.label,
                  time(e.registered_at),
                  e.direction === "in" ? "Entrata" : "Uscita",
                  e.subject,
                  e.document_sha256 ?? "-",
                ]),
                widths: [0.2, 0.08, 0.1, 0.32, 0.3],
              },
            }
          : { paragraphs: ["Nessuna registrazione in questo giorno."] }),
      },
      {
        heading: "Annullamenti (art. 54 DPR 445/2000)",
        ...(annulments.length
          ? {
              table: {
                columns: ["Numero", "Ora", "Motivo", "Autorizzazione", "Da"],
                rows: annulments.map((a) => [
                  a.label,
                  time(a.annulled_at as Date),
                  a.annulment_reason ?? "",
                  a.annulment_authorisation ?? "-",
                  a.by ?? "-",
                ]),
                widths: [0.2, 0.08, 0.37, 0.18, 0.17],
              },
            }
          : { paragraphs: ["Nessun annullamento in questo giorno."] }),
      },
    ],
    verification: {
      code,
      url: `${deps.publicUrl.replace(/\/$/, "")}/scrivania/registro-protocollo/${id}`,
    },
    generatedAt: now.toISOString(),
  });
  const sealed = deps.sealer ? await deps.sealer.seal(pdf, { reason: title }) : pdf;
  const stored = await deps.files.put(sealed);
  const filename = `registro-protocollo_${desk.code}_${day}${supplement > 0 ? `_integrazione-${supplement}` : ""}.pdf`;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("protocol_daily_registers")
      .values({
        id,
        entity_id: desk.id,
        day,
        supplement,
        entries: entries.length,
        annulments: annulments.length,
        filename,
        storage_key: stored.key,
        sha256: stored.sha256,
        size: stored.size,
        seal: deps.sealer ? JSON.stringify(deps.sealer.info) : null,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(["entity_id", "day", "supplement"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!row) return null;
    if (entries.length)
      await trx
        .updateTable("protocol_entries")
        .set({ daily_register_id: id })
        .where(
          "id",
          "in",
          entries.map((e) => e.id),
        )
        .where("daily_register_id", "is", null)
        .execute();
    const payload: DepositPayload = { registerId: id };
    await enqueueCall(trx, {
      kind: "preservation",
      operation: "deposit",
      target: "remote",
      idempotencyKey: `preservation:registro:${desk.code}:${day}${supplement > 0 ? `:${supplement}` : ""}`,
      praticaId: null,
      payload: { ...payload },
      notBefore: now,
    });
    return { deskId: desk.id, day, entries: entries.length, annulments: annulments.length, supplement };
  });
}

/** The registers of a desk, newest first, for the desk's page. */
export async function listDailyRegisters(db: Kysely<Database>, deskId: number, limit = 60) {
  const rows = await db
    .selectFrom("protocol_daily_registers")
    .select([
      "id",
      "day",
      "supplement",
      "entries",
      "annulments",
      "filename",
      "sha256",
      "size",
      "deposit_status",
      "deposit_id",
      "deposit_error",
      "deposited_at",
      "created_at",
    ])
    .where("entity_id", "=", deskId)
    .orderBy("day", "desc")
    .orderBy("supplement", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...r,
    day: String(r.day),
    deposited_at: r.deposited_at ? new Date(r.deposited_at).toISOString() : null,
    created_at: new Date(r.created_at).toISOString(),
  }));
}
