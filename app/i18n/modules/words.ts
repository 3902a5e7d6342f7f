/**
 * The words of the procedure, in one place: the status of a pratica, the name of each act (event), why an
 * act is refused (one sentence per workflow guard), and the title of each document kind. Pages, mail and PDFs
 * all read them from here (through `t()` or the helpers below); the machines keep only codes.
 *
 * Every record is typed by the union it describes, so adding an event, a guard or a document kind without its
 * Italian and English text fails the type check; tests/unit/structure/words.test.ts also walks the machines'
 * state metadata for statuses the types cannot see.
 */
import type { DocumentKind } from "../../../workflows/effects";
import type { EventType } from "../../../workflows/events";
import type { Refusal } from "../../../workflows/refusal";
import type { GuardName } from "../../../workflows/shared";

export type { Refusal };

export interface Words {
  it: string;
  en: string;
}

/** Status of a pratica (the `status` of the machines' state meta) and of an agency's opinion. */
export const statusWords = {
  draft: { it: "Bozza", en: "Draft" },
  submitted: { it: "Presentata", en: "Submitted" },
  in_review: { it: "In istruttoria", en: "Under review" },
  effective: { it: "Efficace", en: "Effective" },
  correction_requested: { it: "Regolarizzazione richiesta", en: "Correction requested" },
  integration_requested: { it: "Integrazione richiesta", en: "More documents requested" },
  awaiting_opinions: { it: "In attesa dei pareri", en: "Awaiting opinions" },
  conformation_requested: { it: "Conformazione richiesta", en: "Conformation requested" },
  refusal_notice: { it: "Preavviso di rigetto", en: "Notice before refusal" },
  granted: { it: "Accolta", en: "Granted" },
  denied: { it: "Respinta", en: "Refused" },
  silent_consent: { it: "Silenzio-assenso formato", en: "Silent consent formed" },
  inadmissible: { it: "Irricevibile", en: "Inadmissible" },
  integration_expired: { it: "Integrazione non pervenuta", en: "Integration not received" },
  cancelled: { it: "Ritirata", en: "Withdrawn" },
  cancelled_by_office: { it: "Chiusa dall'ufficio", en: "Closed by the office" },
  archived: { it: "Archiviata", en: "Archived" },
  unknown: { it: "Stato non disponibile", en: "Status not available" },
  // an agency's opinion on a pratica
  pending: { it: "Atteso", en: "Awaited" },
  concluded: { it: "Espresso", en: "Given" },
  expired: { it: "Termine decorso", en: "Term elapsed" },
} satisfies Record<string, Words>;

export type StatusCode = keyof typeof statusWords;

/** The name of each act, as a noun ("l'atto «Richiesta di integrazione» non è ammesso ..."). */
export const eventWords: Record<EventType, Words> = {
  SUBMIT: { it: "Invio della pratica", en: "Submission of the application" },
  PROTOCOL: { it: "Protocollazione", en: "Registration in the protocol" },
  REQUEST_CORRECTION: { it: "Richiesta di regolarizzazione", en: "Request for correction" },
  CORRECTED: { it: "Regolarizzazione", en: "Correction" },
  REFUSE_INADMISSIBLE: { it: "Dichiarazione di irricevibilità", en: "Declaration of inadmissibility" },
  FORWARD_TO_AGENCIES: { it: "Inoltro agli enti terzi", en: "Forwarding to the agencies" },
  AGENCY_REQUESTS_INTEGRATION: {
    it: "Richiesta di integrazione dell'ente terzo",
    en: "Agency's request for more documents",
  },
  SEND_INTEGRATION_REQUEST: { it: "Richiesta di integrazione", en: "Request for more documents" },
  INTEGRATION_RECEIVED: { it: "Integrazione", en: "Additional documents" },
  INTEGRATION_TERM_EXPIRED: {
    it: "Scadenza del termine per integrare",
    en: "Expiry of the term for more documents",
  },
  AGENCY_CONCLUSION: { it: "Conclusioni dell'ente terzo", en: "Agency's opinion" },
  REQUEST_CONFORMATION: { it: "Richiesta di conformazione", en: "Conformation order" },
  CONFORMED: { it: "Comunicazione delle misure di conformazione", en: "Conformation measures reported" },
  CONFORMATION_TERM_EXPIRED: {
    it: "Scadenza del termine di conformazione",
    en: "Expiry of the conformation term",
  },
  NOTICE_OF_REFUSAL: { it: "Preavviso di rigetto", en: "Notice before refusal" },
  OBSERVATIONS_RECEIVED: {
    it: "Osservazioni al preavviso di rigetto",
    en: "Observations on the notice before refusal",
  },
  OBSERVATIONS_TERM_EXPIRED: {
    it: "Scadenza del termine per le osservazioni",
    en: "Expiry of the term for observations",
  },
  GRANT: { it: "Provvedimento di accoglimento", en: "Decision to grant" },
  DENY: { it: "Provvedimento di diniego", en: "Decision to refuse" },
  SILENT_CONSENT_FORMED: { it: "Formazione del silenzio-assenso", en: "Silent consent formed" },
  SCIA_CHECK_PERIOD_ENDED: {
    it: "Scadenza del termine di controllo della SCIA",
    en: "End of the SCIA check period",
  },
  AGENCY_TERM_EXPIRED: { it: "Scadenza del termine dell'ente terzo", en: "Expiry of the agency's term" },
  CANCEL: { it: "Ritiro della pratica", en: "Withdrawal of the application" },
  ARCHIVE: { it: "Archiviazione", en: "Archiving" },
  REQUEST_CONSENT_ATTESTATION: {
    it: "Richiesta di attestazione del silenzio-assenso",
    en: "Request for an attestation of silent consent",
  },
  ISSUE_CONSENT_ATTESTATION: {
    it: "Attestazione del silenzio-assenso",
    en: "Attestation of silent consent",
  },
  CONCLUDE_CHECKS: {
    it: "Conclusione positiva dei controlli sulla SCIA",
    en: "Positive end of the checks on the SCIA",
  },
  CANCEL_BY_OFFICE: {
    it: "Chiusura del procedimento da parte dell'ufficio",
    en: "Closure of the procedure by the office",
  },
};

