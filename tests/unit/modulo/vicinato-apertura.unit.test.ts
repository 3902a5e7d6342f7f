import { describe, expect, it } from "vitest";
import { buildVicinatoApertura, sexFromFiscalCode, splitAddress } from "~/domain/modulo/vicinato-apertura";
import { checkModulo, moduloSpecs } from "~/server/modulo/modulo.server";
import { DOMParser } from "@xmldom/xmldom";

// The modulo built from a pratica's answers (the vicinato apertura usecase, non alimentare), validated against
// AgID's XSD and the phase the catalogue names. Answers as the portal stores them (dates dd/mm/yyyy).

const ANSWERS: Record<string, string> = {
  forma_giuridica: "SRL",
  impresa_denominazione: "Bottega Rossi S.r.l.",
  impresa_codice_fiscale: "01234567897",
  impresa_partita_iva: "01234567897",
  impresa_rea: "PI-123456",
  impresa_pec: "bottegarossi@pec.imprese.test",
  ruolo_dichiarante: "LEGALE_RAPPRESENTANTE",
  dich_nome: "Maria",
  dich_cognome: "Rossi",
  dich_codice_fiscale: "RSSMRA80A41M126H",
  dich_data_nascita: "01/01/1980",
  dich_luogo_nascita: "Volterra",
  dich_cittadinanza: "italiana",
  dich_residenza: "Via dei Sarti 12, 56048 Volterra",
  dich_pec: "maria.rossi@pec.it",
  sede_comune: "050039",
  sede_indirizzo: "Via Matteotti 1",
  sede_cap: "56048",
  catasto_foglio: "12",
  catasto_particella: "345",
  settore_merceologico: "NON_ALIMENTARE",
  superficie_vendita: "45",
  dich_onorabilita: "true",
  dich_antimafia: "true",
  dich_veridicita: "true",
  dich_privacy: "true",
};
const RECEIPT = {
  code: "RICEVUTA_DIRITTI",
  filename: "ricevuta diritti (1).pdf",
  contentType: "application/pdf",
  sha256: "a".repeat(64),
};

const spec = moduloSpecs([
  {
    usecase: {
      code: "VICINATO_APERTURA_NON_ALIMENTARE",
      modulo: {
        xsd: { code: "mod_esercizio_vicinato_apertura", version: "1.0.0" },
        schematron: {
          code: "mod_esercizio_vicinato_apertura",
          version: "1.0.0",
          phase: ["non_alimentare_ph"],
        },
      },
    } as never,
  },
])[0]!;

describe("vicinato apertura modulo", () => {
  it("is built in AgID's namespaces and passes the XSD and the non_alimentare phase", async () => {
    const c = await checkModulo(spec, ANSWERS, [RECEIPT]);
    expect(c.problems).toEqual([]);
    expect(c.valid).toBe(true);
    const doc = new DOMParser().parseFromString(c.xml, "text/xml");
    const root = doc.documentElement!;
    expect(root.namespaceURI).toBe("http://agid.it/suap/forms/esercizio_vicinato_apertura");
    expect(root.localName).toBe("esercizio_vicinato_apertura");
    const text = (ns: string, local: string) => doc.getElementsByTagNameNS(ns, local)[0]?.textContent;
    expect(text("http://agid.it/suap/entities/persona", "data_nascita")).toBe("1980-01-01");
    expect(text("http://agid.it/suap/entities/persona", "sesso")).toBe("femmina");
    expect(text("http://agid.it/suap/entities/cittadinanza", "stato_cittadinanza")).toBe("100");
    expect(text("http://agid.it/suap/entities/settori_merceologici", "non_alimentare")).toBe("45");
    expect(text("http://agid.it/suap/entities/file", "nome_file")).toBe("ricevuta diritti _1_.pdf");
    expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
    // the same answers give the same bytes (the cache and the SSU hash rely on it)
    expect(buildVicinatoApertura(ANSWERS, [RECEIPT])).toBe(c.xml);
  });

  it("a value AgID's XSD refuses is reported on the field to fix, in Italian", async () => {
    const c = await checkModulo(spec, { ...ANSWERS, catasto_foglio: "12/A" }, [], (f) =>
      f === "catasto_foglio" ? "Foglio" : null,
    );
    expect(c.valid).toBe(false);
    expect(c.problems).toEqual([
      expect.objectContaining({ field: "catasto_foglio", section: "sede_attivita" }),
    ]);
    expect(c.problems[0]!.message.it).toMatch(
      /^Controlla «Foglio»: il modulo unificato nazionale non lo accetta/,
    );
  });

  it("a Schematron rule of the phase that fails is reported on its field (intermediary without procura)", async () => {
    const c = await checkModulo(
      spec,
      {
        ...ANSWERS,
        ruolo_dichiarante: "INTERMEDIARIO",
        interm_denominazione: "Agenzia Alfa",
        interm_pec: "alfa@pec.it",
        interm_codice_fiscale: "01234567897",
      },
      [RECEIPT],
      (f) => (f === "file-PROCURA_SPECIALE" ? "Procura speciale" : null),
    );
    expect(c.valid).toBe(false);
    expect(c.problems.map((p) => p.field)).toEqual(["file-PROCURA_SPECIALE"]);
    expect(c.problems[0]!.message.it).toContain("«Procura speciale»");
    const withProcura = await checkModulo(
      spec,
      {
        ...ANSWERS,
        ruolo_dichiarante: "INTERMEDIARIO",
        interm_denominazione: "Agenzia Alfa",
        interm_pec: "alfa@pec.it",
        interm_codice_fiscale: "01234567897",
      },
      [RECEIPT, { ...RECEIPT, code: "PROCURA_SPECIALE", filename: "procura.pdf" }],
    );
    expect(withProcura.problems).toEqual([]);
  });

  it("the food sector fails the non_alimentare phase the catalogue names for this usecase", async () => {
    const c = await checkModulo(spec, { ...ANSWERS, settore_merceologico: "ALIMENTARE" }, []);
    expect(c.valid).toBe(false);
    expect(c.problems.map((p) => p.field)).toContain("settore_merceologico");
  });

  it("a residence without CAP and Comune blocks with a sentence that says how to write it", async () => {
    const c = await checkModulo(spec, { ...ANSWERS, dich_residenza: "Via dei Sarti 12" }, []);
    expect(c.valid).toBe(false);
    const p = c.problems.find((x) => x.field === "dich_residenza");
    expect(p?.message.it).toContain("«Via Roma 1, 00184 Roma»");
  });

  it("parses the one-line answers into AgID's parts", () => {
    expect(splitAddress("Via dei Sarti 12/A, 56048 Volterra (PI)")).toEqual({
      toponimo: "Via dei Sarti",
      civico: "12/A",
      cap: "56048",
      comune: "Volterra",
    });
    expect(sexFromFiscalCode("RSSMRA80A41M126H")).toBe("femmina");
    expect(sexFromFiscalCode("RSSMRA80A01M126H")).toBe("maschio");
    expect(sexFromFiscalCode("123")).toBeNull();
  });
});
