import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import type { WorkflowEvent } from "../../../workflows/index";
import { enqueueCall } from "../integrations/queue.server";
import type { IntegrationResultEvent } from "../integrations/types.server";
import type { Database, Pratica } from "../db/schema.server";
import { type DocumentSpec, documentFileName, renderPdf, verificationCode } from "../documents/pdf.server";
import type { EngineServices, ExecutedDocument, StepView } from "./types.server";
import { italianDate } from "~/domain/dates";
import { documentWords, finalDueLabel, outcomeText, statusWithOutcome } from "~/i18n/modules/words";
import { asCatalogue, attachmentTitle, attachmentTitles } from "~/domain/filing/answers";

export type { ExecutedDocument };

/** Titles of the documents a step can produce (Italian: the language of the act), from app/i18n. */
export const DOCUMENT_TITLES: Record<string, string> = Object.fromEntries(
  Object.entries(documentWords).map(([kind, w]) => [kind, w.it]),
);

const NEXT_STEPS: Record<string, string[]> = {
  ricevuta: [
    "La pratica è stata assegnata allo Sportello competente, che ne verifica la completezza formale.",
    "Se servono documenti, riceverai una richiesta di integrazione con il termine per rispondere: il termine del procedimento resta sospeso fino alla risposta.",
    "Puoi seguire lo stato della pratica nella tua area personale, alla voce «Le mie pratiche».",
  ],
  richiesta_integrazione: [
    "Carica i documenti richiesti dalla pagina della pratica entro la data indicata.",
    "Il termine del procedimento è sospeso e riprende, per i giorni residui, quando l'integrazione arriva.",
  ],
  preavviso_rigetto: [
    "Entro 10 giorni puoi presentare per iscritto osservazioni, eventualmente corredate da documenti.",
    "Il termine del procedimento è sospeso e riprende 10 giorni dopo la presentazione delle osservazioni.",
  ],
  richiesta_conformazione: [
    "Conforma l'attività entro il termine indicato e comunica allo Sportello le misure adottate.",
  ],
  provvedimento: [
    "Contro il provvedimento è ammesso ricorso al TAR entro 60 giorni o ricorso straordinario al Presidente della Repubblica entro 120 giorni.",
  ],
};

const REGIME_LABELS: Record<string, string> = {
  comunicazione: "Comunicazione",
  scia: "SCIA (art. 19 L. 241/1990)",
  scia_unica: "SCIA unica (art. 19-bis c.2 L. 241/1990)",
  scia_condizionata: "SCIA condizionata (art. 19-bis c.3 L. 241/1990)",
  silenzio_assenso: "Silenzio-assenso (art. 20 L. 241/1990)",
  autorizzazione: "Autorizzazione (art. 7 DPR 160/2010)",
};

function itDate(iso: string | null | undefined) {
  return iso ? italianDate(iso) : "-";
}

/**
 * The act's content as rows a person reads: every value in words (outcomes, agencies by name, dates in
 * Italian), never a machine's code. A key this list does not know is left out rather than printed raw.
 */
