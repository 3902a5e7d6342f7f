import { describe, expect, it } from "vitest";
import { hashPassword, passwordProblem, verifyPassword } from "~/server/auth/password.server";
import { safeRedirect } from "~/server/auth/session.server";
import { Mutex } from "~/server/db/mutex.server";
import { backoffMinutes } from "~/server/mail/outbox.server";

describe("passwords", () => {
  it("hash with a salt and verify only the right password", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });
  it("explain the length rule", () => {
    expect(passwordProblem("corta")).toBe("too_short");
    expect(passwordProblem("abbastanza lunga")).toBeNull();
    expect(passwordProblem("x".repeat(201))).toBe("too_long");
  });
});

describe("redirects", () => {
  it.each([
    ["/area-personale", "/area-personale"],
    ["/catalogo?q=bar", "/catalogo?q=bar"],
    ["//evil.example", "/area-personale"],
    ["https://evil.example", "/area-personale"],
    ["/\\evil.example", "/area-personale"],
    [null, "/area-personale"],
  ])("%s -> %s", (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });
});

describe("the PGlite session mutex", () => {
  it("runs holders one at a time, in arrival order", async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const job = (name: string, ms: number) =>
      mutex.run(async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
      });
    await Promise.all([job("a", 20), job("b", 1), job("c", 5)]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });
  it("releases the lock when the holder throws", async () => {
    const mutex = new Mutex();
    await expect(mutex.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await mutex.run(async () => 42)).toBe(42);
  });
});

describe("mail retry backoff", () => {
  it("doubles and is capped", () => {
    expect([1, 2, 3, 4].map(backoffMinutes)).toEqual([1, 2, 4, 8]);
    expect(backoffMinutes(30)).toBe(240);
  });
});
