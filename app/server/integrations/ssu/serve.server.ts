import type { Env } from "../../env.server";
import { renderTemplate } from "../../../i18n/mail";
import { enqueue } from "../../mail/outbox.server";
import { findPratica } from "../../pratiche/repository.server";
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
    alert: async (trx, { praticaId, text, template = "ssu_ritrasmissione" }) => {
      console.warn(`[ssu] ${text}`);
      if (!praticaId) return;
      const p = await findPratica(trx, praticaId);
      if (!p) return;
      const [d, c, b] = await Promise.all([
        trx
          .selectFrom("entities")
          .select(["pec", "email", "name"])
          .where("id", "=", p.desk_id)
          .executeTakeFirst(),
        trx.selectFrom("entities").select("name").where("id", "=", p.municipality_id).executeTakeFirst(),
        trx.selectFrom("businesses").select("name").where("id", "=", p.business_id).executeTakeFirst(),
      ]);
      const desk = d && {
        id: p.id,
        cui: p.cui,
        title: p.title,
        protocol_number: p.protocol_number,
        status: p.status,
        due_date: p.due_date,
        pec: d.pec,
        email: d.email,
        desk: d.name,
        comune: c?.name ?? "",
        business: b?.name ?? "",
      };
      if (!desk) return;
      const recipients = [...new Set([desk.pec, desk.email].filter((a): a is string => !!a))];
      const rendered = renderTemplate(template, "it", {
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
          template,
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
