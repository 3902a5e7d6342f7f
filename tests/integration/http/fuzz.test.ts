import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as accedi from "~/routes/accedi";
import * as associazione from "~/routes/associazione._index";
import * as catalogo from "~/routes/catalogo._index";
import * as cosa from "~/routes/cosa-devo-presentare";
import * as deleghe from "~/routes/deleghe._index";
import * as entePratica from "~/routes/ente.pratiche.$id";
import * as lingua from "~/routes/lingua";
import * as allegati from "~/routes/pratiche.$id.allegati";
import * as riepilogo from "~/routes/pratiche.$id.riepilogo";
import * as sezione from "~/routes/pratiche.$id.sezioni.$section";
import * as nuova from "~/routes/pratiche.nuova";
import * as registrati from "~/routes/registrati";
import * as scrivania from "~/routes/scrivania._index";
import * as scrivaniaPratica from "~/routes/scrivania.pratiche.$id";
import * as verifica from "~/routes/verifica._index";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { bodyLimits, edgeRequest, isRefusal } from "~/server/http/edge.server";
import { runtime } from "~/server/runtime.server";
import { CSRF, cookieFor, submittedPratica, useTestEnv } from "../desk/support";
import { completeDraft } from "../filing/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";

/**
 * Every form and query string of the portal, fed hostile and careless input through the same request edge the
 * server uses (edgeRequest), then the real loader or action: the answer is never a 5xx and nothing throws
 * but a Response. The values mix arbitrary Unicode with what testers actually sent (impossible dates, NUL bytes,
 * huge numbers, non-UUID ids, 70 KB of text, SQL and markup).
 */
const NASTY = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "2026-13-01",
  "0000-01-01",
  "9999-99-99",
  "31/02/2026",
  "2147483648",
  "-1",
  "1e309",
  "NaN",
  "not-a-uuid",
  "00000000-0000-0000-0000-00000000000g",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "%00",
  "\u202Eexe.pdf",
  "\u3000",
  "\r\n",
  "x".repeat(70_000),
  "me",
  "none",
  "true",
];
const value = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string(),
);

type Call = (request: Request) => Promise<unknown>;
type Target = {
  name: string;
  method: "GET" | "POST";
  url: () => string;
  fields: string[];
  who: string;
  call: Call;
};

