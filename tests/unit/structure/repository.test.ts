import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Pratica } from "~/server/db/schema.server";
import { proceedingsOf, refOf } from "~/server/pratiche/repository.server";

/**
 * Files that read the pratiche table themselves: only the repository. A service reads a pratica through
 * app/server/pratiche/repository.server.ts (find, lock, read chosen columns, list queries, praticaRef).
 */
const STILL_QUERYING = ["app/server/pratiche/repository.server.ts"];

describe("one pratica repository", () => {
  it('no new module writes its own selectFrom("pratiche")', () => {
    const found = readdirSync(path.resolve("app"), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
      .map((e) => path.relative(process.cwd(), path.join(e.parentPath, e.name)))
      .filter((f) => /selectFrom\(\s*\[?\s*"pratiche"/.test(readFileSync(f, "utf8")))
      .sort();
    expect(found).toContain("app/server/pratiche/repository.server.ts");
    expect(found.filter((f) => !STILL_QUERYING.includes(f))).toEqual([]);
  });

  it("builds the policy reference from the typed row: proceedings from the routing, the filing date in Rome", () => {
    const row = {
      business_id: "b1",
      filer_user_id: "u1",
      filer_organisation_id: null,
      desk_id: 7,
      submitted_at: new Date("2026-12-31T23:30:00Z"),
      competent_agencies: [
        { proceeding: "P1", usecase: "U1" },
        { proceeding: "P1", usecase: "U2" },
        { proceeding: "P2", usecase: "U3" },
      ] as unknown as Pratica["competent_agencies"],
    };
    expect(proceedingsOf(row)).toEqual(["P1", "P2"]);
    expect(refOf(row, [3])).toEqual({
      businessId: "b1",
      filerUserId: "u1",
      filerOrganisationId: null,
      deskId: 7,
      agencyIds: [3],
      proceedings: ["P1", "P2"],
      filedOn: "2027-01-01",
      filedAt: "2026-12-31T23:30:00.000Z",
    });
  });
});
