import type { Kysely } from "kysely";
import type { Database } from "~/server/db/schema.server";
import { dispatchResult } from "~/server/engine/engine.server";
import { startPecDouble } from "~/server/integrations/pec/double.server";
import { compose } from "~/server/integrations/pec/envelope.server";
import { loadXmlSigner } from "~/server/integrations/pec/index.server";
import { DEFAULT_DEV_PEC_ADDRESS } from "~/server/integrations/pec/inbox.server";
import { readPecMailbox } from "~/server/integrations/pec/service.server";
import { smtpImapMailbox } from "~/server/integrations/pec/smtp-imap.server";
import { runtime } from "~/server/runtime.server";
import { engineServices } from "~/server/services.server";

export const PEC_E2E = {
  sender: "comune.altrove@pec.comuni.test",
  subject: "Richiesta di informazioni sullo sportello",
  secondSubject: "Comunicazione senza pratica",
};

/**
 * Fills the desk's PEC inbox the way production does: certified messages sent through a provider double
 * and read from the SUAP's mailbox over IMAP (two naming no pratica), plus one that is not a PEC envelope.
 */
export async function seedPecInbox(db: Kysely<Database>) {
  const password = "e2e-pec";
  const double = await startPecDouble({
    mailboxes: [
      { address: DEFAULT_DEV_PEC_ADDRESS, password },
      { address: PEC_E2E.sender, password },
    ],
  });
  const url = (scheme: string, user: string, port: number) =>
    `${scheme}://${encodeURIComponent(user)}:${password}@127.0.0.1:${port}${scheme === "imap" ? "/INBOX" : ""}?ignoreTLS=true`;
  const sender = smtpImapMailbox({
    address: PEC_E2E.sender,
    smtpUrl: url("smtp", PEC_E2E.sender, double.smtpPort),
    imapUrl: url("imap", PEC_E2E.sender, double.imapPort),
  });
  for (const subject of [PEC_E2E.subject, PEC_E2E.secondSubject])
    await sender.send({
      to: DEFAULT_DEV_PEC_ADDRESS,
      subject,
      text: "Buongiorno, si chiedono informazioni.",
      messageId: `<${crypto.randomUUID()}@pec.comuni.test>`,
      attachments: [],
    });
  double.inject(
    DEFAULT_DEV_PEC_ADDRESS,
    await compose({
      from: "spam@example.test",
      to: DEFAULT_DEV_PEC_ADDRESS,
      subject: "Offerta imperdibile",
      text: "x",
    }),
  );
  const services = engineServices(runtime.env);
  await readPecMailbox(
    db,
    {
      mailbox: smtpImapMailbox({
        address: DEFAULT_DEV_PEC_ADDRESS,
        smtpUrl: url("smtp", DEFAULT_DEV_PEC_ADDRESS, double.smtpPort),
        imapUrl: url("imap", DEFAULT_DEV_PEC_ADDRESS, double.imapPort),
      }),
      signer: await loadXmlSigner(runtime.env),
    },
    {
      files: services.files,
      publicUrl: services.publicUrl,
      dispatch: (trx, r) => dispatchResult(trx, services, r),
    },
  );
  await sender.close();
  await double.close();
}
