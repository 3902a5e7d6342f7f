import { createPrivateKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCui, formatCui } from "~/domain/filing/cui";
import type { Database } from "~/server/db/schema.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { classify, compose } from "~/server/integrations/pec/envelope.server";
import { type PecDouble, startPecDouble } from "~/server/integrations/pec/double.server";
import { loadXmlSigner } from "~/server/integrations/pec/index.server";
import {
  readSegnatura,
  segnaturaXml,
  signXml,
  validateAgainstXsd,
  type XmlSigner,
} from "~/server/integrations/pec/segnatura.server";
import type { PecRuntime } from "~/server/integrations/pec/service.server";
import { smtpImapMailbox } from "~/server/integrations/pec/smtp-imap.server";
import { readMailboxOnce, pecSender } from "~/server/jobs/pec.server";
import { deliverDue } from "~/server/mail/outbox.server";
import { runtime } from "~/server/runtime.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { actAs, submittedPratica, useTestEnv } from "../desk/support";

const SUAP = "suap.altavaldicecina@pec.suap.test";
const ASL = "asl-tno@pec.enti.test";
const BUSINESS = "bottegarossi@pec.imprese.test";

const url = (scheme: string, user: string, pass: string, port: number) =>
  `${scheme}://${encodeURIComponent(user)}:${pass}@127.0.0.1:${port}${scheme === "imap" ? "/INBOX" : ""}?ignoreTLS=true`;

/** Another administration's signing key (the ASL signs its own segnatura). */
async function otherSigner(): Promise<XmlSigner> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = {
    name: "RSASSA-PKCS1-v1_5",
    hash: "SHA-256",
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "02",
    name: "CN=Azienda USL di prova",
    keys,
    signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    key: createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }),
    certificate: new Uint8Array(cert.rawData),
  };
}

