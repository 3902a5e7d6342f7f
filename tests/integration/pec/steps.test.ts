import { createPrivateKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCui, formatCui } from "~/domain/filing/cui";
import type { Database } from "~/server/db/schema.server";
import { todayInRome } from "~/server/engine/deadlines.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { type PecDouble, startPecDouble } from "~/server/integrations/pec/double.server";
import { loadXmlSigner } from "~/server/integrations/pec/index.server";
import { segnaturaXml, signXml, type XmlSigner } from "~/server/integrations/pec/segnatura.server";
import type { PecRuntime } from "~/server/integrations/pec/service.server";
import { smtpImapMailbox } from "~/server/integrations/pec/smtp-imap.server";
import { esitoXml, pecOpinionDraft } from "~/server/integrations/pec/steps.server";
import { readMailboxOnce } from "~/server/jobs/pec.server";
import { runtime } from "~/server/runtime.server";
import { addDays } from "../../../workflows/clock";
import { actAs, submittedPratica, useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";

/**
 * Issue 17 / ADR 0028: an incoming PEC steps the pratica through the one engine path. An agency's signed
 * opinion with its structured outcome is AGENCY_CONCLUSION spoken by the agency; a business's integration on a
 * pratica waiting for one is INTEGRATION_RECEIVED with its files; anything else is a received document with the
 * reviewer's act pre-filled. Protocolled once; a second fetch protocols nothing new.
 */

const SUAP = "suap.altavaldicecina@pec.suap.test";
const ASL = "asl-tno@pec.enti.test";
const BUSINESS = "bottegarossi@pec.imprese.test";
const PDF = Buffer.from("%PDF-1.7\n% parere firmato\n");

const url = (scheme: string, user: string, pass: string, port: number) =>
  `${scheme}://${encodeURIComponent(user)}:${pass}@127.0.0.1:${port}${scheme === "imap" ? "/INBOX" : ""}?ignoreTLS=true`;

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
    serialNumber: "03",
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

describe.each(DATABASES)("an incoming PEC steps the pratica through the engine, on %s", (kind) => {
  let test: TestDatabase;
  let db: Kysely<Database>;
  let services: EngineServices;
  let double: PecDouble;
  let pec: PecRuntime;
  let asl: ReturnType<typeof smtpImapMailbox>;
  let business: ReturnType<typeof smtpImapMailbox>;
  let aslSigner: XmlSigner;
  const today = todayInRome();
  let numero = 9000;

  const read = () => readMailboxOnce(db, services, pec);

  /** A pratica forwarded to the ASL, with a CUI of the SSU shape. */
  async function forwarded() {
    const p = await submittedPratica(db, services, { regime: "autorizzazione", at: addDays(today, -3) });
    const cui = formatCui(buildCui("SUAP-AVC", addDays(today, -3), numero++, p.id));
    await db.updateTable("pratiche").set({ cui }).where("id", "=", p.id).execute();
    await actAs(db, services, "operatore@demo.test", p.id, {
      type: "FORWARD_TO_AGENCIES",
      at: addDays(today, -2),
      agencies: [
        { agencyId: "ASL-TNO", termDays: 30 },
        { agencyId: "ARPAT", termDays: 60 },
      ],
    });
    return { id: p.id, cui };
  }

  /** The ASL's reply: its signed segnatura lists `listed` with their digests; `sent` are attached. */
  function aslReply(
    cui: string,
    opts: {
      oggetto: string;
      listed: { filename: string; content: Buffer; mime: string }[];
      sent?: { filename: string; content: Buffer; mime: string }[];
    },
  ) {
    const segnatura = signXml(
      segnaturaXml({
        identificatore: {
          codiceAmministrazione: "ASL-TNO",
          codiceAOO: "ASL-TNO",
          codiceRegistro: "PG",
          numero: numero++,
          data: today,
        },
        oggetto: `${opts.oggetto} pratica ${cui}`,
        classifica: { denominazione: "Pareri", codice: "6.1" },
        mittente: {
          kind: "amministrazione",
          denominazione: "Azienda USL Toscana Nord Ovest",
          codiceIPA: "ASL-TNO",
          pec: ASL,
        },
        destinatari: [{ kind: "amministrazione", denominazione: "SUAP", codiceIPA: "SUAP-AVC", pec: SUAP }],
        documenti: opts.listed.map((f) => ({ nomeFile: f.filename, mimeType: f.mime, content: f.content })),
      }),
      aslSigner,
    );
    return asl.send({
      to: SUAP,
      subject: opts.oggetto,
      text: "Si trasmette il parere di competenza.",
      messageId: `<${crypto.randomUUID()}@pec.enti.test>`,
      attachments: [
        ...(opts.sent ?? opts.listed).map((f) => ({
          filename: f.filename,
          contentType: f.mime,
          content: f.content,
        })),
        { filename: "segnatura.xml", contentType: "application/xml", content: Buffer.from(segnatura) },
      ],
    });
  }

  const entriesOf = async (praticaId: string) =>
    db.selectFrom("protocol_entries").selectAll().where("pratica_id", "=", praticaId).execute();
  const agencyRow = async (praticaId: string) =>
    db
      .selectFrom("pratica_agencies as pa")
      .innerJoin("entities as e", "e.id", "pa.agency_id")
      .select(["pa.status", "pa.outcome"])
      .where("pa.pratica_id", "=", praticaId)
      .where("e.code", "=", "ASL-TNO")
      .executeTakeFirstOrThrow();

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
    business = smtpImapMailbox({
      address: BUSINESS,
      smtpUrl: url("smtp", BUSINESS, "impresa-pass", double.smtpPort),
      imapUrl: url("imap", BUSINESS, "impresa-pass", double.imapPort),
    });
    aslSigner = await otherSigner();
  }, 180_000);
  afterAll(async () => {
    await pec?.mailbox.close();
    await asl?.close();
    await business?.close();
    await double?.close();
    await test?.drop();
  });

  it("the ASL's signed opinion with its outcome steps AGENCY_CONCLUSION, protocolled once, the PDF on the pratica", async () => {
    const { id, cui } = await forwarded();
    const before = await entriesOf(id);
    expect(await agencyRow(id)).toMatchObject({ status: "pending" });
    const esito = Buffer.from(esitoXml("favorevole_con_prescrizioni", "Aerazione naturale dei locali."));
    await aslReply(cui, {
      oggetto: "Parere igienico-sanitario",
      listed: [
        { filename: "parere.pdf", content: PDF, mime: "application/pdf" },
        { filename: "esito.xml", content: esito, mime: "application/xml" },
      ],
    });
    const report = await read();
    expect(report).toMatchObject({ protocolled: 1, refused: 0, inbox: 0 });

    expect(await agencyRow(id)).toEqual({ status: "concluded", outcome: "conformation" });
    const events = await db
      .selectFrom("events")
      .select(["type", "actor_kind", "payload"])
      .where("pratica_id", "=", id)
      .orderBy("seq")
      .execute();
    const conclusion = events.find((e) => e.type === "AGENCY_CONCLUSION");
    expect(conclusion?.actor_kind).toBe(`pec:agency:${ASL}`);
    expect(conclusion?.payload).toMatchObject({
      agencyId: "ASL-TNO",
      outcome: "conformation",
      reasons: "Aerazione naturale dei locali.",
    });
    // Protocolled ONCE, by the step's own incoming registration (no second "PEC da" entry).
    const after = await entriesOf(id);
    const added = after.filter((e) => !before.some((b) => b.id === e.id));
    expect(added.filter((e) => e.direction === "in")).toHaveLength(1);
    const message = await db
      .selectFrom("pec_messages")
      .selectAll()
      .where("pratica_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(message).toMatchObject({ status: "protocolled", stepped_event: "AGENCY_CONCLUSION" });
    // Nothing left to pre-fill: the act was done by the PEC.
    expect(await pecOpinionDraft(db, id, [message.agency_id!])).toBeNull();
    expect(message.protocol_label).toBe(added.find((e) => e.direction === "in")?.label);
    const files = await db
      .selectFrom("attachments")
      .select(["filename", "purpose", "uploaded_by", "pec_message_id", "sha256"])
      .where("pratica_id", "=", id)
      .where("pec_message_id", "is not", null)
      .execute();
    expect(files).toEqual([
      expect.objectContaining({
        filename: "parere.pdf",
        purpose: "opinion",
        uploaded_by: null,
        pec_message_id: message.id,
      }),
    ]);
    expect((await services.files.get((await fileKey(id, "parere.pdf"))!)).equals(PDF)).toBe(true);

    // A second fetch protocols nothing new, even when the provider hands the same busta again.
    const again = await read();
    expect(again).toMatchObject({ read: 0, protocolled: 0 });
    const busta = double.messages(SUAP).find((raw) => {
      const text = raw.toString("latin1");
      return text.includes("X-Trasporto: posta-certificata") && text.includes("Parere igienico-sanitario");
    });
    expect(busta).toBeDefined();
    double.inject(SUAP, busta!);
    const replay = await read();
    expect(replay).toMatchObject({ read: 1, duplicates: 1, protocolled: 0 });
    expect((await entriesOf(id)).length).toBe(after.length);
    const conclusions = await db
      .selectFrom("events")
      .select("seq")
      .where("pratica_id", "=", id)
      .where("type", "=", "AGENCY_CONCLUSION")
      .execute();
    expect(conclusions).toHaveLength(1);
  });

  async function fileKey(praticaId: string, filename: string) {
    const row = await db
      .selectFrom("attachments")
      .select("storage_key")
      .where("pratica_id", "=", praticaId)
      .where("filename", "=", filename)
      .executeTakeFirst();
    return row?.storage_key;
  }

  it("an opinion whose outcome is not covered by the signed segnatura lands as a received document, the act pre-filled", async () => {
    const { id, cui } = await forwarded();
    const signedEsito = Buffer.from(esitoXml("favorevole"));
    const tampered = Buffer.from(esitoXml("contrario", "Locali non idonei."));
    await aslReply(cui, {
      oggetto: "Parere",
      listed: [
        { filename: "parere.pdf", content: PDF, mime: "application/pdf" },
        { filename: "esito.xml", content: signedEsito, mime: "application/xml" },
      ],
      sent: [
        { filename: "parere.pdf", content: PDF, mime: "application/pdf" },
        { filename: "esito.xml", content: tampered, mime: "application/xml" },
      ],
    });
    expect(await read()).toMatchObject({ protocolled: 1 });
    expect(await agencyRow(id)).toMatchObject({ status: "pending" });
    const message = await db
      .selectFrom("pec_messages")
      .selectAll()
      .where("pratica_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(message).toMatchObject({
      status: "protocolled",
      stepped_event: null,
      suggested_outcome: "negative",
    });
    expect(message.agency_id).not.toBeNull();
    // The reviewer's act is pre-filled with what the (unsigned) esito says.
    expect(await pecOpinionDraft(db, id, [message.agency_id!])).toMatchObject({
      outcome: "negative",
      protocolLabel: message.protocol_label,
    });
    const events = await db.selectFrom("events").select("type").where("pratica_id", "=", id).execute();
    expect(events.map((e) => e.type)).not.toContain("AGENCY_CONCLUSION");
    expect(events.map((e) => e.type)).toContain("INTEGRATION_RESULT");
    const files = await db
      .selectFrom("attachments")
      .select(["filename", "purpose"])
      .where("pec_message_id", "=", message.id)
      .execute();
    expect(files).toEqual([{ filename: "parere.pdf", purpose: "pec" }]);
  });

  it("an opinion without a structured outcome is received; its subject's words pre-fill the act", async () => {
    const { id, cui } = await forwarded();
    await aslReply(cui, {
      oggetto: "Parere favorevole con prescrizioni",
      listed: [{ filename: "parere.pdf", content: PDF, mime: "application/pdf" }],
    });
    expect(await read()).toMatchObject({ protocolled: 1 });
    expect(await agencyRow(id)).toMatchObject({ status: "pending" });
    const message = await db
      .selectFrom("pec_messages")
      .selectAll()
      .where("pratica_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(message).toMatchObject({ stepped_event: null, suggested_outcome: "conformation" });
  });

  it("a business's integration by PEC on a pratica waiting for one steps INTEGRATION_RECEIVED with its files", async () => {
    const { id, cui } = await forwarded();
    await actAs(db, services, "operatore@demo.test", id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: addDays(today, -1),
      answerDays: 30,
      items: ["Planimetria aggiornata"],
    });
    const waiting = await db
      .selectFrom("pratiche")
      .select(["status", "suspended"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const before = await entriesOf(id);
    const planimetria = Buffer.from("%PDF-1.7\n% planimetria\n");
    await business.send({
      to: SUAP,
      subject: `Integrazione pratica ${cui}`,
      text: "In allegato la planimetria richiesta.",
      messageId: `<${crypto.randomUUID()}@pec.imprese.test>`,
      attachments: [{ filename: "planimetria.pdf", contentType: "application/pdf", content: planimetria }],
    });
    expect(await read()).toMatchObject({ protocolled: 1 });
    const events = await db
      .selectFrom("events")
      .select(["type", "actor_kind"])
      .where("pratica_id", "=", id)
      .orderBy("seq", "desc")
      .execute();
    expect(events[0]).toEqual({ type: "INTEGRATION_RECEIVED", actor_kind: `pec:applicant:${BUSINESS}` });
    const now = await db
      .selectFrom("pratiche")
      .select(["status", "suspended"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(waiting.suspended).toBe(true);
    expect(now.suspended).toBe(false);
    const files = await db
      .selectFrom("attachments")
      .select(["filename", "purpose", "code", "uploaded_by"])
      .where("pratica_id", "=", id)
      .where("pec_message_id", "is not", null)
      .execute();
    expect(files).toEqual([
      { filename: "planimetria.pdf", purpose: "integration", code: "INTEGRAZIONE", uploaded_by: null },
    ]);
    const added = (await entriesOf(id)).filter((e) => !before.some((b) => b.id === e.id));
    expect(added.filter((e) => e.direction === "in")).toHaveLength(1);

    // The same business writing again, now that nothing is awaited: a received document, no step.
    await business.send({
      to: SUAP,
      subject: `Ulteriore documentazione pratica ${cui}`,
      text: "Altro.",
      messageId: `<${crypto.randomUUID()}@pec.imprese.test>`,
      attachments: [{ filename: "foto.pdf", contentType: "application/pdf", content: Buffer.from("%PDF-1") }],
    });
    expect(await read()).toMatchObject({ protocolled: 1 });
    const integrations = await db
      .selectFrom("events")
      .select("seq")
      .where("pratica_id", "=", id)
      .where("type", "=", "INTEGRATION_RECEIVED")
      .execute();
    expect(integrations).toHaveLength(1);
    const last = await db
      .selectFrom("pec_messages")
      .select(["stepped_event"])
      .where("subject", "like", "Ulteriore documentazione%")
      .executeTakeFirstOrThrow();
    expect(last.stepped_event).toBeNull();
  });
});