async function statusOf(run: () => Promise<unknown>): Promise<number> {
  try {
    const r = await run();
    return r instanceof Response ? r.status : 200;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

describe.each(DATABASES)("no 5xx from any form or query string on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let draftId: string;
  let filedId: string;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    const { db } = test.handle;
    await importBundledCatalogues(db);
    for (const email of [
      "impresa@demo.test",
      "operatore@demo.test",
      "associazione@demo.test",
      "asl@demo.test",
    ])
      cookies[email] = await cookieFor(db, email);
    cookies.anonymous = "";
    draftId = await completeDraft(db, services.files, await userByEmail(db, "impresa@demo.test"));
    filedId = (await submittedPratica(db, services, { regime: "autorizzazione" })).id;
  });
  afterAll(async () => {
    await test.drop();
  });

  const biz = "impresa@demo.test";
  const officer = "operatore@demo.test";
  const op = "associazione@demo.test";
  const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
  const targets: Target[] = [
    {
      name: "POST /accedi",
      method: "POST",
      url: () => "/accedi",
      fields: ["email", "password", "redirectTo"],
      who: "anonymous",
      call: (r) => accedi.action(args(r)),
    },
    {
      name: "POST /registrati",
      method: "POST",
      url: () => "/registrati",
      fields: ["email", "fullName", "password", "passwordConfirm"],
      who: "anonymous",
      call: (r) => registrati.action(args(r)),
    },
    {
      name: "GET /lingua",
      method: "GET",
      url: () => "/lingua",
      fields: ["to", "back"],
      who: "anonymous",
      call: async (r) => lingua.loader(args(r)),
    },
    {
      name: "GET /catalogo",
      method: "GET",
      url: () => "/catalogo",
      fields: ["q", "tipologia", "evento", "pagina"],
      who: "anonymous",
      call: (r) => catalogo.loader(args(r)),
    },
    {
      name: "GET /cosa-devo-presentare",
      method: "GET",
      url: () => "/cosa-devo-presentare",
      fields: ["q", "procedimento", "comune", "passo"],
      who: "anonymous",
      call: (r) => cosa.loader(args(r)),
    },
    {
      name: "POST /verifica",
      method: "POST",
      url: () => "/verifica",
      fields: ["codice"],
      who: "anonymous",
      call: (r) => verifica.action(args(r)),
    },
    {
      name: "GET /pratiche/nuova",
      method: "GET",
      url: () => "/pratiche/nuova",
      fields: ["procedimento", "comune", "scelta_VICINATO_APERTURA"],
      who: biz,
      call: (r) => nuova.loader(args(r)),
    },
    {
      name: "POST /pratiche/nuova",
      method: "POST",
      url: () => "/pratiche/nuova",
      fields: ["procedimento", "comune", "impresa", "creationKey", "scelta_VICINATO_APERTURA"],
      who: biz,
      call: (r) => nuova.action(args(r)),
    },
    {
      name: "POST /pratiche/:id/sezioni/impresa",
      method: "POST",
      url: () => `/pratiche/${draftId}/sezioni/impresa`,
      fields: [
        "impresa_denominazione",
        "impresa_codice_fiscale",
        "impresa_partita_iva",
        "dich_data_nascita",
        "intent",
      ],
      who: biz,
      call: (r) => sezione.action(args(r, { id: draftId, section: "impresa" })),
    },
    {
      name: "POST /pratiche/:id/allegati (remove)",
      method: "POST",
      url: () => `/pratiche/${draftId}/allegati`,
      fields: ["intent", "attachment"],
      who: biz,
      call: (r) => allegati.action(args(r, { id: draftId })),
    },
    {
      name: "POST /pratiche/:id/riepilogo",
      method: "POST",
      url: () => `/pratiche/${draftId}/riepilogo`,
      fields: ["submissionKey", "dichiarazione"],
      who: biz,
      call: (r) => riepilogo.action(args(r, { id: draftId })),
    },
    {
      name: "GET /scrivania?after=<forged>",
      method: "GET",
      url: () => `/scrivania?after=${Buffer.from(`2026-13-01|${filedId}`).toString("base64url")}`,
      fields: ["status"],
      who: officer,
      call: (r) => scrivania.loader(args(r)),
    },
    {
      name: "GET /scrivania",
      method: "GET",
      url: () => "/scrivania",
      fields: ["comune", "after", "status", "assignee", "due", "within", "q", "regime", "procedure", "desk"],
      who: officer,
      call: (r) => scrivania.loader(args(r)),
    },
    {
      name: "POST /scrivania/pratiche/:id",
      method: "POST",
      url: () => `/scrivania/pratiche/${filedId}`,
      fields: ["act", "assignee", "agency", "reasons", "answerDays", "items", "days"],
      who: officer,
      call: (r) => scrivaniaPratica.action(args(r, { id: filedId })),
    },
    {
      name: "POST /ente/pratiche/:id",
      method: "POST",
      url: () => `/ente/pratiche/${filedId}`,
      fields: ["act", "outcome", "reasons", "agency"],
      who: "asl@demo.test",
      call: (r) => entePratica.action(args(r, { id: filedId })),
    },
    {
      name: "GET /associazione",
      method: "GET",
      url: () => "/associazione",
      fields: ["impresa", "comune", "procedimento", "stato", "operatore"],
      who: op,
      call: (r) => associazione.loader(args(r)),
    },
    {
      name: "POST /associazione (hand over)",
      method: "POST",
      url: () => "/associazione",
      fields: ["pratica", "to"],
      who: op,
      call: (r) => associazione.action(args(r)),
    },
  ];

  function build(t: Target, values: Record<string, string>) {
    const cookie = cookies[t.who] ?? "";
    const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
    if (t.method === "GET") {
      const q = new URLSearchParams(values).toString();
      const base = t.url();
      return new Request(`http://localhost${base}${q ? `${base.includes("?") ? "&" : "?"}${q}` : ""}`, {
        headers,
      });
    }
    return new Request(`http://localhost${t.url()}`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: CSRF, ...values }),
    });
  }

  it.each(targets.map((t) => [t.name, t] as const))(
    "%s never answers 5xx",
    async (_name, t) => {
      const limits = bodyLimits(runtime.env);
      await fc.assert(
        fc.asyncProperty(fc.record(Object.fromEntries(t.fields.map((f) => [f, value]))), async (values) => {
          const edged = await edgeRequest(build(t, values as Record<string, string>), limits);
          if (isRefusal(edged)) {
            expect(edged.status).toBeLessThan(500);
            return;
          }
          const status = await statusOf(() => t.call(edged));
          expect(status, JSON.stringify(values).slice(0, 300)).toBeLessThan(500);
        }),
        {
          numRuns: t.name.includes("accedi") || t.name.includes("registrati") ? 8 : 30,
          // Each known-bad value in every field at once, before the random ones.
          examples: NASTY.map((v) => [Object.fromEntries(t.fields.map((f) => [f, v]))]),
        },
      );
    },
    120_000,
  );

  it("refuses impossible delegation dates with a 400 and stores no file", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const countFiles = () =>
      readdirSync(runtime.env.DATA_DIR, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
        .length;
    const before = countFiles();
    for (const [from, to] of [
      ["2026-13-01", "2026-12-31"],
      ["0000-01-01", "2099-12-31"],
      ["2026-01-01", "0000-01-01"],
      ["2026-02-30", "2026-12-31"],
    ]) {
      const body = new FormData();
      body.set("_csrf", CSRF);
      body.set("businessId", owner.principal.businessIds[0]!);
      body.set("organisation", "CONFCOMMERCIO-PI");
      body.set("scopeMode", "all");
      body.set("validFrom", from);
      body.set("validTo", to);
      body.set(
        "file",
        new File(
          [readFileSync(path.resolve("tests/fixtures/planimetria.pdf"))],
          "Procura n. 1; anno=2026.pdf",
        ),
      );
      const request = new Request("http://localhost/deleghe", {
        method: "POST",
        headers: { Cookie: cookies[biz]! },
        body,
      });
      const status = await statusOf(() => deleghe.action(args(request)));
      expect(status, `${from} ${to}`).toBe(400);
    }
    expect(countFiles()).toBe(before);
  });

  it("answers JSON, text and truncated bodies where a form is expected with a 4xx", async () => {
    const limits = bodyLimits(runtime.env);
    for (const [type, body] of [
      ["application/json", '{"email":"a"}'],
      ["text/plain", "email=a"],
      ["application/x-www-form-urlencoded", "email=%E0%A4%A"],
    ] as const) {
      const edged = await edgeRequest(
        new Request("http://localhost/accedi", { method: "POST", headers: { "Content-Type": type }, body }),
        limits,
      );
      const status = isRefusal(edged) ? edged.status : await statusOf(() => accedi.action(args(edged)));
      expect(status, type).toBeGreaterThanOrEqual(400);
      expect(status, type).toBeLessThan(500);
    }
  });
});