/** Why an act is refused: one sentence per workflow guard, said to the person who tried it. */
export const refusalWords: Record<GuardName, Words> = {
  isAgencyPending: {
    it: "L'ente terzo indicato non ha un parere in sospeso su questa pratica.",
    en: "The agency named has no pending opinion on this application.",
  },
  onlyThisAgencyPending: {
    it: "L'ente terzo indicato non ha un parere in sospeso su questa pratica.",
    en: "The agency named has no pending opinion on this application.",
  },
  validAgencyList: {
    it: "Indicare almeno un ente terzo, senza ripetizioni né enti già coinvolti, ciascuno con un termine in giorni.",
    en: "Name at least one agency, without repetitions or agencies already involved, each with a term in days.",
  },
  convenesConference: {
    it: "La conferenza di servizi richiede almeno due amministrazioni.",
    en: "A conferenza di servizi needs at least two administrations.",
  },
  agencyMayRequestIntegration: {
    it: "La richiesta di integrazione dell'ente non è ammessa: termine per le richieste scaduto, integrazione già chiesta o elenco vuoto.",
    en: "The agency's request for more documents is not allowed: the window has closed, documents were already requested, or the list is empty.",
  },
  integrationRequestAllowed: {
    it: "Il termine può essere sospeso per integrazioni una sola volta (art. 2, comma 7, L. 241/1990), con almeno un documento richiesto ed entro i giorni previsti per la risposta.",
    en: "The term may be suspended for more documents only once (art. 2(7) L. 241/1990), with at least one document requested and within the days allowed for the answer.",
  },
  integrationInTime: {
    it: "L'integrazione è pervenuta oltre il termine assegnato.",
    en: "The additional documents arrived after the term given.",
  },
  integrationTermReached: {
    it: "Il termine per integrare non è ancora scaduto.",
    en: "The term for more documents has not expired yet.",
  },
  correctionTermElapsed: {
    it: "Il termine assegnato per la regolarizzazione non è ancora scaduto.",
    en: "The term given for the correction has not expired yet.",
  },
  conformationTermValid: {
    it: "Il termine di conformazione deve essere di almeno 30 giorni e la richiesta deve precedere la scadenza del controllo (art. 19, comma 3, L. 241/1990).",
    en: "The conformation term must be at least 30 days and the order must come before the check period ends (art. 19(3) L. 241/1990).",
  },
  conformationTermReached: {
    it: "Il termine di conformazione non è ancora scaduto.",
    en: "The conformation term has not expired yet.",
  },
  withinTerm: {
    it: "Il termine del procedimento è scaduto: l'atto non è più ammesso.",
    en: "The term of the procedure has expired: the act is no longer allowed.",
  },
  termReached: {
    it: "Il termine del procedimento non è ancora scaduto.",
    en: "The term of the procedure has not expired yet.",
  },
  termReachedWithNegative: {
    it: "Il termine del procedimento non è ancora scaduto.",
    en: "The term of the procedure has not expired yet.",
  },
  termReachedWithConformation: {
    it: "Il termine del procedimento non è ancora scaduto.",
    en: "The term of the procedure has not expired yet.",
  },
  observationsInTime: {
    it: "Le osservazioni sono pervenute oltre il termine di dieci giorni.",
    en: "The observations arrived after the ten-day term.",
  },
  observationsTermReached: {
    it: "Il termine per le osservazioni non è ancora scaduto.",
    en: "The term for observations has not expired yet.",
  },
  refusalNoticeSent: {
    it: "Prima del diniego occorre inviare il preavviso di rigetto (art. 10-bis L. 241/1990).",
    en: "A notice before refusal must be sent before refusing (art. 10-bis L. 241/1990).",
  },
  grantAllowed: {
    it: "Non si può accogliere: ci sono pareri degli enti ancora attesi o un parere negativo.",
    en: "The application cannot be granted: some agency opinions are still awaited or one is negative.",
  },
  conferenceConcludedPositively: {
    it: "L'attività può iniziare solo dopo la conclusione positiva della conferenza di servizi.",
    en: "The activity may start only after the conferenza di servizi concludes positively.",
  },
  attestationNotRequested: {
    it: "L'attestazione del silenzio-assenso è già stata richiesta.",
    en: "The attestation of silent consent has already been requested.",
  },
  attestationPending: {
    it: "Non c'è una richiesta di attestazione in attesa.",
    en: "There is no pending request for an attestation.",
  },
  cancelOnWithdrawal: {
    it: "La chiusura per ritiro richiede che il richiedente abbia ritirato la pratica.",
    en: "A closure on withdrawal needs the applicant to have withdrawn the application.",
  },
  checksConcludable: {
    it: "I controlli si possono chiudere con esito positivo solo entro il termine, quando nessun ente terzo deve ancora esprimersi e nessuno ha proposto divieto o conformazione: attendere i pareri o adottare la misura proposta.",
    en: "The checks can end positively only within the term, with no agency still to answer and none proposing a prohibition or conformation.",
  },
};

