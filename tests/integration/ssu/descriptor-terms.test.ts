import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildCui, formatCui } from "~/domain/filing/cui";
import { dispatch } from "~/server/engine/engine.server";
import { descriptorOfPratica } from "~/server/filing/descriptor.server";
import { descriptorProblems } from "~/server/integrations/ssu/descriptor-schema.server";
import { startPdndDouble } from "~/server/integrations/ssu/pdnd-double.server";
import { runtime } from "~/server/runtime.server";
import type { PersistedWorkflow } from "../../../workflows/index";
import { draftPratica, workflowInput } from "../support/factories";
import { type Instance, registerPurposes, startInstance, writeCatalogue } from "./instances";
import { type Peer, startPeer } from "./support";

/**
 * A back office opens its copy of a received instance on the regime and times of the Catalogo SSU's instance
 * descriptor (ADR 0031), read through the catalogue port: on receiving send_instance it queues the Catalogo's
 * instance_descriptor look-up, and the instance itself is fetched after the answer (one order key). When the
 * Catalogo has no descriptor the istanza's terms are used and the reason is logged.
 * The Catalogo is the development one (another portal on loopback serving catalogo-ssu_to_bo, as the national
 * one is specified), its register holding what the national Catalogo would say of the instance.
 * With TEST_DATABASE_URL the back office runs on Postgres.
 */
