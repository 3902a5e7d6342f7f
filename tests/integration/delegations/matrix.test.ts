import { readFileSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as revoca from "~/routes/deleghe.$id.revoca";
import * as deleghe from "~/routes/deleghe._index";
import * as workspace from "~/routes/associazione._index";
import * as workspaceCsv from "~/routes/associazione[.]csv";
import * as pratica from "~/routes/pratiche.$id._index";
import { loadPrincipal } from "~/server/auth/session.server";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { grantDelegation } from "~/server/delegations/delegations.server";
import { dispatch, type EngineServices } from "~/server/engine/engine.server";
import { CSRF, cookieFor, useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, userByEmail, workflowInput } from "../support/factories";

/**
 * Delegation and organisation routes, with every kind of user: the real loaders and actions with real
 * session cookies. "login" = redirect to /accedi; numbers are HTTP statuses.
 */
type Outcome = number | "login";
const ROLES = [
  "anonymous",
  "business",
  "otherBusiness",
  "association",
  "otherAssociation",
  "officer",
  "asl",
  "admin",
] as const;
type RoleName = (typeof ROLES)[number];

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  const read = (r: Response) =>
    r.status >= 300 && r.status < 400 && r.headers.get("Location")?.startsWith("/accedi")
      ? "login"
      : r.status;
  try {
    const result = await run();
    return result instanceof Response ? read(result) : 200;
  } catch (thrown) {
    if (thrown instanceof Response) return read(thrown);
    throw thrown;
  }
}

const get = (url: string, cookie: string) =>
  new Request(`http://localhost${url}`, { headers: cookie ? { Cookie: cookie } : {} });
const post = (url: string, cookie: string, fields: Record<string, string>) =>
  new Request(`http://localhost${url}`, {
    method: "POST",
    body: new URLSearchParams({ _csrf: CSRF, ...fields }),
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}) },
  });