/** Title of each document a step produces (the PDF's title, the list of documents, the mail). */
export const documentWords: Record<DocumentKind, Words> = {
  ricevuta: { it: "Ricevuta di presentazione", en: "Receipt of submission" },
  richiesta_regolarizzazione: { it: "Richiesta di regolarizzazione", en: "Request for correction" },
  dichiarazione_irricevibilita: {
    it: "Dichiarazione di irricevibilità",
    en: "Declaration of inadmissibility",
  },
  inoltro_enti: { it: "Inoltro agli enti terzi", en: "Forwarding to the agencies" },
  indizione_conferenza: {
    it: "Indizione della conferenza di servizi",
    en: "Convening of the conferenza di servizi",
  },
  richiesta_integrazione: {
    it: "Richiesta di integrazione documentale",
    en: "Request for more documents",
  },
  inoltro_integrazione: {
    it: "Trasmissione dell'integrazione agli enti",
    en: "Additional documents sent to the agencies",
  },
  richiesta_conformazione: {
    it: "Richiesta di conformazione dell'attività",
    en: "Order to conform the activity",
  },
  preavviso_rigetto: {
    it: "Comunicazione dei motivi ostativi (art. 10-bis L. 241/1990)",
    en: "Notice of the grounds for refusal (art. 10-bis L. 241/1990)",
  },
  provvedimento: { it: "Provvedimento conclusivo", en: "Final decision" },
  attestazione_silenzio_assenso: {
    it: "Attestazione di formazione del silenzio-assenso",
    en: "Attestation of silent consent",
  },
  parere: { it: "Parere dell'ente terzo", en: "Agency's opinion" },
  chiusura_ufficio: {
    it: "Comunicazione di chiusura del procedimento",
    en: "Notice that the procedure is closed",
  },
};

type Locale = "it" | "en";
type Dictionary<P extends string, K extends string> = Record<`${P}.${K}`, string>;

function flatten<P extends string, K extends string>(
  prefix: P,
  words: Record<K, Words>,
  locale: Locale,
): Dictionary<P, K> {
  const out = {} as Record<string, string>;
  for (const [k, w] of Object.entries(words) as [K, Words][]) out[`${prefix}.${k}`] = w[locale];
  return out as Dictionary<P, K>;
}

function dictionary(locale: Locale) {
  return {
    ...flatten("status", statusWords, locale),
    ...flatten("event", eventWords, locale),
    ...flatten("refusal", refusalWords, locale),
    ...flatten("document", documentWords, locale),
  };
}

export const it = dictionary("it");
export const en = dictionary("en");