describe("a received pratica's regime and times come from the Catalogo SSU's descriptor", () => {
  let pdnd: Awaited<ReturnType<typeof startPdndDouble>>;
  let fo: Instance;
  let bo: Instance;
  let catalogo: Peer;
  let clock = new Date();
  const now = () => clock;

  const systems = () => ({
    suap: {
      "*": {
        fo_system: { e_service_to_bo: fo?.serviceUrl("fo_to_bo") },
        bo_system: { e_service_to_fo: bo?.serviceUrl("bo_to_fo") },
      },
    },
  });

  async function exchange() {
    for (let round = 0; round < 20; round++) {
      let claimed = 0;
      for (const i of [fo, bo]) claimed += (await i.run()).claimed;
      if (claimed === 0) return round;
    }
    throw new Error("the exchange did not settle");
  }

  /** Files at the front office; `register` puts the instance's descriptor in the Catalogo first (or not). */
  async function file(n: number, register: (id: string) => Promise<void>) {
    runtime.handle = fo.db.handle;
    const db = fo.db.handle.db;
    const { id, owner } = await draftPratica(db, { regime: "scia", title: "Apertura esercizio di vicinato" });
    await db
      .updateTable("pratiche")
      .set({ cui: formatCui(buildCui("SUAP-AVC", clock.toISOString().slice(0, 10), 300 + n, id)) })
      .where("id", "=", id)
      .execute();
    await dispatch(db, fo.services, {
      praticaId: id,
      event: { type: "SUBMIT", at: clock.toISOString() },
      actor: { kind: "user", userId: owner.id, principal: owner.principal },
      start: workflowInput("scia", 60),
    });
    await register(id);
    await dispatch(db, fo.services, {
      praticaId: id,
      event: { type: "PROTOCOL", at: clock.toISOString() },
      actor: { kind: "system", name: "test" },
    });
    return id;
  }

  /** What the national Catalogo holds for the instance: its descriptor, with the Catalogo's own terms. */
  async function registerInCatalogo(id: string, times: Record<string, unknown>) {
    const descriptor = (await descriptorOfPratica(fo.db.handle.db, id)) as unknown as Record<string, unknown>;
    const cui = (descriptor as { cui: { progressive: string } }).cui;
    // as the Catalogo registers it (request_cui): the CUI in both spellings of the progressive
    const held = {
      ...descriptor,
      cui: { ...cui, progressivo: cui.progressive },
      times: { ...(descriptor.times as object), ...times },
    };
    expect(descriptorProblems(held)).toEqual([]);
    await catalogo.db.handle.db
      .insertInto("ssu_catalogue_instances")
      .values({
        cui_uuid: id,
        cui: JSON.stringify(held.cui),
        descriptor: JSON.stringify(held),
        client_id: fo.env.PDND_CLIENT_ID!,
      })
      .execute();
  }

  const copy = (id: string) =>
    bo.db.handle.db.selectFrom("pratiche").selectAll().where("id", "=", id).executeTakeFirst();
  const inputOf = (p: { snapshot: unknown } | undefined) =>
    (p?.snapshot as PersistedWorkflow | null)?.context.input;

  beforeAll(async () => {
    pdnd = await startPdndDouble();
    catalogo = await startPeer({
      name: "catalogo4",
      kind: "pglite",
      roles: "back_office",
      pdnd,
      catalogue: () => ({}),
    });
    const catalogueUrl = catalogo.serviceUrl("catalogo_ssu_to_bo" as never);
    const common = { pdnd, clock: now, catalogue: systems };
    fo = await startInstance({ ...common, name: "fo4", kind: "pglite", roles: "front_office" });
    bo = await startInstance({
      ...common,
      name: "bo4",
      kind: process.env.TEST_DATABASE_URL ? "postgres" : "pglite",
      roles: "back_office",
      env: {
        SSU_PURPOSES: [
          ...["bo_to_fo", "fo_to_bo", "bo_to_et", "et_to_bo"].map((s) => `${s}=purpose-bo4-${s}`),
          "catalogo_ssu_to_bo=purpose-bo4-catalogo_ssu_to_bo",
        ].join(","),
        SSU_CATALOGUE_ENDPOINTS: `catalogo_ssu_to_bo=${catalogueUrl}`,
      },
    });
    for (const i of [fo, bo]) writeCatalogue(i, systems());
    registerPurposes(pdnd.double, fo, bo, ["bo_to_fo"]);
    registerPurposes(pdnd.double, bo, fo, ["fo_to_bo"]);
    pdnd.double.registerPurpose("purpose-bo4-catalogo_ssu_to_bo", bo.env.PDND_CLIENT_ID!, catalogueUrl);
    runtime.env = fo.env;
  }, 300_000);

  afterAll(async () => {
    for (const i of [fo, bo]) await i?.close();
    await catalogo?.close();
    await pdnd?.close();
  });

  it("asks the Catalogo before opening the copy, and runs the copy on the Catalogo's term", async () => {
    const id = await file(1, (x) => registerInCatalogo(x, { max_gg_proc: 45, max_gg_int_resp: 20 }));
    await exchange();
    const calls = await bo.db.handle.db
      .selectFrom("integration_calls")
      .select(["operation", "status", "payload", "order_seq", "completed_at", "last_error"])
      .where("operation", "in", ["catalogo_ssu_to_bo.instance_descriptor", "fo_to_bo.document"])
      .orderBy("order_seq")
      .execute();
    expect(calls[0]).toMatchObject({
      operation: "catalogo_ssu_to_bo.instance_descriptor",
      status: "done",
      last_error: null,
    });
    const istanza = calls.find(
      (c) => (c.payload as { resource?: { id: string } }).resource?.id === "istanza",
    );
    expect(istanza?.status).toBe("done");
    expect(new Date(istanza!.completed_at!).getTime()).toBeGreaterThanOrEqual(
      new Date(calls[0]!.completed_at!).getTime(),
    );
    const p = await copy(id);
    expect(p).toMatchObject({ regime: "scia", status: "in_review" });
    // The istanza said 60 days and 30 for the answer to an integration; the Catalogo says 45 and 20.
    expect(inputOf(p)).toMatchObject({
      termDays: 45,
      times: expect.objectContaining({ max_gg_int_resp: 20 }),
    });
  }, 300_000);

  it("without a descriptor in the Catalogo, opens the copy on the istanza's terms and logs why", async () => {
    const warn = vi.spyOn(console, "warn");
    clock = new Date(clock.getTime() + 3600_000);
    const id = await file(2, async () => {});
    await exchange();
    const p = await copy(id);
    expect(p?.status).toBe("in_review");
    expect(inputOf(p)).toMatchObject({
      termDays: 60,
      times: expect.objectContaining({ max_gg_int_resp: 30 }),
    });
    const lookup = await bo.db.handle.db
      .selectFrom("integration_calls")
      .select(["status", "last_error"])
      .where("operation", "=", "catalogo_ssu_to_bo.instance_descriptor")
      .where("idempotency_key", "=", `ssu-descriptor:${id}`)
      .executeTakeFirstOrThrow();
    expect(lookup.status).not.toBe("done");
    expect(
      warn.mock.calls.some((c) =>
        String(c[0]).includes(`istanza ${id}: regime e tempi dall'istanza, non dal Catalogo SSU`),
      ),
    ).toBe(true);
    warn.mockRestore();
  }, 300_000);
});
