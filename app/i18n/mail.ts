import { italianDate } from "~/domain/dates";
import { statusText } from "./modules/words";

/**
 * Mail templates, Italian and English, modelled on the IO app's SUAP messages ("C'è un aggiornamento sulla tua
 * pratica", "Richiesta di integrazione entro il ...", "Esito della tua pratica"). Pure: the engine passes the
 * facts (codes and names, never words), the template gives subject and text, reading the status from the same
 * vocabulary as the pages. A name the machines emit without a template falls back to the generic update (a
 * unit test lists the names the machines emit and fails on any missing here).
 */
export interface TemplateFacts {
  title: string;
  cui: string;
  protocolNumber: string | null;
  comune: string;
  business: string;
  /** the pratica's status code after the step (`in_review`, `integration_expired`...) */
  status: string;
  /** the desk's name, from its entity row (the signature of every message) */
  desk: string;
  finalDue: string | null;
  /** the term is suspended: the final due date is the latest it can become ("al più tardi") */
  suspended?: boolean;
  integrationDue: string | null;
  observationsDue: string | null;
  reasons: string | null;
  link: string;
  audience: "applicant" | "desk" | "agency";
  /** pagoPA (issue 15): the payment deadline (ISO date) and the amount still due ("50,00"), for reminders */
  paymentDue?: string | null;
  paymentAmount?: string | null;
}

type Locale = "it" | "en";
interface Rendered {
  subject: string;
  text: string;
}

const fmt = (iso: string | null, locale: Locale) => {
  if (!iso) return locale === "it" ? "non ancora fissata" : "not set yet";
  return italianDate(iso);
};

function body(locale: Locale, f: TemplateFacts, lead: string, extra: string[] = []): string {
  const lines =
    locale === "it"
      ? [
          lead,
          "",
          `Pratica: ${f.title}`,
          `Codice (CUI): ${f.cui}`,
          f.protocolNumber ? `Protocollo: ${f.protocolNumber}` : null,
          `Impresa: ${f.business}`,
          `Comune: ${f.comune}`,
          `Stato: ${statusText("it", f.status)}`,
          ...extra,
          "",
          `Apri la pratica: ${f.link}`,
          "",
          `${f.desk} - messaggio automatico, non rispondere a questo indirizzo.`,
        ]
      : [
          lead,
          "",
          `Application: ${f.title}`,
          `Code (CUI): ${f.cui}`,
          f.protocolNumber ? `Protocol: ${f.protocolNumber}` : null,
          `Business: ${f.business}`,
          `Municipality: ${f.comune}`,
          `Status: ${statusText("en", f.status)}`,
          ...extra,
          "",
          `Open the application: ${f.link}`,
          "",
          `${f.desk} - automatic message, do not reply to this address.`,
        ];
  return lines.filter((l) => l !== null).join("\n");
}

const generic = (locale: Locale, f: TemplateFacts): Rendered =>
  locale === "it"
    ? {
        subject: `C'è un aggiornamento sulla tua pratica ${f.cui}`,
        text: body(locale, f, "C'è un aggiornamento sulla tua pratica presso lo Sportello Unico.", [
          f.reasons ? `Motivazione: ${f.reasons}` : "",
        ]),
      }
    : {
        subject: `There is an update on your application ${f.cui}`,
        text: body(locale, f, "There is an update on your application at the one-stop shop.", [
          f.reasons ? `Reasons: ${f.reasons}` : "",
        ]),
      };

const outcome = (locale: Locale, f: TemplateFacts, it: string, en: string): Rendered =>
  locale === "it"
    ? {
        subject: `Esito della tua pratica ${f.cui}`,
        text: body(locale, f, it, f.reasons ? [`Motivazione: ${f.reasons}`] : []),
      }
    : {
        subject: `Outcome of your application ${f.cui}`,
        text: body(locale, f, en, f.reasons ? [`Reasons: ${f.reasons}`] : []),
      };

/** A message to the desk or an agency about a step of a pratica. */
const notice = (
  locale: Locale,
  f: TemplateFacts,
  subjectIt: string,
  subjectEn: string,
  it: string,
  en: string,
): Rendered =>
  locale === "it"
    ? {
        subject: `${subjectIt}: pratica ${f.protocolNumber ?? f.cui}`,
        text: body(locale, f, it, f.reasons ? [`Motivazione: ${f.reasons}`] : []),
      }
    : {
        subject: `${subjectEn}: application ${f.protocolNumber ?? f.cui}`,
        text: body(locale, f, en, f.reasons ? [`Reasons: ${f.reasons}`] : []),
      };

