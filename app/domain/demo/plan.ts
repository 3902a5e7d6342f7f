/**
 * The demo desk (issue 12): which pratiche `npm start` files outside production, and what happens to each,
 * as days relative to the day of the first boot. Pure data; `app/server/demo/pratiche.server.ts` files each
 * one through the real filing path (draft, sections, uploads, "Conferma e invia") and then sends its acts
 * through the engine with those dates, so protocol, documents, audit, mail and deadlines are all real. What the
 * law does on its own (a SCIA consolidating at its term, an agency's term running out) is left to the worker's
 * deadline sweep, like in production.
 */

export type DemoActor = "officer" | "business" | "asl" | "vvf" | "arpat";

export interface DemoStep {
  /** days from the day of the first boot (negative: in the past) */
  day: number;
  actor: DemoActor;
  /** "ASSIGN" takes the pratica in charge (not a workflow event); the others are engine events */
  event: Record<string, unknown> & { type: string };
}

export interface DemoPratica {
  /** stable key: the submission key `demo-<key>` makes the seeding idempotent per pratica */
  key: string;
  usecase: string;
  comune: string;
  /** filing day, relative to the first boot */
  filed: number;
  /** filed by the association on behalf of the business (needs the demo delegation) */
  byAssociation?: boolean;
  steps: DemoStep[];
}

const assign = (day: number): DemoStep => ({ day, actor: "officer", event: { type: "ASSIGN" } });

