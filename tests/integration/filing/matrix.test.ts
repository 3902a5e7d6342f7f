import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as uploadApi from "~/routes/api.v1.pratiche.$id.allegati";
import * as descriptorApi from "~/routes/api.v1.pratiche.$cui.descriptor";
import * as documento from "~/routes/documenti.$id";
import * as allegati from "~/routes/pratiche.$id.allegati";
import * as atto from "~/routes/pratiche.$id.atti.$act";
import * as riepilogo from "~/routes/pratiche.$id.riepilogo";
import * as sezione from "~/routes/pratiche.$id.sezioni.$section";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { submitPratica } from "~/server/filing/submit.server";
import { CSRF, cookieFor, get, post, useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { ANSWERS, completeDraft, PDF as DRAFT_PDF } from "./support";

// Another file than the one the draft already holds for DOC_IDENTITA (the same bytes for the same document are
// kept once: a second upload of them adds nothing): the fixture with a comment after its end.
const PDF = new Uint8Array([...DRAFT_PDF, ...new TextEncoder().encode("\n% matrix upload\n")]);

/**
 * Every business-side route of one pratica (sections, attachments and the upload API, submission, the
 * applicant's acts, documents, the instance descriptor), read and write, with every role: the real loaders and
 * actions, real session cookies and CSRF tokens. Allowed roles post a VALID request; nothing is rewritten before
 * comparing. "login" = redirect to /accedi; numbers are HTTP statuses.
 */
type Outcome = number | "login";
const ROLES = [
  "anonymous",
  "business",
  "otherBusiness",
  "association",
  "officer",
  "manager",
  "asl",
  "admin",
] as const;
type RoleName = (typeof ROLES)[number];
const EMAILS: Record<Exclude<RoleName, "anonymous">, string> = {
  business: "impresa@demo.test",
  otherBusiness: "altra@impresa.test",
  association: "associazione@demo.test",
  officer: "operatore@demo.test",
  manager: "responsabile@demo.test",
  asl: "asl@demo.test",
  admin: "admin@demo.test",
};

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

function multipart(url: string, cookie: string, fields: Record<string, string>, file?: Uint8Array) {
  const body = new FormData();
  body.set("_csrf", CSRF);
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  if (file) body.set("file", new File([new Uint8Array(file)], "documento.pdf", { type: "application/pdf" }));
  return new Request(`http://localhost${url}`, {
    method: "POST",
    body,
    headers: cookie ? { Cookie: cookie } : {},
  });
}

describe.each(DATABASES)("business-side access matrix on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let draftId: string;
  let filed: { id: string; cui: string; receiptId: string };
  const cookies = {} as Record<RoleName, string>;

  const owner = () => userByEmail(test.handle.db, "impresa@demo.test");
  const freshDraft = async () => completeDraft(test.handle.db, services.files, await owner());
  async function freshFiled() {
    const { db } = test.handle;
    const id = await freshDraft();
    const result = await submitPratica(db, services, await owner(), {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const row = await db.selectFrom("pratiche").select("cui").where("id", "=", id).executeTakeFirstOrThrow();
    const receipt = await db
      .selectFrom("documents")
      .select("id")
      .where("pratica_id", "=", id)
      .executeTakeFirstOrThrow();
    return { id, cui: row.cui!, receiptId: receipt.id };
  }

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    const { db } = test.handle;
    await importBundledCatalogues(db);
    const hash = (await db.selectFrom("users").select("password_hash").limit(1).executeTakeFirstOrThrow())
      .password_hash;
    const other = randomUUID();
    await db
      .insertInto("users")
      .values({ id: other, email: EMAILS.otherBusiness, password_hash: hash, full_name: "Altra impresa" })
      .execute();
    await db
      .insertInto("memberships")
      .values({ user_id: other, role: "business", entity_id: null })
      .execute();
    for (const role of ROLES) cookies[role] = role === "anonymous" ? "" : await cookieFor(db, EMAILS[role]);
    draftId = await freshDraft();
    filed = await freshFiled();
  });
  afterAll(async () => {
    await test.drop();
  });

  const everyone = (value: Outcome) =>
    Object.fromEntries(ROLES.map((r) => [r, value])) as Record<RoleName, Outcome>;
  // Outsiders get the same 404 as for a missing pratica; anonymous requests go to the login page (these
  // routes ask for the user before reading the body).
  const onlyOwner = (ok: Outcome, anonymous: Outcome = "login") => ({
    ...everyone(404),
    anonymous,
    business: ok,
  });

  const expected: Record<string, Record<RoleName, Outcome>> = {
    "GET /pratiche/:draft/sezioni/:section": onlyOwner(200),
    "POST /pratiche/:draft/sezioni/:section": onlyOwner(302),
    "GET /pratiche/:draft/allegati": onlyOwner(200),
    "POST /pratiche/:draft/allegati (upload)": onlyOwner(302),
    "POST /pratiche/:draft/allegati (remove)": onlyOwner(302),
    "POST /api/v1/pratiche/:draft/allegati": onlyOwner(200),
    "POST /pratiche/:draft/riepilogo (submit)": onlyOwner(302),
    "GET /pratiche/:filed/atti/CANCEL": onlyOwner(200),
    "POST /pratiche/:filed/atti/CANCEL": onlyOwner(302),
    // The desk reads the documents of what was filed to it; the ASL was not consulted.
    "GET /documenti/:receipt": {
      ...everyone(404),
      anonymous: "login",
      business: 200,
      officer: 200,
      manager: 200,
    },
    "GET /documenti/:draft-attachment": onlyOwner(200),
    // The API has no login page: anonymous is a 404 like any pratica one may not see.
    "GET /api/v1/pratiche/:cui/descriptor": { ...everyone(404), business: 200, officer: 200, manager: 200 },
  };

  const calls: Record<string, (cookie: string) => Promise<unknown>> = {
    "GET /pratiche/:draft/sezioni/:section": (c) =>
      sezione.loader({
        request: get(`/pratiche/${draftId}/sezioni/impresa`, c),
        params: { id: draftId, section: "impresa" },
        context: {},
      }),
    "POST /pratiche/:draft/sezioni/:section": async (c) => {
      const id = await freshDraft();
      return sezione.action({
        request: post(`/pratiche/${id}/sezioni/impresa`, c, ANSWERS),
        params: { id, section: "impresa" },
        context: {},
      });
    },
    "GET /pratiche/:draft/allegati": (c) =>
      allegati.loader({
        request: get(`/pratiche/${draftId}/allegati`, c),
        params: { id: draftId },
        context: {},
      }),
    "POST /pratiche/:draft/allegati (upload)": async (c) => {
      const id = await freshDraft();
      return allegati.action({
        request: multipart(`/pratiche/${id}/allegati`, c, { code: "DOC_IDENTITA" }, PDF),
        params: { id },
        context: {},
      });
    },
    "POST /pratiche/:draft/allegati (remove)": async (c) => {
      const id = await freshDraft();
      const att = await test.handle.db
        .selectFrom("attachments")
        .select("id")
        .where("pratica_id", "=", id)
        .executeTakeFirstOrThrow();
      return allegati.action({
        request: post(`/pratiche/${id}/allegati`, c, { intent: "remove", attachment: att.id }),
        params: { id },
        context: {},
      });
    },
    "POST /api/v1/pratiche/:draft/allegati": async (c) => {
      const id = await freshDraft();
      return uploadApi.action({
        request: multipart(`/api/v1/pratiche/${id}/allegati`, c, { code: "DOC_IDENTITA" }, PDF),
        params: { id },
        context: {},
      });
    },
    "POST /pratiche/:draft/riepilogo (submit)": async (c) => {
      const id = await freshDraft();
      return riepilogo.action({
        request: post(`/pratiche/${id}/riepilogo`, c, { submissionKey: randomUUID(), dichiarazione: "true" }),
        params: { id },
        context: {},
      });
    },
    "GET /pratiche/:filed/atti/CANCEL": (c) =>
      atto.loader({
        request: get(`/pratiche/${filed.id}/atti/CANCEL`, c),
        params: { id: filed.id, act: "CANCEL" },
        context: {},
      }),
    "POST /pratiche/:filed/atti/CANCEL": async (c) => {
      const { id } = await freshFiled();
      return atto.action({
        request: post(`/pratiche/${id}/atti/CANCEL`, c, { reasons: "Non apro più" }),
        params: { id, act: "CANCEL" },
        context: {},
      });
    },
    "GET /documenti/:receipt": (c) =>
      documento.loader({
        request: get(`/documenti/${filed.receiptId}`, c),
        params: { id: filed.receiptId },
        context: {},
      }),
    "GET /documenti/:draft-attachment": async (c) => {
      const att = await test.handle.db
        .selectFrom("attachments")
        .select("id")
        .where("pratica_id", "=", draftId)
        .executeTakeFirstOrThrow();
      return documento.loader({
        request: get(`/documenti/${att.id}`, c),
        params: { id: att.id },
        context: {},
      });
    },
    "GET /api/v1/pratiche/:cui/descriptor": (c) =>
      descriptorApi.loader({
        request: get(`/api/v1/pratiche/${filed.cui}/descriptor`, c),
        params: { cui: filed.cui },
        context: {},
      }),
  };

  it.each(Object.keys(expected))("%s answers each role as the policy says", async (route) => {
    const actual = {} as Record<RoleName, Outcome>;
    for (const role of ROLES) actual[role] = await outcome(() => calls[route]!(cookies[role]));
    expect(actual).toEqual(expected[route]);
  });

  it("lets only the owner's valid writes change anything", async () => {
    const { db } = test.handle;
    // Every refused upload above left no attachment: only the owner's two uploads (page and API) stored one.
    const others = await db
      .selectFrom("attachments")
      .select("id")
      .where("filename", "=", "documento.pdf")
      .execute();
    expect(others).toHaveLength(2);
  });
});