const templates = {
  ricevuta: (l, f) =>
    l === "it"
      ? {
          subject: `Ricevuta della pratica ${f.protocolNumber ?? f.cui}`,
          text: body(
            l,
            f,
            f.protocolNumber
              ? "La tua pratica è stata ricevuta e protocollata. In allegato trovi la ricevuta."
              : "La tua pratica è stata ricevuta. In allegato trovi la ricevuta; il numero di protocollo ti arriverà con un messaggio successivo.",
            [
              `Termine di conclusione${f.suspended ? " (al più tardi, termine sospeso)" : ""}: ${fmt(f.finalDue, l)}`,
            ],
          ),
        }
      : {
          subject: `Receipt for application ${f.protocolNumber ?? f.cui}`,
          text: body(
            l,
            f,
            f.protocolNumber
              ? "Your application was received and registered. The receipt is attached."
              : "Your application was received. The receipt is attached; the protocol number will follow in a separate message.",
            [`Final due date${f.suspended ? " (at the latest, term suspended)" : ""}: ${fmt(f.finalDue, l)}`],
          ),
        },
  // Sent when a remote protocol register numbers a pratica after its receipt.
  protocollo_assegnato: (l, f) =>
    l === "it"
      ? {
          subject: `Numero di protocollo della pratica ${f.cui}: ${f.protocolNumber ?? ""}`,
          text: body(l, f, `La tua pratica è stata protocollata con il numero ${f.protocolNumber ?? ""}.`),
        }
      : {
          subject: `Protocol number of application ${f.cui}: ${f.protocolNumber ?? ""}`,
          text: body(l, f, `Your application was registered with protocol number ${f.protocolNumber ?? ""}.`),
        },
  // To the desk when a call to another system gave up after its retries (see /amministrazione/integrazioni).
  integrazione_in_errore: (l, f) =>
    notice(
      l,
      f,
      "Servizio esterno in errore",
      "External service failing",
      "Una chiamata a un servizio esterno per questa pratica non è andata a buon fine dopo i tentativi previsti. Un amministratore può riprovarla dalla pagina Integrazioni.",
      "A call to an external service for this application failed after its retries. An administrator can retry it from the Integrations page.",
    ),
  nuova_pratica: (l, f) =>
    l === "it"
      ? {
          subject: `Nuova pratica ${f.protocolNumber ?? f.cui}: ${f.title}`,
          text: body(l, f, "È arrivata una nuova pratica.", [
            `Termine di conclusione${f.suspended ? " (al più tardi, termine sospeso)" : ""}: ${fmt(f.finalDue, l)}`,
          ]),
        }
      : {
          subject: `New application ${f.protocolNumber ?? f.cui}: ${f.title}`,
          text: body(l, f, "A new application has arrived.", [
            `Final due date${f.suspended ? " (at the latest, term suspended)" : ""}: ${fmt(f.finalDue, l)}`,
          ]),
        },
  integration_requested: (l, f) =>
    l === "it"
      ? {
          subject: `Richiesta di integrazione entro il ${fmt(f.integrationDue, l)}`,
          text: body(
            l,
            f,
            `Per proseguire, lo Sportello ti chiede di integrare la pratica entro il ${fmt(f.integrationDue, l)}. Il termine del procedimento è sospeso fino alla tua risposta${f.finalDue ? `: si concluderà al più tardi il ${fmt(f.finalDue, l)}` : ""}. In allegato la richiesta con l'elenco dei documenti.`,
          ),
        }
      : {
          subject: `Request for more documents by ${fmt(f.integrationDue, l)}`,
          text: body(
            l,
            f,
            `To continue, the desk asks you to complete the application by ${fmt(f.integrationDue, l)}. The time limit is suspended until you answer${f.finalDue ? `: the procedure will end by ${fmt(f.finalDue, l)} at the latest` : ""}. The request with the list of documents is attached.`,
          ),
        },
  richiesta_regolarizzazione: (l, f) =>
    l === "it"
      ? {
          subject: `Regolarizza la tua pratica ${f.cui}`,
          text: body(
            l,
            f,
            "La pratica è incompleta nella forma: in allegato cosa correggere e entro quando.",
            f.reasons ? [`Motivazione: ${f.reasons}`] : [],
          ),
        }
      : {
          subject: `Please correct your application ${f.cui}`,
          text: body(
            l,
            f,
            "The application is formally incomplete: the attachment says what to correct and by when.",
            f.reasons ? [`Reasons: ${f.reasons}`] : [],
          ),
        },
  preavviso_rigetto: (l, f) =>
    l === "it"
      ? {
          subject: `Preavviso di rigetto: osservazioni entro il ${fmt(f.observationsDue, l)}`,
          text: body(
            l,
            f,
            `Prima di decidere, lo Sportello ti comunica i motivi che ostano all'accoglimento (art. 10-bis L. 241/1990). Puoi presentare osservazioni entro il ${fmt(f.observationsDue, l)}.`,
            f.reasons ? [`Motivi: ${f.reasons}`] : [],
          ),
        }
      : {
          subject: `Notice before refusal: observations by ${fmt(f.observationsDue, l)}`,
          text: body(
            l,
            f,
            `Before deciding, the desk tells you why the application cannot be granted (art. 10-bis L. 241/1990). You can send observations by ${fmt(f.observationsDue, l)}.`,
            f.reasons ? [`Reasons: ${f.reasons}`] : [],
          ),
        },
  end_by_positive_outcome: (l, f) =>
    outcome(
      l,
      f,
      "La tua pratica si è conclusa con esito positivo. In allegato il provvedimento.",
      "Your application ended with a positive outcome. The decision is attached.",
    ),
  end_by_negative_outcome: (l, f) =>
    outcome(
      l,
      f,
      "La tua pratica si è conclusa con esito negativo. In allegato il provvedimento con le motivazioni e i mezzi di tutela.",
      "Your application was refused. The decision with reasons and remedies is attached.",
    ),
  end_by_instance_refused: (l, f) =>
    outcome(
      l,
      f,
      "La pratica è stata dichiarata irricevibile.",
      "The application was declared inadmissible.",
    ),
  end_by_office_cancel: (l, f) =>
    outcome(
      l,
      f,
      "Lo Sportello ha chiuso il procedimento senza decisione: la pratica non produce effetti. In allegato la comunicazione con la motivazione.",
      "The desk has closed the procedure without a decision: the application has no effect. The notice with the reasons is attached.",
    ),
  end_by_suspension_requested: (l, f) =>
    outcome(
      l,
      f,
      "Lo Sportello ha disposto il divieto di prosecuzione dell'attività.",
      "The desk has ordered the activity to stop.",
    ),
  end_by_conformation_requested: (l, f) =>
    l === "it"
      ? {
          subject: `Richiesta di conformazione per la pratica ${f.cui}`,
          text: body(
            l,
            f,
            "Lo Sportello ti chiede di conformare l'attività alla normativa entro il termine indicato nella richiesta allegata.",
            f.reasons ? [`Motivazione: ${f.reasons}`] : [],
          ),
        }
      : {
          subject: `Conformation order for application ${f.cui}`,
          text: body(
            l,
            f,
            "The desk asks you to bring the activity into line within the term stated in the attached order.",
            f.reasons ? [`Reasons: ${f.reasons}`] : [],
          ),
        },
  end_by_submitter_cancel_requested: (l, f) =>
    outcome(
      l,
      f,
      "Hai ritirato la pratica: il procedimento è concluso.",
      "You withdrew the application: the procedure is closed.",
    ),
  end_by_integration_times_expired: (l, f) =>
    outcome(
      l,
      f,
      "Il termine per integrare la pratica è scaduto senza risposta.",
      "The time to complete the application expired without an answer.",
    ),
  end_by_proceeding_time_expired: (l, f) =>
    outcome(l, f, "Il termine del procedimento è decorso.", "The procedure's time limit has passed."),
  // Messages to the desk and the agencies (added with the desk area): each names the step and what to do next.
  pratica_regolarizzata: (l, f) =>
    notice(
      l,
      f,
      "Pratica regolarizzata",
      "Application corrected",
      "L'impresa ha regolarizzato la pratica: il termine riparte per intero.",
      "The business corrected the application: the time limit starts again in full.",
    ),
  integration_requested_from_agency: (l, f) =>
    notice(
      l,
      f,
      "Richiesta di integrazione da un ente terzo",
      "Integration request from an agency",
      "Un ente terzo ha chiesto integrazioni: riuniscile nell'unica richiesta all'impresa.",
      "An agency asked for integrations: merge them into the single request to the business.",
    ),
  integration_request_time_expired: (l, f) =>
    notice(
      l,
      f,
      "Richiesta di integrazione inviata all'impresa",
      "Integration request sent to the business",
      `Lo Sportello ha inviato all'impresa la richiesta di integrazione unificata; risposta attesa entro il ${fmt(f.integrationDue, l)}. I termini sono sospesi.`,
      `The desk sent the business the merged integration request; answer due by ${fmt(f.integrationDue, l)}. Time limits are suspended.`,
    ),
  instance_integrated: (l, f) =>
    notice(
      l,
      f,
      "Integrazione ricevuta",
      "Integration received",
      "L'impresa ha inviato le integrazioni richieste: il termine riprende a decorrere.",
      "The business sent the integrations requested: the time limit runs again.",
    ),
  agency_term_expired: (l, f) =>
    notice(
      l,
      f,
      "Termine di un ente terzo scaduto",
      "An agency's time limit expired",
      "Il termine per il parere di un ente terzo è scaduto senza conclusioni.",
      "An agency's time limit for its opinion expired without conclusions.",
    ),
  conformed: (l, f) =>
    notice(
      l,
      f,
      "Misure di conformazione comunicate",
      "Conformation measures communicated",
      "L'impresa ha comunicato le misure di conformazione: il termine di controllo riparte.",
      "The business communicated the conformation measures: the check period starts again.",
    ),
  observations_received: (l, f) =>
    notice(
      l,
      f,
      "Osservazioni al preavviso di rigetto",
      "Observations on the notice before refusal",
      "L'impresa ha presentato osservazioni al preavviso di rigetto.",
      "The business sent observations on the notice before refusal.",
    ),
  observations_term_expired: (l, f) =>
    notice(
      l,
      f,
      "Termine per le osservazioni scaduto",
      "Time for observations expired",
      "Il termine per le osservazioni al preavviso di rigetto è scaduto: si può decidere.",
      "The time for observations on the notice before refusal expired: the desk may decide.",
    ),
  attestation_requested: (l, f) =>
    notice(
      l,
      f,
      "Richiesta di attestazione del silenzio-assenso",
      "Request for a silent-consent attestation",
      "L'impresa chiede l'attestazione del silenzio-assenso: va rilasciata entro il termine previsto.",
      "The business asks for the silent-consent attestation: it must be issued within the term.",
    ),
  richiesta_parere: (l, f) =>
    notice(
      l,
      f,
      "Richiesta di parere",
      "Request for an opinion",
      "Lo Sportello vi inoltra la pratica per il parere di competenza; in allegato l'atto di inoltro con il termine.",
      "The desk forwards you the application for your opinion; the forwarding act with the term is attached.",
    ),
  cdss_convened: (l, f) =>
    notice(
      l,
      f,
      "Indizione della conferenza di servizi",
      "Conferenza di servizi convened",
      "Lo Sportello ha indetto la conferenza di servizi semplificata: in allegato l'atto con i termini.",
      "The desk convened the simplified conferenza di servizi: the act with the terms is attached.",
    ),
  conclusion_positive: (l, f) =>
    notice(
      l,
      f,
      "Parere favorevole di un ente terzo",
      "Favourable opinion from an agency",
      "Un ente terzo ha inviato un parere favorevole (in allegato).",
      "An agency sent a favourable opinion (attached).",
    ),
  conclusion_conformation: (l, f) =>
    notice(
      l,
      f,
      "Parere con prescrizioni di conformazione",
      "Opinion requiring conformation",
      "Un ente terzo ha inviato un parere con prescrizioni di conformazione (in allegato).",
      "An agency sent an opinion requiring conformation (attached).",
    ),
  conclusion_negative: (l, f) =>
    notice(
      l,
      f,
      "Parere contrario di un ente terzo",
      "Unfavourable opinion from an agency",
      "Un ente terzo ha inviato un parere contrario (in allegato).",
      "An agency sent an unfavourable opinion (attached).",
    ),
  attestazione_silenzio_assenso: (l, f) =>
    outcome(
      l,
      f,
      "In allegato l'attestazione del silenzio-assenso formatosi sulla tua domanda.",
      "Attached is the attestation of the silent consent formed on your application.",
    ),
  // pagoPA (issue 15): payment after submission, the reminder before the payment deadline.
  pagamento_promemoria: (l, f) =>
    l === "it"
      ? {
          subject: `Promemoria: pagamento dei diritti della pratica ${f.protocolNumber ?? f.cui} entro il ${fmt(f.paymentDue ?? null, l)}`,
          text: body(
            l,
            f,
            "Ti ricordiamo che i diritti della tua pratica non risultano ancora pagati. Puoi pagarli con pagoPA online dalla pagina Pagamenti della pratica o presso qualsiasi prestatore di servizi di pagamento con l'avviso.",
            [
              `Importo da pagare: ${f.paymentAmount ?? ""} euro`,
              `Scadenza del pagamento: ${fmt(f.paymentDue ?? null, l)}`,
            ],
          ),
        }
      : {
          subject: `Reminder: pay the fees of application ${f.protocolNumber ?? f.cui} by ${fmt(f.paymentDue ?? null, l)}`,
          text: body(
            l,
            f,
            "The fees of your application are not paid yet. You can pay them with pagoPA online from the application's Payments page, or at any payment service provider with the notice.",
            [`Amount due: EUR ${f.paymentAmount ?? ""}`, `Payment deadline: ${fmt(f.paymentDue ?? null, l)}`],
          ),
        },
  // PEC (issue 17): to the desk when the provider reports a failed delivery (the reason is the provider's).
  pec_mancata_consegna: (l, f) =>
    notice(
      l,
      f,
      "PEC non consegnata",
      "Certified mail not delivered",
      "Il gestore PEC ha restituito un avviso di mancata consegna per un messaggio di questa pratica. Verificate l'indirizzo del destinatario (per un'impresa il domicilio digitale in INI-PEC) e inviate di nuovo; l'avviso è visibile in Posta certificata.",
      "The PEC provider returned a non-delivery notice for a message of this application. Check the recipient's address (for a business its digital domicile in INI-PEC) and send again; the notice is shown in Certified mail.",
    ),
  // PEC: the interoperability messages back to the sender of a certified message (segnatura in attachment).
  pec_conferma_ricezione: (l, f) =>
    notice(
      l,
      f,
      "Conferma di ricezione",
      "Confirmation of receipt",
      "Il vostro messaggio è stato ricevuto e protocollato; in allegato la conferma di ricezione.",
      "Your message was received and registered; the confirmation of receipt is attached.",
    ),
  pec_notifica_eccezione: (l, f) =>
    l === "it"
      ? {
          subject: "Notifica di eccezione: messaggio non protocollato",
          text: body(
            l,
            f,
            `Il vostro messaggio non è stato protocollato da ${f.desk}: correggete e inviate di nuovo; in allegato la notifica di eccezione.`,
            [`Motivo: ${f.reasons ?? ""}`],
          ),
        }
      : {
          subject: "Exception notice: message not registered",
          text: body(
            l,
            f,
            `Your message was not registered by ${f.desk}: correct it and send it again; the exception notice is attached.`,
            [`Reason: ${f.reasons ?? ""}`],
          ),
        },
  // SSU (issue 16): a peer asked for a message to be sent again (retry); it was, and the desk should check it.
  ssu_ritrasmissione: (l, f) =>
    notice(
      l,
      f,
      "Richiesta di ritrasmissione SSU",
      "SSU retransmission request",
      "Un sistema SSU (front office, back office o ente terzo) ha segnalato incoerenze in un messaggio inviato per questa pratica e ne ha chiesto la ritrasmissione. Il messaggio è stato inviato di nuovo: verifica i dati della pratica.",
      "An SSU system (front office, back office or agency) found a message sent for this application inconsistent and asked for it again. It was sent again: check the application's data.",
    ),
  // SSU (issue 16, ADR 0031): an agency's system asked the desk to convene a synchronous conferenza (request_cdss).
  ssu_richiesta_cdss: (l, f) =>
    notice(
      l,
      f,
      "Richiesta di conferenza di servizi sincrona",
      "Request for a synchronous conference of services",
      "Il sistema SSU di un ente terzo chiede di convocare la conferenza di servizi in forma simultanea e in modalità sincrona per questa pratica. Valuta la richiesta: se la accogli, indici la conferenza dalla scrivania.",
      "An agency's SSU system asks to convene the conference of services in simultaneous, synchronous form for this application. Assess the request: if you accept it, convene the conference from the desk.",
    ),
} satisfies Record<string, (locale: Locale, f: TemplateFacts) => Rendered>;

/** The name of every mail template: what a `notify` effect may ask for. */
export type TemplateName = keyof typeof templates;

export const isTemplateName = (name: string): name is TemplateName => Object.hasOwn(templates, name);

export function renderTemplate(name: string, locale: Locale, facts: TemplateFacts): Rendered {
  const t = isTemplateName(name) ? templates[name] : generic;
  const r = t(locale, facts);
  return { subject: r.subject, text: r.text.replace(/\n{3,}/g, "\n\n") };
}

export const knownTemplates: readonly string[] = Object.keys(templates);
