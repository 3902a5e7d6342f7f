/** Digital signatures and the seal (issue 14): the signature report on attachments, the seal on /verifica. */
export const it = {
  "signature.outcome.valid": "Firma digitale valida",
  "signature.outcome.invalid": "Firma digitale non valida",
  "signature.outcome.indeterminate": "Firma digitale da confermare",
  "signature.outcome.unsigned": "File non firmato",
  "signature.signer": "Firmatario",
  "signature.issuer": "Certificato emesso da",
  "signature.time": "Data della firma",
  "signature.format.cades": "CAdES (.p7m)",
  "signature.format.pades": "PAdES (PDF firmato)",
  "signature.checks": "Controlli eseguiti il {date}",
  "signature.check.passed": "superato",
  "signature.check.failed": "non superato",
  "signature.check.unknown": "non verificabile",
  "signature.check.warning": "attenzione",
  "signature.seal.title": "Sigillo elettronico",
  "signature.seal.valid": "Il documento porta il sigillo elettronico del SUAP ed è integro.",
  "signature.seal.invalid":
    "Il sigillo del documento non è valido: il file conservato è stato alterato. Contatta lo Sportello.",
  "signature.seal.indeterminate":
    "Il sigillo è integro, ma la revoca del certificato non è verificabile in questo momento.",
  "signature.seal.none": "Questo documento è stato emesso senza sigillo elettronico.",
  "signature.seal.holder": "Titolare del sigillo",
  "signature.seal.qualified": "Sigillo qualificato",
  "signature.seal.notQualified": "Sigillo NON qualificato (ambiente di sviluppo o prova)",
  "signature.seal.timestamp": "Marca temporale",
  "signature.seal.sealedAt": "Apposto il",
  "signature.seal.howTo":
    "Per verificarlo da te: scarica il PDF e aprilo con un lettore che verifica le firme (per esempio Adobe Acrobat Reader o `pdfsig` di poppler), oppure confronta l'impronta SHA-256 del file con quella indicata qui.",
  "signature.seal.pending":
    "Il sigillo elettronico del SUAP è in corso di apposizione: il documento è valido così come emesso e il sigillo arriverà a breve. Ricarica la pagina tra qualche minuto.",
  "signature.seal.completion.timestamp":
    "Marca temporale in corso di apposizione: arriverà a breve; l'impronta SHA-256 cambierà quando sarà apposta.",
  "signature.seal.completion.seal": "Sigillo in corso di apposizione.",
  "signature.seal.completion.failed":
    "Il servizio non ha completato il sigillo o la marca temporale dopo più tentativi: lo Sportello è stato avvisato. Il documento resta quello emesso.",
  "signature.seal.issuedSha256": "Impronta SHA-256 al momento dell'emissione",
  "signature.seal.badge.pending": "sigillo in corso",
  "signature.seal.badge.failed": "sigillo non completato",
  "signature.yes": "sì",
  "signature.no": "no",
} as const;

export const en: Record<keyof typeof it, string> = {
  "signature.outcome.valid": "Valid digital signature",
  "signature.outcome.invalid": "Invalid digital signature",
  "signature.outcome.indeterminate": "Digital signature to be confirmed",
  "signature.outcome.unsigned": "Unsigned file",
  "signature.signer": "Signer",
  "signature.issuer": "Certificate issued by",
  "signature.time": "Signing date",
  "signature.format.cades": "CAdES (.p7m)",
  "signature.format.pades": "PAdES (signed PDF)",
  "signature.checks": "Checks run on {date}",
  "signature.check.passed": "passed",
  "signature.check.failed": "failed",
  "signature.check.unknown": "could not be checked",
  "signature.check.warning": "warning",
  "signature.seal.title": "Electronic seal",
  "signature.seal.valid": "The document carries the SUAP's electronic seal and is intact.",
  "signature.seal.invalid":
    "The document's seal is not valid: the stored file was altered. Contact the desk.",
  "signature.seal.indeterminate":
    "The seal is intact, but the certificate's revocation cannot be checked right now.",
  "signature.seal.none": "This document was issued without an electronic seal.",
  "signature.seal.holder": "Seal holder",
  "signature.seal.qualified": "Qualified seal",
  "signature.seal.notQualified": "NOT a qualified seal (development or test environment)",
  "signature.seal.timestamp": "Timestamp",
  "signature.seal.sealedAt": "Applied on",
  "signature.seal.howTo":
    "To check it yourself: download the PDF and open it in a reader that verifies signatures (for example Adobe Acrobat Reader or poppler's `pdfsig`), or compare the file's SHA-256 fingerprint with the one shown here.",
  "signature.seal.pending":
    "The SUAP's electronic seal is being applied: the document is valid as issued and the seal will follow shortly. Reload this page in a few minutes.",
  "signature.seal.completion.timestamp":
    "Timestamp being applied: it will follow shortly; the SHA-256 fingerprint changes when it is added.",
  "signature.seal.completion.seal": "Seal being applied.",
  "signature.seal.completion.failed":
    "The service did not complete the seal or the timestamp after several attempts: the desk has been alerted. The document stays as issued.",
  "signature.seal.issuedSha256": "SHA-256 fingerprint when issued",
  "signature.seal.badge.pending": "seal pending",
  "signature.seal.badge.failed": "seal not completed",
  "signature.yes": "yes",
  "signature.no": "no",
};
