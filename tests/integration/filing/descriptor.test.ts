import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { instanceDescriptor, ssuVersion } from "~/server/filing/descriptor.server";
import { submitPratica } from "~/server/filing/submit.server";
import { actAs, useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { descriptorValidator } from "./ssu-schema";
import { completeDraft } from "./support";

describe.each(DATABASES)("SSU instance descriptor of a whole journey on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("keeps every step, ends an inadmissible pratica in `refused`, writes NN.NN.NN and Rome's start date", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, services.files, owner);
    // 23:30 UTC on 1 March is 00:30 on 2 March in Rome: the legal start is 2 March.
    const r = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: new Date("2026-03-01T23:30:00Z"),
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const versions: number[] = [];
    const version = async () =>
      versions.push((await instanceDescriptor(db, owner.principal, r.pratica.cui))!.version);
    await version();
    await actAs(db, services, "operatore@demo.test", id, {
      type: "REQUEST_CORRECTION",
      at: "2026-03-03",
      items: ["Planimetria leggibile"],
    } as never);
    await version();
    await actAs(db, services, "impresa@demo.test", id, { type: "CORRECTED", at: "2026-03-05" } as never);
    await version();
    await actAs(db, services, "operatore@demo.test", id, {
      type: "REFUSE_INADMISSIBLE",
      at: "2026-03-06",
      reasons: "Requisiti soggettivi assenti",
    } as never);
    await version();
    const descriptor = await instanceDescriptor(db, owner.principal, r.pratica.cui);
    // The version is 1 when filed and raised by every change (an integer, as the schema types it).
    expect(versions[0]).toBe(1);
    for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
    // Status timestamps in Rome time: the filing at 23:30 UTC on 1 March is 00:30 on 2 March, +01:00.
    expect(descriptor!.instance_status[0]!.timestamp).toBe("2026-03-02T00:30:00+01:00");
    for (const s of descriptor!.instance_status) expect(s.timestamp).toMatch(/\+0[12]:00$/);
    const validate = descriptorValidator();
    expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
    expect(descriptor!.instance_status.map((s) => s.state)).toEqual([
      "started",
      "presented",
      "correction_requested",
      "corrected",
      "refused",
    ]);
    expect(descriptor!.times.start).toBe("2026-03-02");
    for (const u of descriptor!.usecase_proceedings) expect(u.version).toMatch(/^\d{2}\.\d{2}\.\d{2}$/);
  });

  it("writes versions as the schema wants them", () => {
    expect(ssuVersion("1.0.0")).toBe("01.00.00");
    expect(ssuVersion("2.10")).toBe("02.10.00");
    expect(ssuVersion(undefined)).toBe("01.00.00");
  });
});
