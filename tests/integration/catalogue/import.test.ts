import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogueHash, parseCatalogue } from "~/domain/catalogue";
import {
  CatalogueImportError,
  importBundledCatalogues,
  importCatalogue,
  importCatalogueText,
} from "~/server/catalogue/import.server";
import { currentVersion } from "~/server/catalogue/repository.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { newestShippedJson, SHIPPED_DIR, shippedJson, shippedText } from "./support/catalogue";

/** A catalogue version newer than every shipped file (the shipped ones are imported at boot). */
const UNSHIPPED = "2099.1";

describe.each(DATABASES)("catalogue import on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind, { demo: false });
  });
  afterAll(async () => {
    await test.drop();
  });

  async function counts() {
    const { db } = test.handle;
    const versions = await db
      .selectFrom("catalogue_versions")
      .select(["id", "version", "content_hash", "is_current"])
      .orderBy("id")
      .execute();
    const proceedings = await db
      .selectFrom("proceedings")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return { versions, proceedings: Number(proceedings.n) };
  }

  it("imports the shipped catalogue, makes it current, and a second import is a no-op", async () => {
    const first = await importCatalogueText(test.handle.db, shippedText());
    expect(first.status).toBe("imported");
    expect(first.current).toBe(true);
    expect(first.proceedings).toBe(shippedJson().proceedings.length);
    const parsed = parseCatalogue(shippedJson());
    expect(parsed.ok && first.contentHash === catalogueHash(parsed.catalogue)).toBe(true);
    const before = await counts();
    expect(before.proceedings).toBe(first.proceedings);

    const again = await importCatalogueText(test.handle.db, shippedText());
    expect(again.status).toBe("unchanged");
    expect(again.versionId).toBe(first.versionId);
    // Same content with different formatting is the same version too.
    const reformatted = await importCatalogueText(test.handle.db, JSON.stringify(shippedJson(), null, 4));
    expect(reformatted.status).toBe("unchanged");
    expect(await counts()).toEqual(before);

    const boot = await importBundledCatalogues(test.handle.db, SHIPPED_DIR);
    // 2026.1 was imported above: its bytes are known and skipped; every later shipped version is imported
    // once and the newest becomes current.
    expect(boot[0]).toEqual({ file: "avc-2026.1.json", status: "skipped", version: "2026.1" });
    expect(boot.slice(1).map((b) => b.status)).toEqual(boot.slice(1).map(() => "imported"));
    expect(boot.length).toBeGreaterThan(1);
    expect((await currentVersion(test.handle.db)).version).toBe(boot.at(-1)!.version);
    const reboot = await importBundledCatalogues(test.handle.db, SHIPPED_DIR);
    expect(reboot.map((b) => b.status)).toEqual(boot.map(() => "skipped"));
  });

  it("refuses changed content under the same version with a sentence to raise it, changing nothing", async () => {
    const before = await counts();
    const json = shippedJson();
    json.proceedings[0].usecases[0].fees.diritti[0].cents += 100;
    const error = await importCatalogue(test.handle.db, json).catch((e) => e);
    expect(error).toBeInstanceOf(CatalogueImportError);
    expect(error.kind).toBe("conflict");
    expect(error.message).toMatch(/versione 2026\.1 è già stato importato con un contenuto diverso/);
    expect(error.message).toMatch(/Aumenta il numero di versione \(ad esempio 2026\.2\)/);
    expect(await counts()).toEqual(before);
  });

  it("refuses an invalid file whole, listing every error by path, changing nothing", async () => {
    const before = await counts();
    const json = shippedJson();
    json.version = "2026.9";
    json.proceedings[0].usecases[0].regime = "QUALCOSA";
    json.municipalities[1].istat = "12";
    json.proceedings[2].title = { it: "solo italiano" };
    const error = await importCatalogue(test.handle.db, json).catch((e) => e);
    expect(error).toBeInstanceOf(CatalogueImportError);
    expect(error.kind).toBe("invalid");
    const paths = error.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "proceedings[0].usecases[0].regime",
        "municipalities[1].istat",
        "proceedings[2].title.en",
      ]),
    );
    for (const p of [
      "proceedings[0].usecases[0].regime",
      "municipalities[1].istat",
      "proceedings[2].title.en",
    ]) {
      expect(error.message).toContain(p);
    }
    expect(await counts()).toEqual(before);

    const broken = await importCatalogueText(test.handle.db, "{ not json").catch((e) => e);
    expect(broken).toBeInstanceOf(CatalogueImportError);
    expect(broken.message).toMatch(/non è JSON valido/);
    expect(await counts()).toEqual(before);
  });

  it("a cross-reference error (unknown Comune in a fee row) is refused too", async () => {
    const before = await counts();
    const json = shippedJson();
    json.version = "2026.9";
    json.proceedings[0].usecases[0].fees.diritti.push({ municipality: "099999", cents: 1 });
    const error = await importCatalogue(test.handle.db, json).catch((e) => e);
    expect(error.kind).toBe("invalid");
    expect(error.errors[0].path).toMatch(
      /^proceedings\[0\]\.usecases\[0\]\.fees\.diritti\[\d+\]\.municipality$/,
    );
    expect(await counts()).toEqual(before);
  });

  it("a changed proceeding in a new catalogue version must carry a new proceeding version", async () => {
    const before = await counts();
    // derived from the current catalogue (its VICINATO_APERTURA is 1.1.0 since 2026.4 names the AgID modulo)
    const json = newestShippedJson();
    json.version = UNSHIPPED;
    json.proceedings[0].usecases[0].fees.diritti[0].cents += 100;
    const error = await importCatalogue(test.handle.db, json).catch((e) => e);
    expect(error).toBeInstanceOf(CatalogueImportError);
    expect(error.message).toMatch(/proceeding VICINATO_APERTURA changed but kept version 1\.1\.0/);
    expect(await counts()).toEqual(before);
  });

  it("a new version becomes current; the old one stays exactly as it was", async () => {
    const old = await currentVersion(test.handle.db);
    const earlier = await counts();
    const json = shippedJson();
    json.version = UNSHIPPED;
    // above the current 1.1.0 (2026.4)
    json.proceedings[0].version = "1.2.0";
    json.proceedings[0].usecases[0].fees.diritti[0].cents += 100;
    const r = await importCatalogue(test.handle.db, json);
    expect(r).toMatchObject({ status: "imported", version: UNSHIPPED, current: true });
    const now = await counts();
    expect(now.versions.slice(0, -1)).toEqual(earlier.versions.map((v) => ({ ...v, is_current: false })));
    expect(now.versions.at(-1)).toMatchObject({ version: UNSHIPPED, is_current: true });
    expect(now.versions.find((v) => v.version === old.version)?.content_hash).toBe(old.contentHash);
    expect(now.proceedings).toBe(earlier.proceedings + json.proceedings.length);

    // Re-importing the older file neither alters it nor makes it current again.
    const back = await importCatalogueText(test.handle.db, shippedText());
    expect(back).toMatchObject({ status: "unchanged", current: false });
    expect((await currentVersion(test.handle.db)).version).toBe(UNSHIPPED);
  });
});
