import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "~/server/env.server";
import { ssuConfig } from "~/server/integrations/ssu/config.server";
import { administrationOf, ssuCui } from "~/server/integrations/ssu/flow.server";

describe("the SSU exchange wired to the workflow (ADR 0025)", () => {
  it("an agency's system must say which agency it answers for (SSU_AGENCY), checked at boot", () => {
    expect(() => parseEnv({ SSU_ROLES: "third_party" })).toThrow(ConfigError);
    expect(() => parseEnv({ SSU_ROLES: "back_office, third_party" })).toThrow(/SSU_AGENCY/);
    const env = parseEnv({ SSU_ROLES: "third_party", SSU_AGENCY: "ASL-TNO" });
    expect(ssuConfig(env).agency).toBe("ASL-TNO");
    expect(ssuConfig(parseEnv({ SSU_ROLES: "front_office" })).agency).toBeNull();
  });

  it("sends the pratica's CUI in the spec's shape, with both spellings of the progressive", () => {
    const uuid = "1b0e5a3c-2f6d-4d8e-9a1b-7c3d2e1f0a9b";
    expect(ssuCui({ id: uuid, cui: `SUAP-AVC-2026-03-02-000123-${uuid}` })).toEqual({
      context: "SUAP-AVC",
      data: "2026-03-02",
      progressive: "000123",
      progressivo: "000123",
      uuid,
    });
    // A pratica without a CUI in the national form is never sent.
    expect(ssuCui({ id: uuid, cui: "TEST-1b0e5a3c" })).toBeNull();
    expect(ssuCui({ id: uuid, cui: null })).toBeNull();
  });

  it("names the pratica by the CUI the national Catalogo registered when it differs from ours (ssu_cui)", () => {
    const uuid = "1b0e5a3c-2f6d-4d8e-9a1b-7c3d2e1f0a9b";
    const national = "9f8e7d6c-5b4a-4321-8765-0fedcba98765";
    const cui = ssuCui({
      id: uuid,
      cui: `SUAP-AVC-2026-03-02-000123-${uuid}`,
      ssu_cui: `SUAP-AVC-2026-03-02-004567-${national}`,
    });
    expect(cui).toMatchObject({ uuid: national, progressive: "004567", progressivo: "004567" });
    expect(ssuCui({ id: uuid, cui: `SUAP-AVC-2026-03-02-000123-${uuid}`, ssu_cui: null })?.uuid).toBe(uuid);
  });

  it("names an agency as the SSU names administrations: IPA code (or its code) and office", () => {
    expect(administrationOf({ code: "ASL-TNO", name: "Azienda USL", ipa_code: null })).toEqual({
      ipacode: "ASL-TNO",
      officecode: "ASL-TNO",
      version: "01.00.00",
      description: "Azienda USL",
    });
    expect(administrationOf({ code: "VVF-PI", name: "Vigili del Fuoco", ipa_code: "vvf" }).ipacode).toBe(
      "vvf",
    );
  });
});