/** Five Comuni, every regime, every main state; a few overdue and a few near their term. */
export const DEMO_PRATICHE: DemoPratica[] = [
  // Volterra: a fresh SCIA nobody has taken yet (the worklist's first row).
  {
    key: "volterra-scia-nuova",
    usecase: "VICINATO_APERTURA_NON_ALIMENTARE",
    comune: "050039",
    filed: -2,
    steps: [],
  },
  // Volterra: a SCIA near the end of its 60 days (consolidates in three days unless the office acts).
  {
    key: "volterra-scia-in-scadenza",
    usecase: "VICINATO_AMPLIAMENTO",
    comune: "050039",
    filed: -57,
    steps: [assign(-56)],
  },
  // Volterra: a SCIA whose term has run out: the sweep consolidates it (SCIA efficace).
  {
    key: "volterra-scia-consolidata",
    usecase: "VICINATO_TRASFERIMENTO",
    comune: "050039",
    filed: -75,
    steps: [assign(-74)],
  },
  // Volterra: SCIA unica (food shop + notifica sanitaria) forwarded to the ASL, which has not answered yet.
  {
    key: "volterra-scia-unica-asl",
    usecase: "VICINATO_APERTURA_ALIMENTARE",
    comune: "050039",
    filed: -9,
    steps: [
      assign(-8),
      {
        day: -8,
        actor: "officer",
        event: { type: "FORWARD_TO_AGENCIES", agencies: [{ agencyId: "ASL-TNO", termDays: 30 }] },
      },
    ],
  },
  // Volterra: a bar in the protected zone (authorisation) waiting for the business's integration.
  {
    key: "volterra-bar-integrazione",
    usecase: "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    comune: "050039",
    filed: -20,
    steps: [
      assign(-19),
      {
        day: -15,
        actor: "officer",
        event: {
          type: "SEND_INTEGRATION_REQUEST",
          answerDays: 30,
          items: [
            "Planimetria dei locali con l'indicazione dei posti a sedere",
            "Valutazione previsionale di impatto acustico firmata dal tecnico",
          ],
        },
      },
    ],
  },
  // Volterra: a SCIA whose checks ended positively before the term.
  {
    key: "volterra-acconciatore-positiva",
    usecase: "ACCONCIATORI_APERTURA",
    comune: "050039",
    filed: -30,
    steps: [assign(-29), { day: -10, actor: "officer", event: { type: "CONCLUDE_CHECKS" } }],
  },
  // Volterra: an authorisation refused after the notice of refusal and no observations (10-bis), archived.
  {
    key: "volterra-bar-diniego",
    usecase: "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
    comune: "050039",
    filed: -60,
    steps: [
      assign(-59),
      {
        day: -40,
        actor: "officer",
        event: {
          type: "NOTICE_OF_REFUSAL",
          reasons:
            "Il locale non raggiunge la superficie minima di somministrazione prevista dal regolamento comunale.",
        },
      },
    ],
  },
  // Pomarance: a sign (silenzio-assenso), recently filed.
  {
    key: "pomarance-insegna",
    usecase: "INSEGNA_ESERCIZIO",
    comune: "050027",
    filed: -12,
    steps: [assign(-11)],
  },
  // Pomarance: AUA forwarded to ARPAT with a term that has run out (overdue on the agency's inbox).
  {
    key: "pomarance-aua-arpat",
    usecase: "AUA_SENZA_CONFERENZA",
    comune: "050027",
    filed: -45,
    steps: [
      assign(-44),
      {
        day: -40,
        actor: "officer",
        event: { type: "FORWARD_TO_AGENCIES", agencies: [{ agencyId: "ARPAT", termDays: 30 }] },
      },
    ],
  },
  // Pomarance: fire prevention (SCIA condizionata) with the Vigili del Fuoco.
  {
    key: "pomarance-antincendio-vvf",
    usecase: "PREVENZIONE_INCENDI_CAT_BC",
    comune: "050027",
    filed: -6,
    steps: [
      assign(-5),
      {
        day: -5,
        actor: "officer",
        event: { type: "FORWARD_TO_AGENCIES", agencies: [{ agencyId: "VVF-PI", termDays: 30 }] },
      },
    ],
  },
  // Castelnuovo di Val di Cecina: a closure (comunicazione), filed by the association on behalf.
  {
    key: "castelnuovo-cessazione",
    usecase: "COMMERCIO_CESSAZIONE",
    comune: "050011",
    filed: -4,
    byAssociation: true,
    steps: [],
  },
  // Montecatini Val di Cecina: a notifica sanitaria forwarded to the ASL, which concluded favourably.
  {
    key: "montecatini-notifica-sanitaria",
    usecase: "NOTIFICA_SANITARIA_REGISTRAZIONE",
    comune: "050019",
    filed: -25,
    steps: [
      assign(-24),
      {
        day: -24,
        actor: "officer",
        event: { type: "FORWARD_TO_AGENCIES", agencies: [{ agencyId: "ASL-TNO", termDays: 20 }] },
      },
      {
        day: -14,
        actor: "asl",
        event: { type: "AGENCY_CONCLUSION", agencyId: "ASL-TNO", outcome: "positive" },
      },
    ],
  },
  // Monteverdi Marittimo: direct sale of farm products (comunicazione) and a temporary suspension.
  {
    key: "monteverdi-vendita-diretta",
    usecase: "VENDITA_DIRETTA_AGRICOLA",
    comune: "050021",
    filed: -3,
    steps: [],
  },
  {
    key: "monteverdi-sospensione",
    usecase: "COMMERCIO_SOSPENSIONE",
    comune: "050021",
    filed: -15,
    steps: [],
  },
];