export function describeData(
  data: Record<string, unknown>,
  names: Record<string, string> = {},
): [string, string][] {
  const rows: [string, string][] = [];
  const who = (code: unknown) => (code === "suap" ? "Sportello SUAP" : (names[String(code)] ?? "Ente terzo"));
  const date = (v: unknown) =>
    typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v) ? itDate(v) : String(v);
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || value === null || key === "protocol") continue;
    switch (key) {
      case "reasons":
        if (String(value)) rows.push(["Motivazione", String(value)]);
        break;
      case "items":
        if (Array.isArray(value) && value.length)
          rows.push(["Elementi richiesti", value.map(String).join("; ")]);
        break;
      case "due":
        rows.push(["Termine", date(value)]);
        break;
      case "answerDue":
        rows.push(["Rispondere entro il", date(value)]);
        break;
      case "finalDue":
        rows.push(["Termine di conclusione", date(value)]);
        break;
      case "termDays":
      case "answerDays":
        rows.push([key === "termDays" ? "Giorni assegnati" : "Giorni per rispondere", String(value)]);
        break;
      case "outcome":
        rows.push(["Esito", outcomeText("it", String(value))]);
        break;
      case "cause":
        rows.push(["Causa", outcomeText("it", String(value))]);
        break;
      case "ground":
        rows.push(["Motivo della chiusura", outcomeText("it", String(value))]);
        break;
      case "agencyId":
        rows.push(["Ente", who(value)]);
        break;
      case "agencies":
        if (Array.isArray(value) && value.length)
          rows.push([
            "Enti coinvolti",
            value
              .map((a: { agencyId?: string; termDays?: number }) =>
                a.termDays ? `${who(a.agencyId)} (${a.termDays} giorni)` : who(a.agencyId),
              )
              .join("; "),
          ]);
        break;
      case "requests":
        if (Array.isArray(value))
          for (const r of value as { from?: string; items?: string[] }[])
            rows.push([`Richiesto da ${who(r.from)}`, (r.items ?? []).join("; ") || "-"]);
        break;
      case "effective":
        if (value === true) rows.push(["Efficacia", "Efficace dalla data di presentazione"]);
        break;
      case "silentConsent":
        if (value === true) rows.push(["Esito", outcomeText("it", "silent_consent")]);
        break;
      default:
        break;
    }
  }
  return rows;
}

/** How a person was identified, as the receipt says it (SPID/CIE with their level of assurance). */
export function identificationText(method: string, loa: number): string {
  if (method === "spid") return `SPID, livello di sicurezza ${loa}`;
  if (method === "cie") return `CIE (Carta d'identità elettronica), livello di sicurezza ${loa}`;
  if (method === "oidc") return `Identità digitale, livello di sicurezza ${loa}`;
  if (method === "password_totp") return "Credenziali del portale con secondo fattore (codice temporaneo)";
  if (method === "password") return "Credenziali del portale (email e password)";
  return "Non registrata";
}

