import type { Env } from "../../env.server";
import { renderTemplate } from "../../../i18n/mail";
import { enqueue } from "../../mail/outbox.server";
import { publicUrl } from "../../services.server";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.server";
import type { FileStore } from "../../storage.server";
import type { ResultDispatchFn } from "../types.server";
import { handleSsuRequest, type InboundDeps } from "./inbound.server";
import { ssuRuntime } from "./runtime.server";

/**
 * The inbound e-services wired to a configuration (used by the route app/routes/api.ssu.$service.$.ts and by
 * the tests, which serve several portals on loopback). The operator alert of a retry is a mail to the desk of
 * the pratica (PEC and e-mail) through the outbox.
 */
export async function ssuInboundDeps(
  env: Env,
  opts: { db: Kysely<Database>; files: FileStore; record: ResultDispatchFn; available: () => boolean },
): Promise<InboundDeps> {
  const rt = ssuRuntime(env);
  return {
    db: opts.db,
    config: rt.config,
    key: await rt.key(),
    resolveKey: rt.resolveKey,
    files: opts.files,
    catalogue: rt.catalogue,
    record: opts.record,
    available: opts.available,
    alert: async (trx, { praticaId, text }) => {
      console.warn(`[ssu] ${text}`);
      if (!praticaId) return;
      const desk = await trx
        .selectFrom("pratiche as p")
        .innerJoin("entities as d", "d.id", "p.desk_id")
        .innerJoin("entities as c", "c.id", "p.municipality_id")
        .innerJoin("businesses as b", "b.id", "p.business_id")
        .select([
          "p.id",
          "p.cui",
          "p.title",
          "p.protocol_number",
          "p.status",
          "p.due_date",
          "d.pec",
          "d.email",
          "d.name as desk",
          "c.name as comune",
          "b.name as business",
        ])
        .where("p.id", "=", praticaId)
        .executeTakeFirst();
      if (!desk) return;
      const recipients = [...new Set([desk.pec, desk.email].filter((a): a is string => !!a))];
      const rendered = renderTemplate("ssu_ritrasmissione", "it", {
        title: desk.title,
        cui: desk.cui ?? "",
        protocolNumber: desk.protocol_number,
        comune: desk.comune,
        business: desk.business,
        status: desk.status,
        desk: desk.desk,
        finalDue: desk.due_date,
        integrationDue: null,
        observationsDue: null,
        reasons: text,
        link: `${publicUrl(env).replace(/\/$/, "")}/scrivania/pratiche/${desk.id}`,
        audience: "desk",
      });
      await enqueue(
        trx,
        recipients.map((recipient) => ({
          dedupeKey: `ssu-retry:${praticaId}:${Date.now()}:${recipient}`,
          recipient,
          template: "ssu_ritrasmissione",
          subject: rendered.subject,
          text: rendered.text,
          praticaId,
        })),
      );
    },
  };
}

export async function serveSsu(request: Request, service: string, subpath: string, deps: InboundDeps) {
  return handleSsuRequest(request, service, subpath, deps);
}
