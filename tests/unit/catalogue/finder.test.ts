import { describe, expect, it } from "vitest";
import {
  type FinderAnswers,
  competentAdministration,
  feesFor,
  findProcedures,
  findUsecase,
  finderQuestions,
  parseFinderAnswers,
  regimeOfBundle,
  requiredAttachments,
  type Regime,
} from "~/domain/catalogue";
import { shippedCatalogue } from "./factories";

const catalogue = shippedCatalogue();
const answers = (over: Partial<FinderAnswers>): FinderAnswers => ({
  activity: "bar_ristorante",
  municipality: "050039",
  protectedZone: false,
  lifeEvent: "APERTURA",
  food: true,
  ...over,
});
const codes = (r: ReturnType<typeof findProcedures>) => r.usecases.map((u) => u.usecase.code);

describe("findProcedures", () => {
  it("bar in Volterra's historic centre: autorizzazione in zona tutelata + notifica sanitaria", () => {
    const r = findProcedures(catalogue, answers({ protectedZone: true }), "2026-03-01");
    expect(codes(r)).toEqual(["SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA", "NOTIFICA_SANITARIA_REGISTRAZIONE"]);
    expect(r.regime).toBe("AUTORIZZAZIONE");
    // diritti Volterra 120 euro + notifica 0 + bollo on the application + bollo on the licence
    expect(r.totalFees).toBe(12000 + 0 + 1600 + 1600);
    expect(r.fees?.applicationBolloCents).toBe(1600);
    expect(r.longestTermDays).toBe(60);
    expect(r.endoproceedings.map((e) => [e.endoproceeding.code, e.entity?.code])).toEqual([
      ["ARPAT_IMPATTO_ACUSTICO", "ARPAT"],
    ]);
    expect(r.desk?.code).toBe("SUAP-AVC");
    expect(r.suggestions.map((s) => s.usecase.code)).toContain("PREVENZIONE_INCENDI_CAT_BC");
    expect(r.notes.length).toBeGreaterThan(0);
  });

  it("bar outside the protected zone: SCIA unica with ASL and ARPAT", () => {
    const r = findProcedures(catalogue, answers({ municipality: "050027" }));
    expect(codes(r)).toEqual([
      "SOMMINISTRAZIONE_APERTURA_ZONA_NON_TUTELATA",
      "NOTIFICA_SANITARIA_REGISTRAZIONE",
    ]);
    expect(r.regime).toBe("SCIA_UNICA");
    expect(r.totalFees).toBe(7000);
  });

  it("a protected zone answer in a Comune without one falls back to the ordinary rules and says so", () => {
    const r = findProcedures(catalogue, answers({ municipality: "050019", protectedZone: true }));
    expect(codes(r)[0]).toBe("SOMMINISTRAZIONE_APERTURA_ZONA_NON_TUTELATA");
    expect(r.messages[0].it).toContain("Montecatini Val di Cecina");
  });

  it("food shop: SCIA unica with notifica sanitaria, even if the food question was answered no", () => {
    const r = findProcedures(
      catalogue,
      answers({ activity: "negozio_alimentare", municipality: "050011", food: false }),
    );
    expect(codes(r)).toEqual(["VICINATO_APERTURA_ALIMENTARE", "NOTIFICA_SANITARIA_REGISTRAZIONE"]);
    expect(r.regime).toBe("SCIA_UNICA");
    expect(r.totalFees).toBe(5000);
  });

  it("non-food shop: a single SCIA", () => {
    const r = findProcedures(catalogue, answers({ activity: "negozio_non_alimentare", food: false }));
    expect(codes(r)).toEqual(["VICINATO_APERTURA_NON_ALIMENTARE"]);
    expect(r.regime).toBe("SCIA");
    expect(r.totalFees).toBe(6000);
  });

  it("B&B with breakfast adds the notifica; without breakfast it does not", () => {
    const withFood = findProcedures(catalogue, answers({ activity: "affittacamere", food: true }));
    const without = findProcedures(catalogue, answers({ activity: "affittacamere", food: false }));
    expect(codes(withFood)).toEqual([
      "STRUTTURE_EXTRA_ALBERGHIERE_APERTURA",
      "NOTIFICA_SANITARIA_REGISTRAZIONE",
    ]);
    expect(codes(without)).toEqual(["STRUTTURE_EXTRA_ALBERGHIERE_APERTURA"]);
  });

  it("artisan workshop: AUA, 90 days, bollo twice", () => {
    const r = findProcedures(
      catalogue,
      answers({ activity: "laboratorio_artigiano", municipality: "050021", food: false }),
    );
    expect(codes(r)).toEqual(["AUA_SENZA_CONFERENZA"]);
    expect(r.regime).toBe("AUTORIZZAZIONE");
    expect(r.longestTermDays).toBe(90);
    expect(r.totalFees).toBe(10000 + 1600 + 1600);
    expect(r.endoproceedings.map((e) => e.entity?.code)).toEqual(["ARPAT", "050021"]);
  });

  it("closing a bar: a comunicazione, with the ASL informed", () => {
    const r = findProcedures(catalogue, answers({ lifeEvent: "CESSAZIONE" }));
    expect(codes(r)).toEqual(["COMMERCIO_CESSAZIONE"]);
    expect(r.regime).toBe("COMUNICAZIONE");
    expect(r.totalFees).toBe(0);
    expect(r.endoproceedings.map((e) => e.entity?.code)).toEqual(["ASL-TNO"]);
  });

  it("sagra: temporary SCIA with the temporary notifica", () => {
    const r = findProcedures(catalogue, answers({ activity: "sagra", municipality: "050027" }));
    expect(codes(r)).toEqual(["SOMMINISTRAZIONE_TEMPORANEA", "NOTIFICA_SANITARIA_TEMPORANEA"]);
    expect(r.regime).toBe("SCIA_UNICA");
  });

  it("ignores proceedings not yet valid on the given date and unknown Comuni", () => {
    expect(findProcedures(catalogue, answers({}), "2025-06-01").usecases).toEqual([]);
    const r = findProcedures(catalogue, answers({ municipality: "048017" }));
    expect(r.usecases).toEqual([]);
    expect(r.messages[0].it).toContain("non è servito");
  });
});