export async function issueDocument(
  trx: Transaction<Database>,
  services: EngineServices,
  input: {
    pratica: Pratica;
    desk: { id: number; code: string; name: string };
    kind: string;
    data: Record<string, unknown>;
    event: WorkflowEvent | IntegrationResultEvent;
    result: StepView;
    protocol: { id: number | null; label: string; at: Date };
    seq: number;
    now: Date;
  },
): Promise<ExecutedDocument> {
  const { pratica, desk, kind, result } = input;
  const [business, comune, attachments, deskEntity, entityNames] = await Promise.all([
    trx.selectFrom("businesses").selectAll().where("id", "=", pratica.business_id).executeTakeFirstOrThrow(),
    trx
      .selectFrom("entities")
      .select(["name", "istat_code"])
      .where("id", "=", pratica.municipality_id)
      .executeTakeFirstOrThrow(),
    trx
      .selectFrom("attachments")
      .select(["filename", "sha256", "code"])
      .where("pratica_id", "=", pratica.id)
      .where("purpose", "=", "filing")
      .orderBy("created_at")
      .execute(),
    trx.selectFrom("entities").select(["pec"]).where("id", "=", desk.id).executeTakeFirstOrThrow(),
    trx.selectFrom("entities").select(["code", "name"]).where("kind", "=", "ente_terzo").execute(),
  ]);
  const names = Object.fromEntries(entityNames.map((e) => [e.code, e.name]));
  const outcome =
    (pratica.snapshot as { context?: { decision?: { outcome?: string } | null } } | null)?.context?.decision
      ?.outcome ??
    (kind === "provvedimento" && typeof input.data.outcome === "string" ? input.data.outcome : null);
  const catalogue = await trx
    .selectFrom("catalogue_versions")
    .select("document")
    .where("id", "=", pratica.catalogue_version_id)
    .executeTakeFirst();
  const known = asCatalogue(catalogue?.document);
  const titles = known ? attachmentTitles(known, (pratica.usecases as string[]) ?? []) : {};
  const code = verificationCode();
  const title = DOCUMENT_TITLES[kind] ?? kind;
  const form = pratica.form_data as Record<string, unknown>;
  const sections: DocumentSpec["sections"] = [
    {
      heading: "Dati della pratica",
      rows: [
        ["Oggetto", pratica.title],
        ["Codice univoco (CUI)", pratica.cui ?? "-"],
        ["Protocollo di presentazione", pratica.protocol_number ?? "-"],
        ["Impresa", business.name],
        ["Codice fiscale", business.fiscal_code],
        ["Comune", comune.name],
        ["Regime", REGIME_LABELS[pratica.regime] ?? pratica.regime],
        ["Stato", statusWithOutcome("it", result.status, outcome)],
      ],
    },
  ];
  const details = describeData(input.data, names);
  if (details.length) sections.push({ heading: "Contenuto dell'atto", rows: details });
  if (kind === "ricevuta") {
    // Who filed it and how they were identified (issue 13): the SUBMIT entry of the audit log says it.
    const submitted = await trx
      .selectFrom("events")
      .select("actor_identity")
      .where("pratica_id", "=", pratica.id)
      .where("type", "=", "SUBMIT")
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    const who = submitted?.actor_identity;
    if (who) {
      sections.push({
        heading: "Presentata da",
        rows: [
          ["Nome e cognome", who.name || "-"],
          ["Codice fiscale", who.fiscalCode ?? "-"],
          ["Identificazione", identificationText(who.method, who.loa)],
        ],
      });
    }
    if (attachments.length) {
      sections.push({
        heading: "Allegati ricevuti",
        table: {
          columns: ["Documento", "File", "Impronta SHA-256"],
          rows: attachments.map((a) => [attachmentTitle(titles, a.code, "it"), a.filename, a.sha256]),
          widths: [0.22, 0.28, 0.5],
        },
      });
    }
    const routing = (pratica.competent_agencies ?? []) as {
      title?: { it: string };
      usecase: string;
      competentAdministration?: { name: string } | null;
      agencies?: { name: string }[];
    }[];
    if (routing.length) {
      sections.push({
        heading: "Procedimenti avviati",
        table: {
          columns: ["Procedimento", "Amministrazione competente", "Enti coinvolti"],
          rows: routing.map((r) => [
            r.title?.it ?? r.usecase,
            r.competentAdministration?.name ?? "-",
            (r.agencies ?? []).map((a) => a.name).join(", ") || "-",
          ]),
          widths: [0.4, 0.3, 0.3],
        },
      });
    }
    const stored = pratica.fees as {
      lines: { title: { it: string }; dirittiCents: number }[];
      applicationBolloCents: number;
      finalActBolloCents: number;
      totalCents: number;
    } | null;
    const euro = (c: number) =>
      new Intl.NumberFormat("it-IT", { style: "currency", currency: "EUR" }).format(c / 100);
    if (stored?.lines) {
      sections.push({
        heading: "Oneri",
        rows: [
          ...stored.lines.map(
            (l) => [`Diritti di istruttoria - ${l.title.it}`, euro(l.dirittiCents)] as [string, string],
          ),
          ["Imposta di bollo sulla domanda", euro(stored.applicationBolloCents)],
          ["Imposta di bollo sull'atto finale", euro(stored.finalActBolloCents)],
          ["Totale", euro(stored.totalCents)],
        ],
      });
    } else {
      const fees = form.__fees as { label: string; amount: string }[] | undefined;
      if (fees?.length) {
        sections.push({ heading: "Oneri", rows: fees.map((f) => [f.label, f.amount] as [string, string]) });
      }
    }
  }
  sections.push({
    heading: "Termini",
    rows: [
      [
        "Data di presentazione",
        itDate(
          pratica.submitted_at
            ? new Date(pratica.submitted_at as unknown as string).toISOString()
            : input.now.toISOString(),
        ),
      ],
      // one final date, with the words the pages use ("al più tardi" while the term is suspended)
      result.dueDates.final
        ? [finalDueLabel("it", result.suspended), itDate(result.dueDates.final)]
        : [
            "Termine di conclusione del procedimento",
            pratica.regime === "comunicazione"
              ? "Non previsto (efficace dalla presentazione)"
              : outcome
                ? `Procedimento concluso: ${outcomeText("it", outcome).toLowerCase()}`
                : "Non previsto",
          ],
      ...(result.dueDates.integration
        ? [["Termine per l'integrazione", itDate(result.dueDates.integration)] as [string, string]]
        : []),
      ...(result.suspended ? [["Stato del termine", "Sospeso"] as [string, string]] : []),
    ],
  });
  if (kind === "ricevuta" && !input.protocol.label) {
    // A remote protocol register numbers the pratica after this receipt: the receipt is not held back.
    sections.push({
      heading: "Protocollo",
      paragraphs: [
        `La pratica è stata ricevuta il ${itDate(input.now.toISOString())} con il codice univoco ${pratica.cui ?? "-"}. Il numero di protocollo è in corso di assegnazione da parte del registro di protocollo del Comune e ti sarà comunicato con un messaggio successivo. I termini del procedimento decorrono dalla data di presentazione.`,
      ],
    });
  }
  if (NEXT_STEPS[kind]) sections.push({ heading: "Cosa succede ora", paragraphs: NEXT_STEPS[kind] });

  const verifyUrl = `${services.publicUrl.replace(/\/$/, "")}/verifica/${code}`;
  const pdf = await renderPdf({
    locale: "it",
    kind,
    title,
    issuer: { name: desk.name, pec: deskEntity.pec ?? undefined },
    protocol: input.protocol.label
      ? { number: input.protocol.label, date: input.protocol.at.toISOString() }
      : undefined,
    cui: pratica.cui ?? undefined,
    recipient: { name: business.name, lines: [business.pec ? `PEC: ${business.pec}` : ""].filter(Boolean) },
    sections,
    verification: { code, url: verifyUrl },
    generatedAt: input.now.toISOString(),
  });
  // Sealed before hashing: the SHA-256 recorded and shown on /verifica is that of the sealed bytes. Only the
  // CPU part runs here (ADR 0016): a timestamp (TSA_URL) or a remote seal is queued and applied after COMMIT.
  // With a TSA the officer's signature gets its own timestamp (ADR 0024). It must be there before the seal
  // covers the officer's signature, so the officer signs now (room reserved for the token) and the seal is
  // deferred whole: the worker adds the officer's timestamp, then seals (with the seal's timestamp).
  const officer = kind === "provvedimento" ? services.officerSigner : undefined;
  const officerTimestamp = !!officer && officer.deferred === "timestamp" && !!services.sealer;
  const signed = officer
    ? await officer.sealNow(pdf, { reason: "Firma del responsabile del procedimento" })
    : pdf;
  const sealed =
    services.sealer && !officerTimestamp ? await services.sealer.sealNow(signed, { reason: title }) : signed;
  const deferred = officerTimestamp ? "seal" : (services.sealer?.deferred ?? null);
  const stored = await services.files.put(sealed);
  const id = randomUUID();
  const filename = documentFileName(kind, input.protocol.label || pratica.cui || undefined);
  await trx
    .insertInto("documents")
    .values({
      id,
      pratica_id: pratica.id,
      kind,
      title,
      filename,
      storage_key: stored.key,
      sha256: stored.sha256,
      size: stored.size,
      verification_code: code,
      issuer_entity_id: desk.id,
      event_seq: input.seq,
      created_at: input.now,
      seal: services.sealer ? JSON.stringify({ ...services.sealer.info, deferred }) : null,
      seal_status: deferred ? "pending" : null,
    })
    .execute();
  if (deferred) {
    await enqueueCall(trx, {
      kind: "seal",
      operation: "complete",
      target: "seal",
      idempotencyKey: `seal:${id}`,
      praticaId: pratica.id,
      payload: {
        documentId: id,
        reason: title,
        deferred,
        ...(officerTimestamp ? { officerTimestamp: true } : {}),
      },
      notBefore: input.now,
    });
  }
  if (input.protocol.id !== null) {
    await trx
      .updateTable("protocol_entries")
      // The registration carries the document's fingerprint (DPR 445/2000 art. 53).
      .set({ document_id: id, document_sha256: stored.sha256 })
      .where("id", "=", input.protocol.id)
      .execute();
  }
  return {
    id,
    kind,
    title,
    filename,
    storageKey: stored.key,
    sha256: stored.sha256,
    verificationCode: code,
    protocolLabel: input.protocol.label,
  };
}