export const isStatusCode = (s: string): s is StatusCode => Object.hasOwn(statusWords, s);

/** The words of a status, for any string a row may hold (an unknown one reads "status not available"). */
export function statusText(locale: Locale, status: string): string {
  return statusWords[isStatusCode(status) ? status : "unknown"][locale];
}

/** An act's name; a record the audit log keeps besides workflow events too; never the bare code. */
export function eventText(locale: Locale, type: string): string {
  if (Object.hasOwn(eventWords, type)) return eventWords[type as EventType][locale];
  if (Object.hasOwn(recordWords, type)) return recordWords[type as keyof typeof recordWords][locale];
  return locale === "it" ? "Atto registrato" : "Recorded act";
}

export function documentTitle(locale: Locale, kind: string): string {
  return Object.hasOwn(documentWords, kind) ? documentWords[kind as DocumentKind][locale] : kind;
}

/**
 * Why the workflow refused an act, as a sentence for the person who tried it. `refusal` is the structured
 * reason the workflow step returns (the event, and the guard that failed or the state it was in).
 */

export function refusalText(locale: Locale, refusal: Refusal): string {
  const label = eventText(locale, refusal.event);
  if (refusal.guard && Object.hasOwn(refusalWords, refusal.guard)) {
    return `${label}: ${refusalWords[refusal.guard][locale]}`;
  }
  if (refusal.status !== undefined) {
    const status = statusText(locale, refusal.status);
    return locale === "it"
      ? `L'atto «${label}» non è ammesso nello stato attuale della pratica (${status}).`
      : `The act “${label}” is not allowed in the application's current state (${status}).`;
  }
  return locale === "it" ? `L'atto «${label}» non è ammesso ora.` : `The act “${label}” is not allowed now.`;
}

/**
 * Acts the audit log records that are not workflow events (the desk's assignment, a protocol annulment, the
 * result of an external call): the timeline names them in words like every other act.
 */
export const recordWords = {
  ASSIGN: { it: "Assegnazione della pratica", en: "Assignment of the application" },
  PROTOCOL_ANNUL: { it: "Annullamento di una registrazione di protocollo", en: "Protocol entry annulled" },
  INTEGRATION_RESULT: { it: "Esito di un servizio esterno", en: "Result of an external service" },
} satisfies Record<string, Words>;

/** Who did an act, when the audit log has no named person (actor kinds of the policy). */
export const actorWords = {
  applicant: { it: "il richiedente", en: "the applicant" },
  officer: { it: "l'ufficio SUAP", en: "the SUAP office" },
  agency: { it: "l'ente terzo", en: "the agency" },
  system: { it: "il sistema (termini di legge)", en: "the system (legal terms)" },
} satisfies Record<string, Words>;

/**
 * The outcome of a procedure (`decision.outcome` in the machines' context) and of an act (the `outcome` a
 * document records), in words: the one sentence pages, "Le mie pratiche" and PDFs give.
 */
export const outcomeWords = {
  effective: { it: "Efficace dalla presentazione", en: "Effective on filing" },
  checks_passed: { it: "Controlli conclusi con esito positivo", en: "Checks ended positively" },
  prohibited: { it: "Attività vietata", en: "Activity prohibited" },
  divieto: { it: "Divieto di prosecuzione dell'attività", en: "Prohibition of the activity" },
  granted: { it: "Domanda accolta", en: "Application granted" },
  denied: { it: "Domanda respinta", en: "Application refused" },
  silent_consent: { it: "Silenzio-assenso formato", en: "Silent consent formed" },
  inadmissible: { it: "Pratica irricevibile", en: "Application inadmissible" },
  cancelled: { it: "Pratica ritirata", en: "Application withdrawn" },
  cancelled_by_office: {
    it: "Procedimento chiuso dall'ufficio senza decisione",
    en: "Procedure closed by the office without a decision",
  },
  withdrawal: { it: "Ritiro della pratica da parte del richiedente", en: "Withdrawal by the applicant" },
  duplicate: { it: "Pratica già presentata (duplicato)", en: "Application already filed (duplicate)" },
  other: { it: "Altro motivo indicato nella motivazione", en: "Another ground, given in the reasons" },
  integration_expired: {
    it: "Chiusa per mancata integrazione nel termine",
    en: "Closed: the additional documents did not arrive in time",
  },
  positive: { it: "Favorevole", en: "Favourable" },
  negative: { it: "Contrario", en: "Unfavourable" },
  conformation: { it: "Favorevole con prescrizioni", en: "Favourable with requirements" },
  conformation_term_expired: {
    it: "Misure di conformazione non comunicate nel termine",
    en: "Conformation measures not reported in time",
  },
} satisfies Record<string, Words>;