/** Answers a demo filing gives (the business data come prefilled from the profile). */
export function demoAnswers(
  comune: string,
  cap: string,
  today: string,
  addDays: (d: string, n: number) => string,
) {
  return {
    forma_giuridica: "IMPRESA_INDIVIDUALE",
    impresa_denominazione: "Bottega Rossi di Maria Rossi",
    impresa_codice_fiscale: "RSSMRA80A41M126H",
    impresa_partita_iva: "01234567897",
    impresa_rea: "PI-123456",
    impresa_pec: "bottegarossi@pec.imprese.test",
    ruolo_dichiarante: "TITOLARE",
    dich_nome: "Maria",
    dich_cognome: "Rossi",
    dich_codice_fiscale: "RSSMRA80A41M126H",
    dich_data_nascita: "01/01/1980",
    dich_luogo_nascita: "Pisa",
    dich_cittadinanza: "italiana",
    dich_residenza: "Via dei Sarti 12, 56125 Pisa",
    dich_pec: "maria.rossi@pec.imprese.test",
    sede_comune: comune,
    sede_indirizzo: "Via Matteotti 1",
    sede_cap: cap,
    catasto_foglio: "12",
    catasto_particella: "345",
    settore_merceologico: "NON_ALIMENTARE",
    superficie_vendita: "45",
    vic_req_prof_tipo: "CORSO",
    vic_req_prof_estremi: "Corso SAB, Regione Toscana, 2019",
    req_prof_tipo: "CORSO",
    req_prof_estremi: "Corso SAB, Regione Toscana, 2019",
    somm_tipologia: "BAR",
    somm_superficie: "60",
    somm_posti: "24",
    somm_stagionale: "false",
    somm_musica: "false",
    evento_nome: "Sagra del tartufo",
    evento_data_inizio: itDate(addDays(today, 20)),
    evento_data_fine: itDate(addDays(today, 22)),
    evento_luogo: "Piazza dei Priori",
    evento_alimenti_preparati: "false",
    rt_nome_cognome: "Maria Rossi",
    rt_codice_fiscale: "RSSMRA80A41M126H",
    rt_qualifica: "ACCONCIATORE",
    rt_estremi_qualifica: "Attestato di qualifica n. 123/2015, Regione Toscana",
    sp_postazioni: "3",
    sp_superficie: "40",
    ns_tipo_attivita: ["COMMERCIO"],
    ns_descrizione: "Vendita al dettaglio di prodotti alimentari confezionati e freschi.",
    ns_haccp: "true",
    sr_tipologia: "AFFITTACAMERE",
    sr_camere: "3",
    sr_posti_letto: "6",
    sr_colazione: "false",
    sr_apertura: "ANNUALE",
    agr_superficie_aziendale: "12",
    agr_posti_letto: "8",
    agr_pasti: "false",
    va_modalita: ["AZIENDA"],
    va_prodotti: "Olio extravergine di oliva e vino dell'azienda.",
    va_trasformati: "false",
    aua_titoli: ["SCARICHI"],
    aua_attivita:
      "Laboratorio artigianale di lavorazione dell'alabastro con scarico delle acque di lavaggio.",
    pi_attivita: "70.1.B",
    pi_categoria: "B",
    pi_tecnico: "Ing. Carlo Neri",
    ins_tipo: "PARETE",
    ins_larghezza: "2",
    ins_altezza: "1",
    ins_luminosa: "false",
    ins_edificio_vincolato: "false",
    sub_cedente: "Mario Bianchi",
    sub_cedente_cf: "01234567897",
    sub_titolo: "COMPRAVENDITA",
    sub_atto_data: itDate(addDays(today, -90)),
    sub_atto_estremi: "Atto notaio Verdi, rep. 1234",
    sub_titolo_precedente: "SCIA prot. 1234/2020",
    tr_indirizzo_precedente: "Via Roma 3",
    amp_superficie_prima: "45",
    amp_superficie_dopo: "80",
    cess_data: itDate(addDays(today, 10)),
    cess_titolo: "SCIA prot. 1234/2020",
    sosp_dal: itDate(addDays(today, 5)),
    sosp_al: itDate(addDays(today, 60)),
    sosp_motivo: "Lavori di ristrutturazione del locale.",
    dich_onorabilita: "true",
    dich_antimafia: "true",
    dich_veridicita: "true",
    dich_privacy: "true",
    interm_procura: "true",
  } satisfies Record<string, string | string[]>;
}

function itDate(iso: string) {
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}
