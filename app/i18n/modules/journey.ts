/** Strings of the journey fixes (issue 12): answers of several files, the demo desk. `en` mirrors `it`. */
export const it = {
  "journey.answer.asked": "Cosa ti è stato chiesto",
  "journey.answer.askedBySuap": "Dallo Sportello",
  "journey.answer.askedByAgency": "Da {agency}",
  "journey.answer.reasons": "Motivazione",
  "journey.answer.noItems": "La richiesta non elenca i documenti: leggila nel documento della pratica.",
  "journey.answer.files": "Documenti caricati per questa risposta",
  "journey.answer.noFiles": "Non hai ancora caricato documenti per questa risposta.",
  "journey.answer.add": "Aggiungi un documento",
  "journey.answer.upload": "Carica il documento",
  "journey.answer.fileHint":
    "PDF, P7M, XML, JPEG o PNG. Carica un documento alla volta: restano qui finché non invii la risposta.",
  "journey.answer.uploaded":
    "Documento caricato. Aggiungine altri oppure invia la risposta quando è completa.",
  "journey.answer.send": "Invia la risposta",
  "journey.answer.sendHint":
    "Quando hai caricato tutto quello che ti è stato chiesto, invia la risposta: i documenti vengono protocollati insieme e lo Sportello riceve la risposta completa.",
  "journey.answer.needFile": "Carica almeno un documento prima di inviare la risposta.",
  "journey.answer.size": "{kb} kB",
  "journey.answer.duplicate":
    "Questo documento era già tra quelli caricati per la risposta: non è stato aggiunto una seconda volta.",
  "journey.answer.remove": "Rimuovi {name}",
  "journey.answer.removed": "Documento «{name}» tolto dalla risposta.",
  "journey.requester.suap": "Sportello SUAP",
  "journey.requester.fromSuap": "Dallo Sportello SUAP, il {date}",
  "desk.pratica.outcome": "Esito",
  "desk.pratica.agencyDueCapped":
    "Ridotto rispetto ai {days} giorni assegnati perché il procedimento deve concludersi entro il {final} e il parere deve arrivare prima (art. 19-bis, comma 2, L. 241/1990).",
  "journey.agencyDue": "{agency}: parere entro il {date} ({days} giorni assegnati).",
  "journey.agencyDue.provisional":
    "{agency}: parere entro il {date} al più tardi ({days} giorni assegnati; il termine è sospeso con quello del procedimento).",
  "journey.forwarded.title": "Termini dei pareri",
  "journey.act.requestPdf": "Leggi la richiesta dello Sportello: {title} (PDF)",
  "filing.detail.outcome": "Esito del procedimento",
  "filing.detail.finalDue": "Termine di conclusione del procedimento",
  "filing.detail.noTerm": "Non previsto",
  "filing.detail.ended": "Il procedimento è concluso: non ci sono termini in corso.",
  "journey.dueAtLatest": "al più tardi, termine sospeso",
  "journey.done.noDocument": "Fatto: {act}. Nessun documento è stato emesso per questo atto.",
  "desk.act.CANCEL_BY_OFFICE": "Chiudi il procedimento senza decisione",
  "journey.form.ground": "Motivo della chiusura",
  "journey.ground.withdrawal":
    "Il richiedente ha ritirato la pratica (comunicazione ricevuta fuori dal portale)",
  "journey.ground.duplicate": "La pratica duplica un'altra già presentata",
  "journey.ground.other": "Altro motivo, indicato nella motivazione",
  "journey.error.ground": "Scegli il motivo della chiusura",
  "journey.confirm.cancelWithdrawal":
    "Il procedimento si chiude come ritirato dal richiedente: la pratica non produce effetti. La comunicazione di chiusura viene protocollata e inviata subito all'impresa e agli enti coinvolti. Dalla scrivania non si può annullare.",
  "journey.confirm.cancelOffice":
    "Il procedimento si chiude senza decisione nel merito: la pratica non produce effetti e l'impresa, se vuole, dovrà presentarne una nuova. La comunicazione di chiusura, con la motivazione, viene protocollata e inviata subito all'impresa e agli enti coinvolti. Dalla scrivania non si può annullare.",
} as const;

export const en: Record<keyof typeof it, string> = {
  "journey.answer.asked": "What you were asked",
  "journey.answer.askedBySuap": "From the desk",
  "journey.answer.askedByAgency": "From {agency}",
  "journey.answer.reasons": "Reasons",
  "journey.answer.noItems": "The request does not list the documents: read it in the pratica's document.",
  "journey.answer.files": "Documents uploaded for this answer",
  "journey.answer.noFiles": "You have not uploaded any document for this answer yet.",
  "journey.answer.add": "Add a document",
  "journey.answer.upload": "Upload the document",
  "journey.answer.fileHint":
    "PDF, P7M, XML, JPEG or PNG. Upload one document at a time: they stay here until you send the answer.",
  "journey.answer.uploaded": "Document uploaded. Add more, or send the answer when it is complete.",
  "journey.answer.send": "Send the answer",
  "journey.answer.sendHint":
    "When you have uploaded everything you were asked for, send the answer: the documents are protocolled together and the desk receives the complete answer.",
  "journey.answer.needFile": "Upload at least one document before sending the answer.",
  "journey.answer.size": "{kb} kB",
  "journey.answer.duplicate":
    "This document was already among those uploaded for the answer: it was not added twice.",
  "journey.answer.remove": "Remove {name}",
  "journey.answer.removed": "Document '{name}' removed from the answer.",
  "journey.requester.suap": "SUAP desk",
  "journey.requester.fromSuap": "From the SUAP desk, on {date}",
  "desk.pratica.outcome": "Outcome",
  "desk.pratica.agencyDueCapped":
    "Shorter than the {days} days given because the procedure must end by {final} and the opinion must come first (art. 19-bis(2) L. 241/1990).",
  "journey.agencyDue": "{agency}: opinion due by {date} ({days} days given).",
  "journey.agencyDue.provisional":
    "{agency}: opinion due by {date} at the latest ({days} days given; the term is suspended with the procedure's).",
  "journey.forwarded.title": "Opinion due dates",
  "journey.act.requestPdf": "Read the desk's request: {title} (PDF)",
  "filing.detail.outcome": "Outcome of the procedure",
  "filing.detail.finalDue": "Final due date of the procedure",
  "filing.detail.noTerm": "None",
  "filing.detail.ended": "The procedure has ended: no term is running.",
  "journey.dueAtLatest": "at the latest, term suspended",
  "journey.done.noDocument": "Done: {act}. No document was issued for this act.",
  "desk.act.CANCEL_BY_OFFICE": "Close the procedure without a decision",
  "journey.form.ground": "Ground for closing",
  "journey.ground.withdrawal": "The applicant withdrew the application (notice received outside the portal)",
  "journey.ground.duplicate": "The application duplicates one already filed",
  "journey.ground.other": "Another ground, given in the reasons",
  "journey.error.ground": "Choose the ground for closing",
  "journey.confirm.cancelWithdrawal":
    "The procedure closes as withdrawn by the applicant: the application has no effect. The closing notice is registered and sent at once to the business and the agencies involved. It cannot be undone from the desk.",
  "journey.confirm.cancelOffice":
    "The procedure closes without a decision on the merits: the application has no effect, and the business must file a new one if it wishes. The closing notice, with the reasons, is registered and sent at once to the business and the agencies involved. It cannot be undone from the desk.",
};
