import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineServices } from "~/server/engine/engine.server";
import * as cruscotto from "~/routes/scrivania.cruscotto";
import * as cruscottoCsv from "~/routes/scrivania.cruscotto[.]csv";
import * as worklist from "~/routes/scrivania._index";
import * as deskPratica from "~/routes/scrivania.pratiche.$id";
import * as inbox from "~/routes/ente._index";
import * as agencyPratica from "~/routes/ente.pratiche.$id";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica } from "../support/factories";
import { actAs, cookieFor, get, otherDesk, post, submittedPratica, useTestEnv } from "./support";

/**
 * Every desk and agency route, read and write, with every role: the real loaders and actions, real session
 * cookies and CSRF tokens. "login" = redirect to /accedi; numbers are HTTP statuses.
 */
type Outcome = number | "login";

const ROLES = [
  "anonymous",
  "business",
  "association",
  "officer",
  "manager",
  "asl",
  "vvf",
  "arpat",
  "soprintendenza",
  "admin",
  "otherDesk",
] as const;
type RoleName = (typeof ROLES)[number];

const EMAILS: Record<Exclude<RoleName, "anonymous" | "otherDesk">, string> = {
  business: "impresa@demo.test",
  association: "associazione@demo.test",
  officer: "operatore@demo.test",
  manager: "responsabile@demo.test",
  asl: "asl@demo.test",
  vvf: "vvf@demo.test",
  arpat: "arpat@demo.test",
  soprintendenza: "soprintendenza@demo.test",
  admin: "admin@demo.test",
};

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    const result = await run();
    if (result instanceof Response) {
      if (
        result.status >= 300 &&
        result.status < 400 &&
        result.headers.get("Location")?.startsWith("/accedi")
      )
        return "login";
      return result.status;
    }
    return 200;
  } catch (thrown) {
    if (thrown instanceof Response) {
      if (
        thrown.status >= 300 &&
        thrown.status < 400 &&
        thrown.headers.get("Location")?.startsWith("/accedi")
      )
        return "login";
      return thrown.status;
    }
    throw thrown;
  }
}

