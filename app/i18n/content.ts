import type { Locale } from "./index";

/** Long-form page content (accessibility statement, privacy notice), per language. */
export interface ContentSection {
  heading: string;
  paragraphs: string[];
}

export const accessibilityStatement: Record<Locale, { intro: string; sections: ContentSection[] }> = {
  it: {
    intro:
      "L'Unione Montana Alta Val di Cecina si impegna a rendere accessibile il proprio portale SUAP, conformemente alla Legge 9 gennaio 2004, n. 4 e alle Linee guida AgID sull'accessibilità degli strumenti informatici. La presente dichiarazione si applica al portale SUAP Alta Val di Cecina.",
    sections: [
      {
        heading: "Stato di conformità",
        paragraphs: [
          "Il portale è progettato per essere conforme ai requisiti della norma UNI EN 301549 e alle WCAG 2.1 livello AA. Ogni pagina è verificata automaticamente con lo strumento axe durante i test del software, e i moduli funzionano anche senza JavaScript e con la sola tastiera.",
        ],
      },
      {
        heading: "Contenuti non accessibili",
        paragraphs: [
          "I documenti PDF generati dal portale (ricevute, richieste, provvedimenti) non sono PDF con tag: per ciascuno il portale offre una pagina HTML equivalente, che costituisce la versione accessibile del documento.",
        ],
      },
      {
        heading: "Redazione della dichiarazione",
        paragraphs: [
          "La dichiarazione è stata redatta sulla base di una autovalutazione effettuata dagli sviluppatori e dei test automatici eseguiti a ogni modifica del software.",
        ],
      },
      {
        heading: "Feedback e recapiti",
        paragraphs: [
          "Per segnalare problemi di accessibilità o chiedere informazioni e contenuti in formato accessibile scrivi alla PEC suap.altavaldicecina@pec.suap.test indicando la pagina e il problema riscontrato. Riceverai risposta entro 30 giorni.",
          "In caso di risposta insoddisfacente o di mancata risposta puoi inviare una segnalazione al Difensore civico per il digitale istituito presso AgID.",
        ],
      },
    ],
  },
  en: {
    intro:
      "The Unione Montana Alta Val di Cecina is committed to making its SUAP portal accessible, in accordance with Italian Law 4/2004 and the AgID accessibility guidelines. This statement applies to the SUAP Alta Val di Cecina portal.",
    sections: [
      {
        heading: "Compliance status",
        paragraphs: [
          "The portal is designed to comply with EN 301549 and WCAG 2.1 level AA. Every page is checked automatically with axe during the software tests, and forms work without JavaScript and with the keyboard alone.",
        ],
      },
      {
        heading: "Non-accessible content",
        paragraphs: [
          "The PDF documents the portal generates (receipts, requests, decisions) are not tagged PDFs: for each one the portal offers an equivalent HTML page, which is the accessible version of the document.",
        ],
      },
      {
        heading: "Preparation of this statement",
        paragraphs: [
          "This statement is based on a self-assessment by the developers and on the automated tests run on every change to the software.",
        ],
      },
      {
        heading: "Feedback and contacts",
        paragraphs: [
          "To report accessibility problems or request information in an accessible format, write to suap.altavaldicecina@pec.suap.test naming the page and the problem. You will receive an answer within 30 days.",
          "If the answer is unsatisfactory or missing, you can report it to the Digital Ombudsman (Difensore civico per il digitale) at AgID.",
        ],
      },
    ],
  },
};

export const privacyNotice: Record<Locale, { intro: string; sections: ContentSection[] }> = {
  it: {
    intro:
      "Informativa ai sensi degli articoli 13 e 14 del Regolamento (UE) 2016/679 (GDPR) sul trattamento dei dati personali raccolti dal portale SUAP.",
    sections: [
      {
        heading: "Titolare del trattamento",
        paragraphs: [
          "Il titolare è l'Unione Montana Alta Val di Cecina, che gestisce in forma associata il SUAP per i Comuni di Castelnuovo di Val di Cecina, Montecatini Val di Cecina, Monteverdi Marittimo, Pomarance e Volterra. Contatto: suap.altavaldicecina@pec.suap.test.",
        ],
      },
      {
        heading: "Finalità e base giuridica",
        paragraphs: [
          "I dati sono trattati per ricevere, protocollare e istruire le pratiche presentate allo sportello, in esecuzione di compiti di interesse pubblico e di obblighi di legge (DPR 160/2010, Legge 241/1990).",
        ],
      },
      {
        heading: "Destinatari",
        paragraphs: [
          "I dati sono comunicati agli uffici comunali competenti e agli enti terzi coinvolti nel procedimento (ad esempio Azienda USL, Vigili del Fuoco, ARPAT, Soprintendenza), solo per quanto necessario all'istruttoria.",
        ],
      },
      {
        heading: "Conservazione",
        paragraphs: [
          "Le pratiche e i documenti sono conservati secondo i tempi previsti dal piano di conservazione degli archivi dell'ente. I dati di accesso (tentativi di login) sono conservati per il tempo necessario alla sicurezza del servizio.",
        ],
      },
      {
        heading: "Cookie",
        paragraphs: [
          "Il portale usa soltanto cookie tecnici: uno per la sessione di accesso e la protezione dei moduli, uno per ricordare la lingua scelta. Non usa cookie di profilazione né strumenti di terze parti.",
        ],
      },
      {
        heading: "Diritti dell'interessato",
        paragraphs: [
          "Puoi chiedere l'accesso ai tuoi dati, la rettifica, la limitazione del trattamento o opporti, scrivendo al titolare. Hai diritto di proporre reclamo al Garante per la protezione dei dati personali.",
        ],
      },
    ],
  },
  en: {
    intro:
      "Notice under articles 13 and 14 of Regulation (EU) 2016/679 (GDPR) on the processing of personal data collected by the SUAP portal.",
    sections: [
      {
        heading: "Data controller",
        paragraphs: [
          "The controller is the Unione Montana Alta Val di Cecina, which runs the associated SUAP for the municipalities of Castelnuovo di Val di Cecina, Montecatini Val di Cecina, Monteverdi Marittimo, Pomarance and Volterra. Contact: suap.altavaldicecina@pec.suap.test.",
        ],
      },
      {
        heading: "Purposes and legal basis",
        paragraphs: [
          "Data are processed to receive, register and examine the applications filed with the desk, as tasks carried out in the public interest and legal obligations (DPR 160/2010, Law 241/1990).",
        ],
      },
      {
        heading: "Recipients",
        paragraphs: [
          "Data are shared with the competent municipal offices and with the third-party agencies involved (for example the health authority, fire brigade, ARPAT, heritage office), only as far as needed to examine the application.",
        ],
      },
      {
        heading: "Retention",
        paragraphs: [
          "Applications and documents are kept for the periods set by the body's records retention plan. Login data (attempts) are kept as long as needed for the security of the service.",
        ],
      },
      {
        heading: "Cookies",
        paragraphs: [
          "The portal uses technical cookies only: one for the login session and form protection, one to remember the chosen language. It uses no profiling cookies and no third-party tools.",
        ],
      },
      {
        heading: "Your rights",
        paragraphs: [
          "You can ask the controller for access to your data, rectification, restriction of processing, or object to it. You may lodge a complaint with the Italian Data Protection Authority (Garante).",
        ],
      },
    ],
  },
};