describe.each(DATABASES)(
  "PEC with receipts and segnatura, against the provider double over loopback, on %s",
  (kind) => {
    let test: TestDatabase;
    let db: Kysely<Database>;
    let services: EngineServices;
    let double: PecDouble;
    let pec: PecRuntime;
    let asl: ReturnType<typeof smtpImapMailbox>;
    let aslSigner: XmlSigner;
    let praticaId: string;
    let cui: string;

    const deliver = () =>
      deliverDue(db, null, services.files, {
        from: SUAP,
        pec: pecSender(db, services, pec),
        channels: ["pec"],
      });
    const read = () => readMailboxOnce(db, services, pec);
    const aslSends = async (
      subject: string,
      attachments: { filename: string; contentType: string; content: Buffer }[] = [],
    ) =>
      asl.send({
        to: SUAP,
        subject,
        text: "Si trasmette il parere.",
        messageId: `<${crypto.randomUUID()}@pec.enti.test>`,
        attachments,
      });

    beforeAll(async () => {
      services = useTestEnv();
      test = await useMigratedDatabase(kind);
      db = test.handle.db;
      double = await startPecDouble({
        mailboxes: [
          { address: SUAP, password: "suap-pass" },
          { address: ASL, password: "asl-pass" },
          { address: BUSINESS, password: "impresa-pass" },
        ],
        // ARPAT has no mailbox at this provider: its delivery fails.
      });
      pec = {
        mailbox: smtpImapMailbox({
          address: SUAP,
          smtpUrl: url("smtp", SUAP, "suap-pass", double.smtpPort),
          imapUrl: url("imap", SUAP, "suap-pass", double.imapPort),
        }),
        signer: await loadXmlSigner(runtime.env),
      };
      asl = smtpImapMailbox({
        address: ASL,
        smtpUrl: url("smtp", ASL, "asl-pass", double.smtpPort),
        imapUrl: url("imap", ASL, "asl-pass", double.imapPort),
      });
      aslSigner = await otherSigner();
      const p = await submittedPratica(db, services, { regime: "autorizzazione", at: "2026-03-10" });
      praticaId = p.id;
      // A CUI of the SSU shape (the factory's is a short test one).
      cui = formatCui(buildCui("SUAP-AVC", "2026-03-10", 1, praticaId));
      await db.updateTable("pratiche").set({ cui }).where("id", "=", praticaId).execute();
      await actAs(db, services, "operatore@demo.test", praticaId, {
        type: "FORWARD_TO_AGENCIES",
        at: "2026-03-11",
        agencies: [
          { agencyId: "ASL-TNO", termDays: 20 },
          { agencyId: "ARPAT", termDays: 60 },
        ],
      });
    }, 180_000);
    afterAll(async () => {
      await pec?.mailbox.close();
      await asl?.close();
      await double?.close();
      await test?.drop();
    });

    it("a forwarding to an agency goes by PEC with a signed segnatura, gets acceptance and delivery, shows consegnata", async () => {
      const queued = await db.selectFrom("outbox").selectAll().where("recipient", "=", ASL).execute();
      expect(queued.length).toBeGreaterThan(0);
      expect(queued.every((m) => m.channel === "pec")).toBe(true);
      await deliver();
      const submitted = await db.selectFrom("outbox").selectAll().where("recipient", "=", ASL).execute();
      expect(submitted.every((m) => m.pec_status === "submitted")).toBe(true);

      const report = await read();
      expect(report.receipts).toBeGreaterThanOrEqual(2 * queued.length);
      const rows = await db.selectFrom("outbox").selectAll().where("recipient", "=", ASL).execute();
      for (const row of rows) {
        expect(row.pec_status).toBe("delivered");
        expect(row.pec_accepted_at).not.toBeNull();
        expect(row.pec_delivered_at).not.toBeNull();
        const receipts = await db
          .selectFrom("pec_receipts")
          .select("kind")
          .where("outbox_id", "=", row.id)
          .execute();
        expect(receipts.map((r) => r.kind).sort()).toEqual(["accettazione", "avvenuta-consegna"]);
        // The segnatura it carried is AgID's, valid against the XSD.
        const xml = (await services.files.get(row.segnatura_key!)).toString("utf8");
        expect(await validateAgainstXsd(xml)).toEqual([]);
      }
      // What the agency received: a busta di trasporto whose postacert.eml carries the desk's signed segnatura.
      const received: string[] = [];
      await asl.readUnseen(async ({ raw }) => {
        const c = await classify(raw);
        if (c.kind !== "certified") return;
        const part = c.original.attachments.find((a) => a.filename === "segnatura.xml");
        const s = await readSegnatura(part!.content.toString("utf8"));
        expect(s.mittente).toMatch(/SUAP/);
        received.push(s.oggetto);
      });
      expect(received.length).toBe(rows.length);
    });

    it("a failed delivery (no such mailbox) is recorded and alerts the desk", async () => {
      const rows = await db
        .selectFrom("outbox")
        .selectAll()
        .where("recipient", "=", "arpat@pec.enti.test")
        .execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.pec_status).toBe("not_delivered");
        expect(row.pec_error).toMatch(/inesistente/);
      }
      const alerts = await db
        .selectFrom("outbox")
        .selectAll()
        .where("template", "=", "pec_mancata_consegna")
        .execute();
      expect(alerts.length).toBe(rows.length);
      expect(alerts[0]!.pratica_id).toBe(praticaId);
    });

    it("the agency's reply by PEC naming the CUI is protocolled once on the pratica, and confirmed to the sender", async () => {
      const before = await db
        .selectFrom("protocol_entries")
        .select("id")
        .where("pratica_id", "=", praticaId)
        .execute();
      const segnatura = signXml(
        segnaturaXml({
          identificatore: {
            codiceAmministrazione: "ASL-TNO",
            codiceAOO: "ASL-TNO",
            codiceRegistro: "PG",
            numero: 4711,
            data: "2026-03-20",
          },
          oggetto: `Parere igienico-sanitario pratica ${cui}`,
          classifica: { denominazione: "Pareri", codice: "6.1" },
          mittente: {
            kind: "amministrazione",
            denominazione: "Azienda USL Toscana Nord Ovest",
            codiceIPA: "ASL-TNO",
            pec: ASL,
          },
          destinatari: [{ kind: "amministrazione", denominazione: "SUAP", codiceIPA: "SUAP-AVC", pec: SUAP }],
          documenti: [
            { nomeFile: "parere.pdf", mimeType: "application/pdf", content: Buffer.from("%PDF-1.7 parere") },
          ],
        }),
        aslSigner,
      );
      await aslSends("Parere di competenza", [
        { filename: "parere.pdf", contentType: "application/pdf", content: Buffer.from("%PDF-1.7 parere") },
        { filename: "segnatura.xml", contentType: "application/xml", content: Buffer.from(segnatura) },
      ]);
      const report = await read();
      expect(report.protocolled).toBe(1);
      const message = await db
        .selectFrom("pec_messages")
        .selectAll()
        .where("sender", "=", ASL)
        .executeTakeFirstOrThrow();
      expect(message).toMatchObject({ status: "protocolled", pratica_id: praticaId });
      expect(message.protocol_label).toMatch(/^SUAP-AVC\/\d{4}\/\d{7}$/);
      const after = await db
        .selectFrom("protocol_entries")
        .selectAll()
        .where("pratica_id", "=", praticaId)
        .execute();
      expect(after.length).toBe(before.length + 1);
      expect(after.find((e) => e.label === message.protocol_label)?.direction).toBe("in");
      // Through the engine: the pratica's hash-chained log has the result.
      const events = await db
        .selectFrom("events")
        .select(["type", "actor_kind"])
        .where("pratica_id", "=", praticaId)
        .execute();
      expect(
        events.some((e) => e.type === "INTEGRATION_RESULT" && e.actor_kind === "system:integration:pec"),
      ).toBe(true);
      // The conferma di ricezione goes back to the ASL by PEC.
      const conferma = await db
        .selectFrom("outbox")
        .selectAll()
        .where("template", "=", "pec_conferma_ricezione")
        .executeTakeFirstOrThrow();
      expect(conferma).toMatchObject({ recipient: ASL, channel: "pec" });
      const xml = (
        await services.files.get((conferma.attachments as { storageKey: string }[])[0]!.storageKey)
      ).toString("utf8");
      expect(await validateAgainstXsd(xml, "pec_message")).toEqual([]);
    });

    it("a second fetch protocols nothing new, even when the provider hands the same envelope again", async () => {
      const entries = async () => (await db.selectFrom("protocol_entries").select("id").execute()).length;
      const count = await entries();
      const again = await read();
      expect(again).toMatchObject({ read: 0, protocolled: 0, inbox: 0, refused: 0 });
      // The same busta (same Message-ID) delivered to the mailbox once more:
      const busta = double
        .messages(SUAP)
        .find((raw) => raw.toString("latin1").includes("X-Trasporto: posta-certificata"))!;
      double.inject(SUAP, busta);
      const replay = await read();
      expect(replay).toMatchObject({ read: 1, duplicates: 1, protocolled: 0 });
      expect(await entries()).toBe(count);
    });

    it("refuses what is not a PEC envelope, a forged segnatura, a receipt for an unknown message; unknown subjects wait in the inbox", async () => {
      double.inject(
        SUAP,
        await compose({
          from: "spam@example.test",
          to: SUAP,
          subject: "Offerta",
          text: "Ciao",
          messageId: "<spam1@example.test>",
        }),
      );
      const forged = signXml(
        segnaturaXml({
          identificatore: {
            codiceAmministrazione: "ASL-TNO",
            codiceAOO: "ASL-TNO",
            codiceRegistro: "PG",
            numero: 4712,
            data: "2026-03-21",
          },
          oggetto: `Parere pratica ${cui}`,
          classifica: { denominazione: "Pareri", codice: "6.1" },
          mittente: { kind: "amministrazione", denominazione: "Azienda USL", codiceIPA: "ASL-TNO", pec: ASL },
          destinatari: [{ kind: "amministrazione", denominazione: "SUAP", codiceIPA: "SUAP-AVC", pec: SUAP }],
          documenti: [{ nomeFile: "parere.pdf", mimeType: "application/pdf", content: Buffer.from("x") }],
        }),
        aslSigner,
      ).replace("Parere pratica", "Diniego pratica");
      await aslSends("Parere modificato", [
        { filename: "segnatura.xml", contentType: "application/xml", content: Buffer.from(forged) },
      ]);
      await aslSends("Richiesta informazioni generiche");
      const unknownReceipt = await compose({
        from: "posta-certificata@pec-double.localhost",
        to: SUAP,
        subject: "CONSEGNA: qualcosa",
        messageId: "<r-unknown@pec-double.localhost>",
        headers: {
          "X-Ricevuta": "avvenuta-consegna",
          "X-Riferimento-Message-ID": "<mai-inviato@pec.suap.test>",
        },
        text: "ricevuta",
        attachments: [
          {
            filename: "daticert.xml",
            contentType: "application/xml",
            content:
              '<?xml version="1.0"?><postacert tipo="avvenuta-consegna" errore="nessuno"><intestazione><mittente>x@y</mittente></intestazione><dati><msgid>&lt;mai-inviato@pec.suap.test&gt;</msgid></dati></postacert>',
          },
        ],
      });
      double.inject(SUAP, unknownReceipt);
      const report = await read();
      expect(report).toMatchObject({ refused: 3, inbox: 1, protocolled: 0 });
      const refused = await db
        .selectFrom("pec_messages")
        .select(["reason", "sender"])
        .where("status", "=", "refused")
        .execute();
      const reasons = refused.map((r) => r.reason).join("\n");
      expect(reasons).toMatch(/Non è una busta PEC/);
      expect(reasons).toMatch(/alterato/);
      expect(reasons).toMatch(/messaggio sconosciuto/);
      // The forged one gets a notifica di eccezione back.
      const eccezione = await db
        .selectFrom("outbox")
        .selectAll()
        .where("template", "=", "pec_notifica_eccezione")
        .execute();
      expect(eccezione.map((e) => e.recipient)).toEqual([ASL]);
      const inbox = await db.selectFrom("pec_messages").selectAll().where("status", "=", "inbox").execute();
      expect(inbox.map((m) => m.subject)).toEqual(["Richiesta informazioni generiche"]);
    });

    it("with the IMAP server down nothing is lost: the messages are read when it is back", async () => {
      await double.stopImap();
      // This time the subject names the pratica by its protocol number.
      const { protocol_number } = await db
        .selectFrom("pratiche")
        .select("protocol_number")
        .where("id", "=", praticaId)
        .executeTakeFirstOrThrow();
      expect(protocol_number).toMatch(/\/\d{7}$/);
      await aslSends(`Integrazione al parere, vs. prot. ${protocol_number}`);
      await expect(read()).rejects.toThrow();
      await double.startImap();
      pec.mailbox = smtpImapMailbox({
        address: SUAP,
        smtpUrl: url("smtp", SUAP, "suap-pass", double.smtpPort),
        imapUrl: url("imap", SUAP, "suap-pass", double.imapPort),
      });
      const report = await read();
      expect(report.protocolled).toBe(1);
    });
  },
);
