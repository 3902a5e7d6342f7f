import { describe, expect, it } from "vitest";
import {
  buildVicinatoApertura,
  type Lookups,
  splitAddress,
  vicinatoPhase,
} from "~/domain/modulo/vicinato-apertura";
import { loadAgidForm, validateModulo } from "~/server/modulo/agid.server";

const lookups: Lookups = {
  comuneByName: (n) => ({ volterra: "050039", pisa: "050026" })[n.trim().toLowerCase()] ?? null,
  capOfComune: (c) => (c === "050039" ? "56048" : null),
  statoByName: (n) => (/^italian[ao]$/i.test(n.trim()) ? "100" : /^francia$/i.test(n.trim()) ? "215" : null),
};

const ANSWERS = {
  forma_giuridica: "IMPRESA_INDIVIDUALE",
  impresa_denominazione: "Bottega Rossi di Maria Rossi",
  impresa_codice_fiscale: "RSSMRA80A41M126H",
  impresa_partita_iva: "01234567897",
  impresa_pec: "bottegarossi@pec.imprese.test",
  ruolo_dichiarante: "TITOLARE",
  dich_nome: "Maria",
  dich_cognome: "Rossi",
  dich_codice_fiscale: "rssmra80a41m126h",
  dich_data_nascita: "01/01/1980",
  dich_luogo_nascita: "Volterra",
  dich_cittadinanza: "italiana",
  dich_residenza: "Via dei Sarti 12, Volterra",
  dich_pec: "maria.rossi@pec.it",
  sede_comune: "050039",
  sede_indirizzo: "Via Matteotti 1",
  sede_cap: "56048",
  catasto_foglio: "12",
  catasto_particella: "345",
  settore_merceologico: "ALIMENTARE",
  superficie_vendita: "45",
  vic_req_prof_tipo: "TITOLO",
  vic_req_prof_estremi: "Istituto alberghiero di Volterra, 2004",
  dich_onorabilita: "true",
  dich_antimafia: "true",
};

describe("the apertura modulo from the answers", () => {
  it("splits a one-line address, taking the postcode from the text or from a single-postcode Comune", () => {
    expect(splitAddress("Via dei Sarti 12, Volterra", lookups)).toEqual({
      toponimo: "Via dei Sarti",
      civico: "12",
      cap: "56048",
      comune: "050039",
    });
    expect(splitAddress("Piazza dei Cavalieri 7/B, 56126 Pisa", lookups)).toEqual({
      toponimo: "Piazza dei Cavalieri",
      civico: "7/B",
      cap: "56126",
      comune: "050026",
    });
    // Unknown Comune: written as given, so the Schematron refuses it.
    expect(splitAddress("Rue de Rivoli 3, Parigi", lookups).comune).toBe("Parigi");
  });

  it("codes what AgID's vocabularies want: sex from the fiscal code, dates, ISTAT codes, legal form, attachments", () => {
    const xml = buildVicinatoApertura(
      ANSWERS,
      [
        { code: "RICEVUTA_DIRITTI", filename: "ricevuta (diritti).pdf" },
        { code: "PLANIMETRIA", filename: "planimetria.pdf" },
      ],
      lookups,
    );
    expect(xml).toContain("<epers:codice_fiscale>RSSMRA80A41M126H</epers:codice_fiscale>");
    expect(xml).toContain("<epers:sesso>femmina</epers:sesso>");
    expect(xml).toContain("<epers:data_nascita>1980-01-01</epers:data_nascita>");
    expect(xml).toContain("<epers:luogo_nascita_italiano>050039</epers:luogo_nascita_italiano>");
    expect(xml).toContain("<ecitt:stato_cittadinanza>100</ecitt:stato_cittadinanza>");
    expect(xml).toContain("<eimpresa:forma_giuridica>1.1.20</eimpresa:forma_giuridica>");
    expect(xml).toContain("<eimpresa:codice_fiscale_pf>RSSMRA80A41M126H</eimpresa:codice_fiscale_pf>");
    expect(xml).toContain("<ereqpro:anno_conclusione>2004</ereqpro:anno_conclusione>");
    expect(xml).toContain(
      "<sallegati:attestazione_versamenti><efile:nome_file>ricevuta _diritti_.pdf</efile:nome_file>",
    );
    // AgID's apertura admits no floor plan among its attachments.
    expect(xml).not.toContain("planimetria");
    const male = buildVicinatoApertura({ ...ANSWERS, dich_codice_fiscale: "MRRFNC75B02G702V" }, [], lookups);
    expect(male).toContain("<epers:sesso>maschio</epers:sesso>");
  });

  it("picks the Schematron phase from the sector", () => {
    expect(vicinatoPhase({ settore_merceologico: "ALIMENTARE" })).toBe("alimentare_ph");
    expect(vicinatoPhase({ settore_merceologico: "MISTO" })).toBe("alimentare_ph");
    expect(vicinatoPhase({ settore_merceologico: "NON_ALIMENTARE" })).toBe("non_alimentare_ph");
  });

  it("is valid against AgID's XSD and its phase for food and non-food answers", async () => {
    const form = loadAgidForm("mod_esercizio_vicinato_apertura");
    const food = buildVicinatoApertura(ANSWERS, [], lookups);
    expect(await validateModulo(form, food, "alimentare_ph")).toEqual({ xsd: [], schematron: [] });
    const nonFood = {
      ...ANSWERS,
      settore_merceologico: "NON_ALIMENTARE",
      vic_req_prof_tipo: "",
      vic_req_prof_estremi: "",
    };
    expect(
      await validateModulo(form, buildVicinatoApertura(nonFood, [], lookups), "non_alimentare_ph"),
    ).toEqual({
      xsd: [],
      schematron: [],
    });
    // A born-abroad filer: the State of birth instead of the Comune.
    const abroad = buildVicinatoApertura({ ...ANSWERS, dich_luogo_nascita: "Francia" }, [], lookups);
    expect(abroad).toContain("<epers:stato_estero>215</epers:stato_estero>");
  });
});
