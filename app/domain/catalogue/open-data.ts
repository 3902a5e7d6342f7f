import { type Catalogue, scopeMunicipalities } from "~/domain/catalogue/index";
import { euro, toCsv } from "../csv";

/** The open-data exports of the catalogue, pure: the same catalogue gives byte-identical output. */

export const LICENCE = {
  id: "CC-BY-4.0",
  name: "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)",
  url: "https://creativecommons.org/licenses/by/4.0/",
  attribution: "SUAP Associato Alta Val di Cecina - Catalogo dei procedimenti",
} as const;

/** The `Link` header stating the licence of a dataset (RFC 8288, rel="license"). */
export const LICENCE_LINK = `<${LICENCE.url}>; rel="license"`;

export interface VersionMeta {
  catalogueId: string;
  version: string;
  contentHash: string;
}

export function catalogueJson(catalogue: Catalogue, meta: VersionMeta) {
  return {
    dataset: "procedimenti",
    licence: LICENCE,
    catalogue: {
      id: meta.catalogueId,
      version: meta.version,
      contentHash: meta.contentHash,
      title: catalogue.title,
      validFrom: catalogue.validFrom,
      validTo: catalogue.validTo,
      notes: catalogue.notes,
    },
    regimes: catalogue.regimes,
    typologies: catalogue.typologies,
    lifeEvents: catalogue.lifeEvents,
    sectors: catalogue.sectors,
    administrationClasses: catalogue.administrationClasses,
    entities: catalogue.entities,
    municipalities: catalogue.municipalities,
    singleDesks: catalogue.singleDesks,
    competentAdministrations: catalogue.competentAdministrations,
    proceedings: catalogue.proceedings.map((p) => ({
      ...p,
      municipalities: scopeMunicipalities(catalogue, p.territorialScope),
    })),
  };
}

export const CSV_COLUMNS = [
  "catalogue_version",
  "proceeding_code",
  "proceeding_version",
  "proceeding_title_it",
  "proceeding_title_en",
  "sector",
  "typology",
  "life_event",
  "municipalities",
  "usecase_code",
  "usecase_version",
  "usecase_title_it",
  "usecase_title_en",
  "regime",
  "regime_ssu",
  "max_gg_proc",
  "max_gg_correction",
  "max_gg_admissibility",
  "max_gg_int_req",
  "max_gg_int_resp",
  "max_gg_concl_send",
  "max_gg_cdss_req",
  "attachments_mandatory",
  "attachments_conditional",
  "endoproceedings",
  "diritti_default_eur",
  "diritti_by_municipality_eur",
  "bollo_application_eur",
  "bollo_final_act_eur",
  "legal_references",
  "notes",
] as const;

/**
 * One row per usecase. Lists inside a cell are separated by " | "; per-Comune fees as "ISTAT=euro".
 * UTF-8 with a byte order mark, so spreadsheets show accented letters right.
 */
export function catalogueCsv(catalogue: Catalogue, meta: VersionMeta): string {
  const rows = catalogue.proceedings.flatMap((p) =>
    p.usecases.map((u) => {
      const byComune = u.fees.diritti.filter((d) => d.municipality !== "*");
      const fallback = u.fees.diritti.find((d) => d.municipality === "*");
      const notes = [p.note, u.note, u.fees.note, ...u.fees.diritti.map((d) => d.note)].filter(
        (n): n is string => typeof n === "string",
      );
      return [
        meta.version,
        p.code,
        p.version,
        p.title.it,
        p.title.en,
        p.sector,
        p.typology,
        p.lifeEvent,
        scopeMunicipalities(catalogue, p.territorialScope).join(" | "),
        u.code,
        u.version,
        u.title.it,
        u.title.en,
        u.regime,
        catalogue.regimes.find((r) => r.code === u.regime)?.ssu ?? "",
        u.terms.max_gg_proc,
        u.terms.max_gg_correction,
        u.terms.max_gg_admissibility,
        u.terms.max_gg_int_req,
        u.terms.max_gg_int_resp,
        u.terms.max_gg_concl_send,
        u.terms.max_gg_cdss_req,
        u.attachments
          .filter((a) => a.mandatory)
          .map((a) => `${a.code}: ${a.title.it}`)
          .join(" | "),
        u.attachments
          .filter((a) => !a.mandatory)
          .map((a) => `${a.code}: ${a.title.it}`)
          .join(" | "),
        u.endoproceedings.map((e) => `${e.code} (${e.kind}, ${e.agencyClass}, ${e.termDays} gg)`).join(" | "),
        fallback ? euro(fallback.cents) : "",
        byComune.map((d) => `${d.municipality}=${euro(d.cents)}`).join(" | "),
        euro(u.fees.bollo.applicationCents),
        euro(u.fees.bollo.finalActCents),
        p.legalReferences.map((r) => r.citation).join(" | "),
        [...new Set(notes)].join(" | "),
      ];
    }),
  );
  return toCsv(CSV_COLUMNS, rows, { bom: true });
}