describe("finder questions", () => {
  it("are plain radio groups with the Comuni from the catalogue", () => {
    const qs = finderQuestions(catalogue);
    expect(qs.map((q) => q.name)).toEqual(["activity", "lifeEvent", "municipality", "protectedZone", "food"]);
    expect(qs.find((q) => q.name === "municipality")?.options).toHaveLength(5);
    expect(qs.find((q) => q.name === "activity")?.options).toHaveLength(10);
  });

  it("parse posted answers or say what is missing", () => {
    const ok = parseFinderAnswers(catalogue, {
      activity: "sagra",
      lifeEvent: "APERTURA",
      municipality: "050039",
      protectedZone: "false",
      food: "true",
    });
    expect(ok).toEqual({
      ok: true,
      answers: {
        activity: "sagra",
        lifeEvent: "APERTURA",
        municipality: "050039",
        protectedZone: false,
        food: true,
      },
    });
    const ko = parseFinderAnswers(catalogue, { activity: "astronave" });
    expect(ko.ok).toBe(false);
    if (!ko.ok)
      expect(ko.errors.map((e) => e.field)).toEqual([
        "activity",
        "lifeEvent",
        "municipality",
        "protectedZone",
        "food",
      ]);
  });
});

describe("regimeOfBundle", () => {
  const r = (...regimes: Regime[]) => regimeOfBundle(regimes.map((regime) => ({ regime })));
  it.each<[Regime[], Regime]>([
    [["SCIA"], "SCIA"],
    [["COMUNICAZIONE"], "COMUNICAZIONE"],
    [["COMUNICAZIONE", "COMUNICAZIONE"], "COMUNICAZIONE"],
    [["SCIA", "SCIA"], "SCIA_UNICA"],
    [["SCIA", "COMUNICAZIONE"], "SCIA_UNICA"],
    [["SCIA_UNICA"], "SCIA_UNICA"],
    [["SCIA", "SILENZIO_ASSENSO"], "SCIA_CONDIZIONATA"],
    [["SILENZIO_ASSENSO"], "SILENZIO_ASSENSO"],
    [["SCIA_CONDIZIONATA", "SCIA"], "SCIA_CONDIZIONATA"],
    [["SCIA", "AUTORIZZAZIONE", "SILENZIO_ASSENSO"], "AUTORIZZAZIONE"],
  ])("%j -> %s", (regimes, expected) => {
    expect(r(...regimes)).toBe(expected);
  });
  it("refuses an empty bundle", () => {
    expect(() => r()).toThrow();
  });
});

