import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as deletePage from "~/routes/pratiche.$id.elimina";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { cookieFor, get, post, useTestEnv } from "../desk/support";
import { userByEmail } from "../support/factories";
import { completeDraft } from "./support";

/** The "delete the draft" page through its real loader and action, with real session cookies and CSRF. */
describe.each(DATABASES)("deleting a draft through its page on %s", (kind) => {
  let test: TestDatabase;
  let draft: string;
  beforeAll(async () => {
    const services = useTestEnv();
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    const owner = await userByEmail(test.handle.db, "impresa@demo.test");
    draft = await completeDraft(test.handle.db, services.files, owner);
  });
  afterAll(async () => {
    await test.drop();
  });

  async function status(run: () => Promise<unknown>) {
    try {
      const r = await run();
      return r instanceof Response ? `${r.status} ${r.headers.get("Location") ?? ""}`.trim() : "200";
    } catch (thrown) {
      if (thrown instanceof Response)
        return `${thrown.status} ${thrown.headers.get("Location") ?? ""}`.trim();
      throw thrown;
    }
  }
  const exists = async () =>
    !!(await test.handle.db.selectFrom("pratiche").select("id").where("id", "=", draft).executeTakeFirst());

  it("lets nobody but the applicant see or use it, refuses a post without the CSRF token, then deletes", async () => {
    const { db } = test.handle;
    const params = { id: draft };
    const url = `/pratiche/${draft}/elimina`;
    const call = (fn: "loader" | "action", request: Request) => () =>
      deletePage[fn]({ request, params, context: {} } as never);
    expect(await status(call("loader", get(url, "")))).toMatch(/^302 \/accedi/);
    expect(await status(call("action", post(url, "", {})))).toMatch(/^(302 \/accedi|403)/);
    for (const email of [
      "operatore@demo.test",
      "responsabile@demo.test",
      "asl@demo.test",
      "associazione@demo.test",
      "admin@demo.test",
    ]) {
      const cookie = await cookieFor(db, email);
      expect(await status(call("loader", get(url, cookie))), email).toBe("404");
      expect(await status(call("action", post(url, cookie, {}))), email).toBe("404");
    }
    expect(await exists()).toBe(true);
    const owner = await cookieFor(db, "impresa@demo.test");
    expect(await status(call("loader", get(url, owner)))).toBe("200");
    expect(await status(call("action", post(url, owner, {}, "wrong-token")))).toBe("403");
    expect(await exists()).toBe(true);
    expect(await status(call("action", post(url, owner, {})))).toBe("302 /pratiche?eliminata=1");
    expect(await exists()).toBe(false);
    expect(await status(call("loader", get(url, owner)))).toBe("404");
  });
});
