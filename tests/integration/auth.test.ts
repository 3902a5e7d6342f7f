import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, registerBusinessUser, THROTTLE_MAX_FAILURES } from "~/server/auth/accounts.server";
import { loadPrincipal } from "~/server/auth/session.server";
import { DEMO_PASSWORD } from "~/server/seed-data.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "./support/databases";

describe.each(DATABASES)("accounts on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("registers a business user once per email, case-insensitively", async () => {
    const first = await registerBusinessUser({
      email: "Nuova@Impresa.test",
      password: "una password lunga",
      fullName: "Anna Nuova",
    });
    expect(first.ok).toBe(true);
    const again = await registerBusinessUser({
      email: "nuova@impresa.test",
      password: "altra password lunga",
      fullName: "Altra",
    });
    expect(again).toEqual({ ok: false, reason: "email_taken" });
    const stored = await test.handle.db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", "nuova@impresa.test")
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.password_hash).toMatch(/^scrypt\$/);
    expect(stored[0]?.password_hash).not.toContain("una password lunga");
    if (first.ok) {
      const principal = await loadPrincipal(first.userId);
      expect(principal.grants).toEqual([{ role: "business", entityId: null }]);
    }
  });

  it("logs in with the right password only", async () => {
    const ok = await login("operatore@demo.test", DEMO_PASSWORD, "10.0.0.1");
    expect(ok.ok).toBe(true);
    const wrong = await login("operatore@demo.test", "sbagliata", "10.0.0.1");
    expect(wrong).toEqual({ ok: false, reason: "invalid" });
    const unknown = await login("nessuno@demo.test", DEMO_PASSWORD, "10.0.0.1");
    expect(unknown).toEqual({ ok: false, reason: "invalid" });
  });

  it("throttles an account after repeated failures, even with the right password", async () => {
    for (let i = 0; i < THROTTLE_MAX_FAILURES; i++) {
      const r = await login("asl@demo.test", `tentativo-${i}`, `10.0.1.${i}`);
      expect(r.ok).toBe(false);
    }
    const blocked = await login("asl@demo.test", DEMO_PASSWORD, "10.0.2.1");
    expect(blocked.ok).toBe(false);
    expect(blocked).toMatchObject({ reason: "throttled" });
    if (!blocked.ok && blocked.reason === "throttled") expect(blocked.retryMinutes).toBeGreaterThanOrEqual(1);
    // Other accounts are not affected.
    expect((await login("vvf@demo.test", DEMO_PASSWORD, "10.0.2.1")).ok).toBe(true);
  });
});