describe.each(DATABASES)("desk and agency access matrix on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let praticaId: string;
  let draftId: string;
  const cookies = {} as Record<RoleName, string>;

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    const { db } = test.handle;
    const other = await otherDesk(db);
    for (const role of ROLES) {
      cookies[role] =
        role === "anonymous" ? "" : await cookieFor(db, role === "otherDesk" ? other.email : EMAILS[role]);
    }
    // An authorisation forwarded to the ASL only.
    praticaId = (await submittedPratica(db, services, { regime: "autorizzazione", at: "2026-03-02" })).id;
    await actAs(db, services, "operatore@demo.test", praticaId, {
      type: "FORWARD_TO_AGENCIES",
      at: "2026-03-03",
      agencies: [{ agencyId: "ASL-TNO", termDays: 60 }],
    });
    draftId = (await draftPratica(db, { regime: "scia" })).id;
  });

  /** A new pratica for each write, so every allowed role posts a VALID act in a state that accepts it. */
  async function freshForwarded(agency: boolean) {
    const { db } = test.handle;
    const id = (await submittedPratica(db, services, { regime: "autorizzazione", at: "2026-03-02" })).id;
    if (agency) {
      await actAs(db, services, "operatore@demo.test", id, {
        type: "FORWARD_TO_AGENCIES",
        at: "2026-03-03",
        agencies: [{ agencyId: "ASL-TNO", termDays: 60 }],
      });
    }
    return id;
  }
  afterAll(async () => {
    await test.drop();
  });

  const everyone = (value: Outcome) =>
    Object.fromEntries(ROLES.map((r) => [r, value])) as Record<RoleName, Outcome>;

  const expected: Record<string, Record<RoleName, Outcome>> = {
    "GET /scrivania": { ...everyone(403), anonymous: "login", officer: 200, manager: 200, otherDesk: 200 },
    "GET /scrivania/cruscotto": { ...everyone(403), anonymous: "login", manager: 200 },
    "GET /scrivania/cruscotto.csv": { ...everyone(403), anonymous: "login", manager: 200 },
    "GET /scrivania/pratiche/:id": { ...everyone(404), anonymous: "login", officer: 200, manager: 200 },
    // An unsent draft is the business's alone: the desk does not see it (the policy says so, not the route).
    "GET /scrivania/pratiche/:draft": { ...everyone(404), anonymous: "login" },
    // A valid act: allowed roles are redirected (PRG); anonymous POSTs fail the CSRF check (no session token).
    "POST /scrivania/pratiche/:id": { ...everyone(404), anonymous: 403, officer: 302, manager: 302 },
    "GET /ente": {
      ...everyone(403),
      anonymous: "login",
      asl: 200,
      vvf: 200,
      arpat: 200,
      soprintendenza: 200,
    },
    "GET /ente/pratiche/:id": { ...everyone(404), anonymous: "login", asl: 200 },
    "POST /ente/pratiche/:id": { ...everyone(404), anonymous: 403, asl: 302 },
  };

  const calls: Record<string, (cookie: string) => Promise<unknown>> = {
    "GET /scrivania": (c) => worklist.loader({ request: get("/scrivania", c), params: {}, context: {} }),
    "GET /scrivania/cruscotto": (c) =>
      cruscotto.loader({ request: get("/scrivania/cruscotto", c), params: {}, context: {} }),
    "GET /scrivania/cruscotto.csv": (c) =>
      cruscottoCsv.loader({ request: get("/scrivania/cruscotto.csv", c), params: {}, context: {} }),
    "GET /scrivania/pratiche/:id": (c) =>
      deskPratica.loader({
        request: get(`/scrivania/pratiche/${praticaId}`, c),
        params: { id: praticaId },
        context: {},
      }),
    "GET /scrivania/pratiche/:draft": (c) =>
      deskPratica.loader({
        request: get(`/scrivania/pratiche/${draftId}`, c),
        params: { id: draftId },
        context: {},
      }),
    "POST /scrivania/pratiche/:id": async (c) => {
      const id = await freshForwarded(false);
      return deskPratica.action({
        request: post(`/scrivania/pratiche/${id}`, c, {
          act: "FORWARD_TO_AGENCIES",
          agency: "VVF-PI",
          "days_VVF-PI": "60",
        }),
        params: { id },
        context: {},
      });
    },
    "GET /ente": (c) => inbox.loader({ request: get("/ente", c), params: {}, context: {} }),
    "GET /ente/pratiche/:id": (c) =>
      agencyPratica.loader({
        request: get(`/ente/pratiche/${praticaId}`, c),
        params: { id: praticaId },
        context: {},
      }),
    "POST /ente/pratiche/:id": async (c) => {
      const id = await freshForwarded(true);
      return agencyPratica.action({
        request: post(`/ente/pratiche/${id}`, c, { act: "AGENCY_CONCLUSION", outcome: "positive" }),
        params: { id },
        context: {},
      });
    },
  };

  it.each(Object.keys(expected))("%s answers each role as the policy says", async (route) => {
    const actual = {} as Record<RoleName, Outcome>;
    for (const role of ROLES) {
      actual[role] = await outcome(() => calls[route]!(cookies[role]));
    }
    expect(actual).toEqual(expected[route]);
  });

  it("hides the pratica from the other desk's worklist and the unrelated agencies' inboxes", async () => {
    const theirs = (await worklist.loader({
      request: get("/scrivania?status=all", cookies.otherDesk),
      params: {},
      context: {},
    })) as {
      page: { id: string }[];
    };
    expect(theirs.page.map((r) => r.id)).not.toContain(praticaId);
    const ours = (await worklist.loader({
      request: get("/scrivania", cookies.officer),
      params: {},
      context: {},
    })) as {
      page: { id: string }[];
    };
    expect(ours.page.map((r) => r.id)).toContain(praticaId);
    for (const role of ["vvf", "arpat", "soprintendenza"] as const) {
      const box = (await inbox.loader({
        request: get("/ente?mostra=tutte", cookies[role]),
        params: {},
        context: {},
      })) as {
        rows: { praticaId: string }[];
      };
      expect(box.rows.map((r) => r.praticaId)).not.toContain(praticaId);
    }
  });

  it("forwards only to enti terzi: not an organisation, the desk itself, a Comune or an unknown code", async () => {
    const id = await freshForwarded(false);
    for (const code of ["CONFCOMMERCIO-PI", "SUAP-AVC", "050039", "NESSUNO"]) {
      const refused = (await deskPratica.action({
        request: post(`/scrivania/pratiche/${id}`, cookies.officer, {
          act: "FORWARD_TO_AGENCIES",
          agency: code,
          [`days_${code}`]: "30",
        }),
        params: { id },
        context: {},
      })) as Response;
      expect(refused.status).toBe(400);
      const body = await refused.json();
      expect(body.errors[0].message).toContain(code);
    }
    const agencies = await test.handle.db
      .selectFrom("pratica_agencies")
      .select("agency_id")
      .where("pratica_id", "=", id)
      .execute();
    expect(agencies).toEqual([]);
  });

  it("refuses a POST without the session's CSRF token, even from the officer", async () => {
    const result = await outcome(() =>
      deskPratica.action({
        request: post(`/scrivania/pratiche/${praticaId}`, cookies.officer, { act: "ARCHIVE" }, "forged"),
        params: { id: praticaId },
        context: {},
      }),
    );
    expect(result).toBe(403);
  });

  it("performs allowed acts with PRG, and answers 409 with the Italian sentence when the state refuses", async () => {
    const refused = (await deskPratica.action({
      request: post(`/scrivania/pratiche/${praticaId}`, cookies.officer, { act: "GRANT" }),
      params: { id: praticaId },
      context: {},
    })) as Response;
    expect(refused.status).toBe(409);
    expect((await refused.json()).errors[0].message).toMatch(/pareri degli enti ancora attesi/);
    const done = (await agencyPratica.action({
      request: post(`/ente/pratiche/${praticaId}`, cookies.asl, {
        act: "AGENCY_CONCLUSION",
        outcome: "positive",
      }),
      params: { id: praticaId },
      context: {},
    })) as Response;
    expect(done.status).toBe(302);
    expect(done.headers.get("Location")).toBe(`/ente/pratiche/${praticaId}?fatto=AGENCY_CONCLUSION`);
    const granted = (await deskPratica.action({
      request: post(`/scrivania/pratiche/${praticaId}`, cookies.officer, {
        act: "GRANT",
        reasons: "Requisiti verificati",
      }),
      params: { id: praticaId },
      context: {},
    })) as Response;
    expect(granted.status).toBe(302);
    const mail = await test.handle.db
      .selectFrom("outbox")
      .select(["template", "recipient", "attachments"])
      .where("pratica_id", "=", praticaId)
      .where("template", "=", "end_by_positive_outcome")
      .execute();
    const toBusiness = mail.find((m) => m.recipient === "impresa@demo.test");
    expect(toBusiness).toBeTruthy();
    expect((toBusiness!.attachments as { filename: string }[]).length).toBeGreaterThan(0);
    // The manager may assign; the assignment shows on the page.
    const assigned = (await deskPratica.action({
      request: post(`/scrivania/pratiche/${praticaId}`, cookies.manager, { act: "ASSIGN", assignee: "me" }),
      params: { id: praticaId },
      context: {},
    })) as Response;
    expect(assigned.status).toBe(302);
  });
});