export function outcomeText(locale: Locale, outcome: string): string {
  return Object.hasOwn(outcomeWords, outcome)
    ? outcomeWords[outcome as keyof typeof outcomeWords][locale]
    : locale === "it"
      ? "Esito registrato"
      : "Outcome recorded";
}

/**
 * The status of a pratica as its reader should get it: an archived or ended pratica says how it ended
 * ("Archiviata — attività vietata"), never only "Archiviata"; the others say their status.
 */
export function statusWithOutcome(
  locale: Locale,
  status: string,
  outcome: string | null | undefined,
): string {
  const words = statusText(locale, status);
  if (!outcome) return words;
  // Archived says nothing of how it ended; a SCIA's "Respinta" is a prohibition. The other statuses
  // ("Accolta", "Efficace", "Irricevibile") already are the outcome.
  if (status !== "archived" && !(status === "denied" && outcome === "prohibited")) return words;
  const o = outcomeText(locale, outcome);
  return `${words} — ${o.charAt(0).toLowerCase()}${o.slice(1)}`;
}

/** The legal terms a pratica's clock keeps (deadline names of workflows/effects.ts), in words. */
export const deadlineWords = {
  final: { it: "Termine di conclusione del procedimento", en: "Final due date of the procedure" },
  integration: { it: "Termine per l'integrazione", en: "Due date for the additional documents" },
  observations: { it: "Termine per le osservazioni", en: "Due date for observations" },
  conformation: { it: "Termine per la conformazione", en: "Due date for conformation" },
  correction: { it: "Termine per la regolarizzazione", en: "Due date for the correction" },
  cdss_convocation: {
    it: "Termine per indire la conferenza di servizi",
    en: "Due date to convene the conferenza di servizi",
  },
  integration_requests: {
    it: "Termine per le richieste di integrazione degli enti",
    en: "Due date for the agencies' requests for documents",
  },
  attestation: { it: "Termine per l'attestazione", en: "Due date for the attestation" },
} satisfies Record<string, Words>;

/**
 * A deadline's name for a person: the agency's own name for `agency:<code>` (from `agencies`), a plain
 * "Scadenza" for a name this list does not know yet (never the code).
 */
export function deadlineText(
  locale: Locale,
  name: string,
  agencies: readonly { code: string; name: string }[] = [],
): string {
  if (name.startsWith("agency:")) {
    const code = name.slice("agency:".length);
    const agency = agencies.find((a) => a.code === code)?.name;
    return locale === "it" ? `Parere di ${agency ?? "un ente terzo"}` : `Opinion of ${agency ?? "an agency"}`;
  }
  if (Object.hasOwn(deadlineWords, name)) return deadlineWords[name as keyof typeof deadlineWords][locale];
  return locale === "it" ? "Scadenza" : "Due date";
}

/** The words of the one final due date: "al più tardi" while the term is suspended (it can only come earlier). */
export function finalDueLabel(locale: Locale, provisional: boolean): string {
  if (!provisional) return deadlineWords.final[locale];
  return locale === "it"
    ? "Termine di conclusione del procedimento (al più tardi, termine sospeso)"
    : "Final due date of the procedure (at the latest, term suspended)";
}

/** The catalogue's legal-term fields (SSU names), in words: the catalogue's notes cite them by name. */
export const termWords = {
  max_gg_proc: { it: "termine di conclusione", en: "term of the procedure" },
  max_gg_correction: { it: "giorni per la regolarizzazione", en: "days for the correction" },
  max_gg_admissibility: {
    it: "giorni per la verifica di ricevibilità",
    en: "days for the admissibility check",
  },
  max_gg_int_req: { it: "giorni per chiedere integrazioni", en: "days to request more documents" },
  max_gg_int_resp: { it: "giorni per rispondere", en: "days to answer" },
  max_gg_concl_send: {
    it: "termine per le conclusioni degli enti",
    en: "term for the agencies' conclusions",
  },
  max_gg_cdss_req: {
    it: "giorni per indire la conferenza di servizi",
    en: "days to convene the conferenza di servizi",
  },
} satisfies Record<string, Words>;

/** A catalogue note as people read it: the term fields it cites by name («max_gg_int_resp») in words. */
export function withTermWords(text: string, locale: Locale = "it"): string {
  return text.replace(/\bmax_gg_[a-z_]+\b/g, (name) =>
    Object.hasOwn(termWords, name)
      ? `«${termWords[name as keyof typeof termWords][locale]}»`
      : locale === "it"
        ? "«termine»"
        : "«term»",
  );
}
