import type { DocumentSpec } from "~/server/documents/pdf.server";

export const HASHES = [
  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7",
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
];

export const VERIFICATION = {
  code: "K7QF-2M9X-A4TZ-0H8B",
  url: "https://suap.altavaldicecina.example.it/verifica/K7QF-2M9X-A4TZ-0H8B",
};

/** A realistic Italian receipt (ricevuta di presentazione) for a SCIA of a bar. */
export function receiptSpec(overrides: Partial<DocumentSpec> = {}): DocumentSpec {
  return {
    locale: "it",
    kind: "ricevuta",
    title: "Ricevuta di presentazione",
    issuer: {
      name: "SUAP Associato Alta Val di Cecina",
      address: "Piazza dei Priori 19, 56048 Volterra (PI)",
      pec: "suap.altavaldicecina@postacert.toscana.it",
    },
    protocol: { number: "SUAP-AVC/2026/0000123", date: "2026-03-12T09:15:42Z" },
    cui: "00123450506-12032026-1015-000123",
    recipient: {
      name: "Caffè dell'Àrco S.r.l.",
      lines: ["c.a. Maria Rossi, legale rappresentante", "Via dell'Arco 3 – 56048 Volterra (PI)"],
    },
    sections: [
      {
        heading: "Dati della pratica",
        rows: [
          ["Impresa", "Caffè dell'Àrco S.r.l."],
          ["Codice fiscale / P. IVA", "01234567890"],
          ["Tipo di pratica", "SCIA – Segnalazione certificata di inizio attività"],
          ["Oggetto", "Avvio di attività di somministrazione di alimenti e bevande in zona non tutelata"],
          [
            "Procedimenti",
            "Somministrazione di alimenti e bevande (SCIA)\nNotifica sanitaria ai fini della registrazione (Reg. CE 852/2004)\nInsegna di esercizio",
          ],
          ["Diritti di istruttoria", "€ 116,00 (pagati con pagoPA, IUV 018000000000123456)"],
          ["Termine di conclusione", "11/05/2026 (60 giorni dalla presentazione)"],
        ],
      },
      {
        heading: "Allegati",
        table: {
          columns: ["Documento", "Dimensione", "Impronta SHA-256"],
          widths: [3, 1.1, 4],
          rows: [
            ["Planimetria dei locali «piano terra».pdf", "1,2 MB", HASHES[0]],
            ["Relazione tecnico-descrittiva.pdf", "845 kB", HASHES[1]],
            ["Procura speciale firmata digitalmente.pdf.p7m", "96 kB", HASHES[2]],
          ],
        },
      },
      {
        heading: "Cosa succede adesso",
        paragraphs: [
          "La segnalazione è efficace dalla data di presentazione: l'attività può essere avviata subito. Entro 60 giorni l'ufficio verifica i requisiti e, se mancano, può chiedere di conformare l'attività o vietarne la prosecuzione.",
          "Se servono integrazioni riceverai una comunicazione alla PEC indicata nella domanda; il termine resta sospeso fino alla risposta. Puoi seguire lo stato della pratica nella tua area personale del portale.",
          "Questa ricevuta è generata automaticamente e ha valore di comunicazione di avvio del procedimento ai sensi degli articoli 7 e 8 della legge 241/1990.",
        ],
      },
    ],
    verification: VERIFICATION,
    generatedAt: "2026-03-12T09:15:45Z",
    ...overrides,
  };
}
