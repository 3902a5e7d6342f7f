// Revocation over the wire: an OCSP responder double on loopback (RFC 6960, signed by the issuing CA)
// answering good, revoked and unknown, and a CRL that lists the certificate. Never "good" by default.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOcspDouble } from "~/server/integrations/signature/ocsp-double.server";
import { type Issued, createCrl, issueCertificate } from "~/server/integrations/signature/pki.server";
import { revocationStatus } from "~/server/integrations/signature/revocation.server";
import { parseCertificate, parseCrl } from "~/server/integrations/signature/trust.server";
import { buildCorpus, type Corpus, DECLARANT, OTHER } from "./corpus";

let c: Corpus;
let ocsp: Awaited<ReturnType<typeof startOcspDouble>>;
const person = (p: { name: string; fiscalCode: string }) => `CN=${p.name},2.5.4.5=TINIT-${p.fiscalCode},C=IT`;
let good: Issued;
let revoked: Issued;
let unknown: Issued;
beforeAll(async () => {
  c = await buildCorpus();
  ocsp = await startOcspDouble(c.intermediate);
  // OCSP only: no CRL distribution point, so the answer comes from the responder.
  const leaf = (p: { name: string; fiscalCode: string }) =>
    issueCertificate({ subject: person(p), issuer: c.intermediate, ocspUrl: ocsp.url });
  [good, revoked, unknown] = await Promise.all([leaf(DECLARANT), leaf(OTHER), leaf(DECLARANT)]);
  ocsp.good(good.cert.serialNumber);
  ocsp.revoke(revoked.cert.serialNumber, new Date("2026-11-20T10:00:00Z"));
}, 120_000);
afterAll(async () => {
  await ocsp?.close();
  await c?.close();
});

const status = (leaf: Issued, crls: Uint8Array[] = []) =>
  revocationStatus(parseCertificate(leaf.der), parseCertificate(c.intermediate.der), {
    crls: crls.map(parseCrl),
  });

describe("revocation by OCSP and CRL", () => {
  it("asks the OCSP responder: good, revoked (with the date), unknown for a serial it does not know", async () => {
    const before = ocsp.answered();
    expect(await status(good)).toEqual({ status: "good", source: ocsp.url });
    const r = await status(revoked);
    expect(r).toMatchObject({ status: "revoked", source: ocsp.url });
    expect(r.status === "revoked" && r.revokedAt.toISOString()).toBe("2026-11-20T10:00:00.000Z");
    expect(await status(unknown)).toMatchObject({ status: "unknown" });
    expect(ocsp.answered() - before).toBe(3);
  });

  it("refuses an OCSP answer signed by someone else: unknown, not good", async () => {
    const other = await startOcspDouble(c.untrustedRoot);
    try {
      const leaf = await issueCertificate({
        subject: person(DECLARANT),
        issuer: c.intermediate,
        ocspUrl: other.url,
      });
      other.good(leaf.cert.serialNumber);
      const s = await status(leaf);
      expect(s.status).toBe("unknown");
      expect(s.status === "unknown" && s.reason).toMatch(/OCSP response not signed by the issuer/);
    } finally {
      await other.close();
    }
  });

  it("a CRL that lists the certificate says revoked before any network call; one that does not, good", async () => {
    const listing = await createCrl(c.intermediate, [
      { serialNumber: good.cert.serialNumber, revokedAt: new Date("2026-11-25T08:00:00Z") },
    ]);
    const before = ocsp.answered();
    const r = await status(good, [listing.der]);
    expect(r).toMatchObject({ status: "revoked", source: "CRL" });
    expect(r.status === "revoked" && r.revokedAt.toISOString()).toBe("2026-11-25T08:00:00.000Z");
    const clean = await createCrl(c.intermediate, []);
    expect(await status(good, [clean.der])).toEqual({ status: "good", source: "CRL" });
    expect(ocsp.answered()).toBe(before);
  });
});