describe.each(DATABASES)("delegation and workspace access matrix on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let delegationId: string;
  let filedByAssociation: string;
  let filedByBusiness: string;
  const cookies = {} as Record<RoleName, string>;

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    const { db } = test.handle;
    await importBundledCatalogues(db);
    // Another business user, and an operator of another organisation without any delegation.
    const otherOrg = await db
      .insertInto("entities")
      .values({ code: "CNA-PI", kind: "organisation", name: "CNA Pisa" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const hash = (await db.selectFrom("users").select("password_hash").limit(1).executeTakeFirstOrThrow())
      .password_hash;
    for (const [email, role, entity] of [
      ["altra@impresa.test", "business", null],
      ["cna@demo.test", "association_operator", otherOrg.id],
    ] as const) {
      const id = randomUUID();
      await db.insertInto("users").values({ id, email, password_hash: hash, full_name: email }).execute();
      await db.insertInto("memberships").values({ user_id: id, role, entity_id: entity }).execute();
    }
    const owner = await userByEmail(db, "impresa@demo.test");
    const granted = await grantDelegation(
      db,
      services.files,
      { userId: owner.id, businessIds: owner.principal.businessIds },
      {
        businessId: owner.principal.businessIds[0]!,
        organisationCode: "CONFCOMMERCIO-PI",
        scope: null,
        validFrom: "2026-01-01",
        validTo: "2099-12-31",
        procura: {
          filename: "procura.pdf",
          bytes: new Uint8Array(readFileSync(path.resolve("tests/fixtures/planimetria.pdf"))),
        },
        maxBytes: 1 << 20,
      },
      "2026-01-01",
    );
    delegationId = granted.id;
    const operator = await userByEmail(db, "associazione@demo.test");
    const orgId = operator.principal.grants.find((g) => g.role === "association_operator")!.entityId!;
    for (const who of ["association", "business"] as const) {
      const { id } = await draftPratica(db);
      if (who === "association") {
        await db
          .updateTable("pratiche")
          .set({ filer_organisation_id: orgId, filer_user_id: operator.id })
          .where("id", "=", id)
          .execute();
        filedByAssociation = id;
      } else filedByBusiness = id;
      const actor = who === "association" ? operator : owner;
      await dispatch(db, services, {
        praticaId: id,
        event: { type: "SUBMIT", at: "2026-03-02" },
        actor: { kind: "user", userId: actor.id, principal: await loadPrincipal(actor.id) },
        start: workflowInput("scia", 60),
      });
    }
    const emails: Record<Exclude<RoleName, "anonymous">, string> = {
      business: "impresa@demo.test",
      otherBusiness: "altra@impresa.test",
      association: "associazione@demo.test",
      otherAssociation: "cna@demo.test",
      officer: "operatore@demo.test",
      asl: "asl@demo.test",
      admin: "admin@demo.test",
    };
    for (const role of ROLES) cookies[role] = role === "anonymous" ? "" : await cookieFor(db, emails[role]);
  });
  afterAll(async () => {
    await test.drop();
  });

  const everyone = (value: Outcome) =>
    Object.fromEntries(ROLES.map((r) => [r, value])) as Record<RoleName, Outcome>;
  const expected: Record<string, Record<RoleName, Outcome>> = {
    // Everyone signed in has a delegations page: it lists only their own businesses' delegations.
    "GET /deleghe": { ...everyone(200), anonymous: "login" },
    "GET /deleghe/:id/revoca": { ...everyone(404), anonymous: "login", business: 200 },
    "GET /associazione": { ...everyone(403), anonymous: "login", association: 200, otherAssociation: 200 },
    "GET /associazione.csv": {
      ...everyone(403),
      anonymous: "login",
      association: 200,
      otherAssociation: 200,
    },
    // Desk staff see every pratica of their desk; agencies only what was forwarded to them.
    "GET /pratiche/:id (filed by the association)": {
      ...everyone(404),
      anonymous: "login",
      business: 200,
      association: 200,
      officer: 200,
    },
    "GET /pratiche/:id (filed by the business)": {
      ...everyone(404),
      anonymous: "login",
      business: 200,
      association: 200,
      officer: 200,
    },
    // Revoking goes last: it changes what the association may see.
    "POST /deleghe/:id/revoca": { ...everyone(404), anonymous: "login", business: 302 },
  };
  const calls: Record<string, (cookie: string) => Promise<unknown>> = {
    "GET /deleghe": (c) => deleghe.loader({ request: get("/deleghe", c), params: {}, context: {} }),
    "GET /deleghe/:id/revoca": (c) =>
      revoca.loader({
        request: get(`/deleghe/${delegationId}/revoca`, c),
        params: { id: delegationId },
        context: {},
      }),
    "GET /associazione": (c) =>
      workspace.loader({ request: get("/associazione", c), params: {}, context: {} }),
    "GET /associazione.csv": (c) =>
      workspaceCsv.loader({ request: get("/associazione.csv", c), params: {}, context: {} }),
    "GET /pratiche/:id (filed by the association)": (c) =>
      pratica.loader({
        request: get(`/pratiche/${filedByAssociation}`, c),
        params: { id: filedByAssociation },
        context: {},
      }),
    "GET /pratiche/:id (filed by the business)": (c) =>
      pratica.loader({
        request: get(`/pratiche/${filedByBusiness}`, c),
        params: { id: filedByBusiness },
        context: {},
      }),
    "POST /deleghe/:id/revoca": (c) =>
      revoca.action({
        request: post(`/deleghe/${delegationId}/revoca`, c, {}),
        params: { id: delegationId },
        context: {},
      }),
  };

  it.each(Object.keys(expected))("%s answers each role as the policy says", async (route) => {
    const actual = {} as Record<RoleName, Outcome>;
    for (const role of ROLES) {
      const result = await outcome(() => calls[route]!(cookies[role]));
      // Anonymous POSTs fail the CSRF check first (no session): a refusal all the same.
      actual[role] = route.startsWith("POST") && role === "anonymous" && result === 403 ? "login" : result;
    }
    expect(actual).toEqual(expected[route]);
  });

  it("after the revocation the association still sees what it filed, and it alone", async () => {
    const view = (c: string, id: string) =>
      outcome(() => pratica.loader({ request: get(`/pratiche/${id}`, c), params: { id }, context: {} }));
    expect(await view(cookies.association, filedByAssociation)).toBe(200);
    // The business's own pratica was filed while the delegation was in force: still visible, read-only.
    expect(await view(cookies.association, filedByBusiness)).toBe(200);
    expect(await view(cookies.otherAssociation, filedByAssociation)).toBe(404);
    const ws = (await workspace.loader({
      request: get("/associazione", cookies.association),
      params: {},
      context: {},
    })) as {
      rows: { id: string }[];
    };
    expect(ws.rows.map((r) => r.id).sort()).toEqual([filedByAssociation, filedByBusiness].sort());
  });
});
