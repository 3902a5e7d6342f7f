import { describe, expect, it } from "vitest";
import {
  BodyTooLargeError,
  bodyLimits,
  capStream,
  edgeRequest,
  isRefusal,
  normaliseFilename,
  refuseDeclared,
} from "~/server/http/edge.server";

const limits = bodyLimits({ REQUEST_MAX_FORM_KB: 256, UPLOAD_MAX_FILE_MB: 20 });
const MB = 1024 * 1024;

/** A body produced on demand, chunk by chunk, counting what was pulled from "the socket". */
function lazyBody(totalBytes: number, chunk = MB) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= totalBytes) return controller.close();
        const n = Math.min(chunk, totalBytes - pulled);
        pulled += n;
        controller.enqueue(new Uint8Array(n).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

describe("request edge", () => {
  it("refuses a declared body over the cap before reading it (150 MB to /accedi, 8 x 15 MB multipart)", () => {
    expect(
      refuseDeclared("POST", "application/x-www-form-urlencoded", String(150 * MB), limits)?.status,
    ).toBe(413);
    expect(refuseDeclared("POST", "multipart/form-data; boundary=x", String(120 * MB), limits)?.status).toBe(
      413,
    );
    expect(refuseDeclared("POST", "multipart/form-data; boundary=x", String(5 * MB), limits)).toBeNull();
    expect(refuseDeclared("POST", "application/x-www-form-urlencoded", "1000", limits)).toBeNull();
    expect(refuseDeclared("GET", null, String(150 * MB), limits)).toBeNull();
  });

  it("cuts a chunked body at the cap while it streams, without pulling the rest", async () => {
    const body = lazyBody(8 * 15 * MB);
    let exceeded = 0;
    const capped = capStream(body.stream, limits.multipartBytes, () => exceeded++);
    const reader = capped.getReader();
    let received = 0;
    const error = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return null;
          received += value.byteLength;
        }
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect(exceeded).toBe(1);
    expect(received).toBeLessThanOrEqual(limits.multipartBytes);
    // Reading stopped at the cap: a few chunks of slack at most, never the 120 MB sent.
    expect(body.pulled()).toBeLessThan(limits.multipartBytes + 4 * MB);
  });

  it("answers 413 for a chunked form body over the cap, not a 500", async () => {
    const body = lazyBody(150 * MB, 64 * 1024);
    const request = new Request("http://localhost/accedi", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: capStream(body.stream, limits.formBytes),
      duplex: "half",
    } as RequestInit);
    const out = await edgeRequest(request, limits);
    expect(isRefusal(out) && out.status).toBe(413);
    expect(body.pulled()).toBeLessThan(limits.formBytes + 4 * 64 * 1024);
  });

  it("refuses JSON or text where a form is expected with 415 and a sentence", async () => {
    for (const type of ["application/json", "text/plain"]) {
      const out = await edgeRequest(
        new Request("http://localhost/accedi", {
          method: "POST",
          headers: { "Content-Type": type },
          body: "{}",
        }),
        limits,
      );
      expect(isRefusal(out) && out.status).toBe(415);
      expect(isRefusal(out) && out.message).toMatch(/modulo/);
    }
  });

  it("lets JSON through to the machine-to-machine endpoints only (pagoPA, SSU, the GPD double)", async () => {
    for (const path of ["/api/pagopa/notifiche", "/dev/pagopa/gpd/organizations/x/debtpositions"]) {
      const out = await edgeRequest(
        new Request(`http://localhost${path}`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: '{"a":1}',
        }),
        limits,
      );
      expect(isRefusal(out)).toBe(false);
      expect(await (out as Request).json()).toEqual({ a: 1 });
    }
    const page = await edgeRequest(
      new Request("http://localhost/apix", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      }),
      limits,
    );
    expect(isRefusal(page) && page.status).toBe(415);
  });

  it("normalises form text: NUL and control characters, bidi overrides removed, NFC", async () => {
    const body = new URLSearchParams({
      nome: "Ma\u0000ria\u202Etxt.exe",
      citta: "Citta\u0300",
      note: "a\r\nb",
    });
    const out = await edgeRequest(
      new Request("http://localhost/x", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body,
      }),
      limits,
    );
    if (isRefusal(out)) throw new Error(out.message);
    const form = await out.formData();
    expect(form.get("nome")).toBe("Mariatxt.exe");
    expect(form.get("citta")).toBe("Città");
    expect(form.get("note")).toBe("a\r\nb");
  });

  it("refuses a query string with a NUL byte or broken escapes with 400", async () => {
    for (const q of ["?q=a%00b", "?q=%E0%A4%A"]) {
      const out = await edgeRequest(new Request(`http://localhost/catalogo${q}`), limits);
      expect(isRefusal(out) && out.status).toBe(400);
    }
    expect(
      isRefusal(await edgeRequest(new Request("http://localhost/catalogo?q=bar%20caff%C3%A8"), limits)),
    ).toBe(false);
  });

  it("strips bidi controls from file names", () => {
    expect(normaliseFilename("fattura\u202Efdp.exe")).toBe("fatturafdp.exe");
    expect(normaliseFilename("Fattura n. 12; anno=2026.pdf")).toBe("Fattura n. 12; anno=2026.pdf");
  });
});