describe("fees, attachments, competent administration", () => {
  const tutelata = findUsecase(catalogue, "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA")!.usecase;
  const vicinato = findUsecase(catalogue, "VICINATO_APERTURA_NON_ALIMENTARE")!.usecase;

  it("feesFor: diritti per Comune, one bollo on the application, one per final act", () => {
    const f = feesFor([tutelata, vicinato], "050039");
    expect(f.lines.map((l) => l.dirittiCents)).toEqual([12000, 6000]);
    expect(f.applicationBolloCents).toBe(1600);
    expect(f.finalActBolloCents).toBe(1600);
    expect(f.totalCents).toBe(12000 + 6000 + 1600 + 1600);
    expect(feesFor([vicinato], "050027").totalCents).toBe(5000);
    expect(f.notes.join(" ")).toContain("illustrativo");
  });

  it("requiredAttachments: the procura only for intermediaries, acoustic papers by the music answer, each once", () => {
    const owner = requiredAttachments([tutelata, vicinato], {
      ruolo_dichiarante: "TITOLARE",
      somm_musica: "false",
    });
    const codes = owner.map((a) => a.attachment.code);
    expect(codes).not.toContain("PROCURA_SPECIALE");
    expect(codes).toContain("DICH_ACUSTICA_SEMPLIFICATA");
    expect(codes).not.toContain("DOC_IMPATTO_ACUSTICO");
    expect(new Set(codes).size).toBe(codes.length);
    const intermediary = requiredAttachments([tutelata], {
      ruolo_dichiarante: "INTERMEDIARIO",
      somm_musica: "true",
    });
    expect(intermediary.find((a) => a.attachment.code === "PROCURA_SPECIALE")?.reason).toBe("condition");
    expect(intermediary.map((a) => a.attachment.code)).toContain("DOC_IMPATTO_ACUSTICO");
    expect(intermediary.filter((a) => a.attachment.paymentProof).map((a) => a.attachment.code)).toEqual([
      "ASSOLVIMENTO_BOLLO",
      "RICEVUTA_DIRITTI",
    ]);
  });

  it("competentAdministration resolves the class per Comune", () => {
    const aua = catalogue.proceedings.find((p) => p.code === "AUA")!;
    const notifica = catalogue.proceedings.find((p) => p.code === "NOTIFICA_SANITARIA")!;
    const vic = catalogue.proceedings.find((p) => p.code === "VICINATO_APERTURA")!;
    expect(competentAdministration(catalogue, aua, "050027")?.code).toBe("RT");
    expect(competentAdministration(catalogue, notifica, "050011")?.code).toBe("ASL-TNO");
    expect(competentAdministration(catalogue, vic, "050039")?.name).toBe("Comune di Volterra");
    expect(competentAdministration(catalogue, vic, "999999")).toBeUndefined();
  });
});
