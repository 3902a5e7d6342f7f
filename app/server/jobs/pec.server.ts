import type { Kysely } from "kysely";
import type { Database } from "../db/schema.server";
import { dispatchResult, wouldAccept } from "../engine/engine.server";
import type { EngineServices } from "../engine/types.server";
import type { Env } from "../env.server";
import type { PecSender } from "../mail/outbox.server";
import { pecRuntime } from "../integrations/pec/index.server";
import {
  type ReadReport,
  readPecMailbox,
  submitPec,
  type PecRuntime,
} from "../integrations/pec/service.server";
import { singleton } from "../singleton.server";

/**
 * The PEC side of the worker: the outbox's PEC rows are submitted through the PEC port (see deliverDue's
 * `pec`), and the mailbox is read every PEC_POLL_SECONDS. A read that fails (IMAP down) loses nothing: the
 * messages stay unseen at the provider and are read at the next pass; the failure is logged and shown on
 * /scrivania/posta.
 */

export const pecStatus = singleton<{
  lastReadAt?: string;
  lastError?: string;
  lastErrorAt?: string;
  last?: ReadReport;
}>("pec-status", () => ({}));

export function pecSender(db: Kysely<Database>, services: EngineServices, pec: PecRuntime): PecSender {
  return (row, attachments) => submitPec(db, services.files, pec, row, attachments);
}

export async function pecOrNull(env: Env, db: Kysely<Database>) {
  try {
    return await pecRuntime(env, db);
  } catch (error) {
    pecStatus.lastError = `Avvio PEC non riuscito: ${(error as Error).message}`;
    pecStatus.lastErrorAt = new Date().toISOString();
    console.error(`[pec] ${pecStatus.lastError}`);
    return null;
  }
}

/** One read of the SUAP's PEC mailbox, results through the engine. */
export async function readMailboxOnce(db: Kysely<Database>, services: EngineServices, pec: PecRuntime) {
  try {
    const report = await readPecMailbox(db, pec, {
      files: services.files,
      publicUrl: services.publicUrl,
      dispatch: (trx, request) => dispatchResult(trx, services, request),
      wouldAccept,
    });
    pecStatus.lastReadAt = new Date().toISOString();
    pecStatus.last = report;
    pecStatus.lastError = undefined;
    return report;
  } catch (error) {
    pecStatus.lastError = `Lettura della casella PEC non riuscita: ${(error as Error).message}`;
    pecStatus.lastErrorAt = new Date().toISOString();
    console.error(`[pec] ${pecStatus.lastError}`);
    throw error;
  }
}
