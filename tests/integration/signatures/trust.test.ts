// Trust anchors from TRUST_ANCHORS: a folder of PEM/DER certificates and CRLs, and an ETSI TS 119 612 trusted
// list (the EU/AgID format) where only services whose current status is "granted" are trusted.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTrustedList, SERVICE_TYPES, trustedCertificates } from "~/domain/signature/trusted-list";
import { SignedXml } from "xml-crypto";
import { ConfigError, parseEnv } from "~/server/env.server";
import { loadVerifier } from "~/server/integrations/signature/registry.server";
import { emptyTrustStore, loadTrustStore } from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { createCms } from "~/server/integrations/signature/cms-sign.server";
import { buildCorpus, type Corpus, cades, samplePdf, signer } from "./corpus";

const dir = mkdtempSync(path.join(os.tmpdir(), "suap-trust-"));
let c: Corpus;
beforeAll(async () => {
  c = await buildCorpus();
}, 120_000);
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

const b64 = (der: Uint8Array) => Buffer.from(der).toString("base64");

function trustedList(granted: Uint8Array, withdrawn: Uint8Array) {
  const service = (name: string, status: string, der: Uint8Array, history = "") => `
        <tsl:TSPService>
          <tsl:ServiceInformation>
            <tsl:ServiceTypeIdentifier>${SERVICE_TYPES.qualifiedCa}</tsl:ServiceTypeIdentifier>
            <tsl:ServiceName><tsl:Name xml:lang="it">${name}</tsl:Name></tsl:ServiceName>
            <tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>
              ${b64(der).replace(/(.{64})/g, "$1\n              ")}
            </tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>
            <tsl:ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/${status}</tsl:ServiceStatus>
          </tsl:ServiceInformation>
          ${history}
        </tsl:TSPService>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" TSLTag="http://uri.etsi.org/19612/TSLTag">
  <tsl:SchemeInformation><tsl:SchemeTerritory>IT</tsl:SchemeTerritory></tsl:SchemeInformation>
  <tsl:TrustServiceProviderList>
    <tsl:TrustServiceProvider>
      <tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="it">Prove &amp; Firme S.p.A.</tsl:Name></tsl:TSPName></tsl:TSPInformation>
      <tsl:TSPServices>${service("Test Root CA", "granted", granted)}</tsl:TSPServices>
    </tsl:TrustServiceProvider>
    <tsl:TrustServiceProvider>
      <tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="it">Cessata S.r.l.</tsl:Name></tsl:TSPName></tsl:TSPInformation>
      <tsl:TSPServices>${service(
        "Sconosciuta CA",
        "withdrawn",
        withdrawn,
        `<tsl:ServiceHistory><tsl:ServiceHistoryInstance><tsl:ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</tsl:ServiceStatus></tsl:ServiceHistoryInstance></tsl:ServiceHistory>`,
      )}</tsl:TSPServices>
    </tsl:TrustServiceProvider>
  </tsl:TrustServiceProviderList>
</tsl:TrustServiceStatusList>`;
}

describe("ETSI TS 119 612 trusted list", () => {
  it("reads providers, services, statuses and certificates; trusts only the granted ones", () => {
    const list = parseTrustedList(trustedList(c.root.der, c.untrustedRoot.der));
    expect(list.territory).toBe("IT");
    expect(list.services.map((s) => [s.provider, s.name, s.trusted])).toEqual([
      ["Prove & Firme S.p.A.", "Test Root CA", true],
      ["Cessata S.r.l.", "Sconosciuta CA", false],
    ]);
    expect(trustedCertificates(list)).toEqual([b64(c.root.der)]);
  });

  it("refuses a file that is not a trusted list", () => {
    expect(() => parseTrustedList("<html/>")).toThrow(/TrustServiceStatusList/);
  });

  it("a verifier loaded from the list accepts the granted CA's signers and refuses the withdrawn one's", async () => {
    const folder = path.join(dir, "tsl");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "IT_TSL.xml"), trustedList(c.root.der, c.untrustedRoot.der));
    // Read unsigned only on the explicit opt-in (the development TRUSTED_LIST_UNSIGNED=1), with a warning.
    const store = await loadTrustStore(folder, emptyTrustStore(undefined, { unsignedLists: "read" }));
    expect(store.anchors).toHaveLength(1);
    expect(store.warnings![0]).toMatch(/IT_TSL\.xml è letta SENZA verificarne la firma/);
    const verifier = new LocalSignatureVerifier(store);
    const pdf = await samplePdf();
    expect(
      (await verifier.verify({ filename: "a.pdf.p7m", bytes: await cades(pdf, c.valid, c) })).outcome,
    ).toBe("valid");
    const foreign = await createCms(pdf, signer(c.untrusted), { detached: false, signingTime: new Date() });
    const refused = await verifier.verify({ filename: "a.pdf.p7m", bytes: foreign });
    expect(refused.problem?.it).toMatch(/ente non riconosciuto/);
  });
});

describe("TRUST_ANCHORS folder", () => {
  it("loads PEM and DER certificates and CRLs; a local CRL answers revocation without the network", async () => {
    const folder = path.join(dir, "anchors");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "root.pem"), c.root.pem);
    writeFileSync(path.join(folder, "altra.cer"), c.untrustedRoot.der);
    writeFileSync(path.join(folder, "intermedia.crl"), c.crl.der);
    writeFileSync(path.join(folder, "leggimi.txt"), "ignored");
    const store = await loadTrustStore(folder);
    expect(store.anchors).toHaveLength(2);
    expect(store.crls).toHaveLength(1);
    const offline = new LocalSignatureVerifier(store, { network: false });
    const pdf = await samplePdf();
    const revoked = await offline.verify({ filename: "a.pdf.p7m", bytes: await cades(pdf, c.revoked, c) });
    expect(revoked.problem?.it).toMatch(/revocato/);
    // The intermediate's own status (root CRL) is only on the network: offline it stays unknown, never valid.
    const valid = await offline.verify({ filename: "a.pdf.p7m", bytes: await cades(pdf, c.valid, c) });
    expect(valid.outcome).toBe("indeterminate");
  });

  it("names the file that cannot be read", async () => {
    const folder = path.join(dir, "bad");
    mkdirSync(folder);
    writeFileSync(
      path.join(folder, "rotto.pem"),
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    await expect(loadTrustStore(folder)).rejects.toThrow(/rotto\.pem non contiene certificati/);
  });
});

describe("the trusted list's XAdES signature (TRUSTED_LIST_SIGNER)", () => {
  function signList(xml: string, by: { keyPem: string; pem: string }) {
    const sig = new SignedXml({
      privateKey: by.keyPem,
      publicCert: by.pem,
      signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
    });
    sig.addReference({
      xpath: "/*",
      digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
      transforms: [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
      ],
      isEmptyUri: true,
    });
    sig.computeSignature(xml, { location: { reference: "/*", action: "append" } });
    return sig.getSignedXml();
  }

  it("takes a list signed by the configured signer; refuses a tampered, foreign or unsigned one and keeps the anchors already loaded", async () => {
    const folder = path.join(dir, "tsl-signed");
    mkdirSync(folder);
    const signed = signList(trustedList(c.root.der, c.untrustedRoot.der), c.other);
    // "0-" sorts first: the anchor loaded before the refused lists stays.
    writeFileSync(path.join(folder, "0-ancora.pem"), c.untrustedRoot.pem);
    writeFileSync(path.join(folder, "1-IT_TSL.xml"), signed);
    writeFileSync(
      path.join(folder, "2-alterata.xml"),
      signed.replace("Prove &amp; Firme S.p.A.", "Prove &amp; Falsi S.p.A."),
    );
    writeFileSync(
      path.join(folder, "3-altro-firmatario.xml"),
      signList(trustedList(c.intermediate.der, c.untrustedRoot.der), c.valid),
    );
    writeFileSync(path.join(folder, "4-senza-firma.xml"), trustedList(c.intermediate.der, c.root.der));
    const store = await loadTrustStore(folder, emptyTrustStore([c.other.pem]));
    // The anchor file and the one genuine list (its granted root): nothing from the refused ones.
    expect(
      store.anchors.map((a) => Buffer.from(a.toSchema().toBER(false)).toString("base64")).sort(),
    ).toEqual([b64(c.root.der), b64(c.untrustedRoot.der)].sort());
    expect(store.refused).toHaveLength(3);
    expect(store.refused![0]).toMatch(
      /2-alterata\.xml: la firma XAdES della lista di fiducia non è valida .*TRUSTED_LIST_SIGNER.*Le àncore di fiducia precedenti restano in uso/,
    );
    expect(store.refused![1]).toMatch(/3-altro-firmatario\.xml: la firma XAdES .* non è valida/);
    expect(store.refused![2]).toMatch(/4-senza-firma\.xml: la lista di fiducia non porta la firma XAdES/);
  });

  it("without TRUSTED_LIST_SIGNER: production stops the boot, development refuses the list unless TRUSTED_LIST_UNSIGNED=1", async () => {
    const folder = path.join(dir, "senza-gestore");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "IT_TSL.xml"), trustedList(c.intermediate.der, c.root.der));
    const pdfFile = await cades(await samplePdf(), c.valid, c);
    const dataDir = path.join(dir, "data-tl");
    // Development, no opt-in: the list adds nothing (refused, logged), the signer is an unknown issuer.
    const refusing = await loadVerifier(
      parseEnv({ DATA_DIR: dataDir, NODE_ENV: "test", TRUST_ANCHORS: folder }),
    );
    const refused = await refusing.verify({ filename: "a.pdf.p7m", bytes: pdfFile });
    expect(refused.problem?.it).toMatch(/ente non riconosciuto/);
    const store = await loadTrustStore(folder, emptyTrustStore());
    expect(store.anchors).toHaveLength(0);
    expect(store.refused![0]).toMatch(
      /IT_TSL\.xml: la firma della lista non si può verificare perché TRUSTED_LIST_SIGNER non è impostata/,
    );
    // Development with the opt-in: read, its CA trusted.
    const reading = await loadVerifier(
      parseEnv({ DATA_DIR: dataDir, NODE_ENV: "test", TRUST_ANCHORS: folder, TRUSTED_LIST_UNSIGNED: "1" }),
    );
    expect(["valid", "indeterminate"]).toContain(
      (await reading.verify({ filename: "a.pdf.p7m", bytes: pdfFile })).outcome,
    );
    // Production: the boot stops naming the variable; the opt-in itself is refused there.
    const production = {
      NODE_ENV: "production",
      SESSION_SECRET: "x".repeat(40),
      DATA_DIR: dataDir,
      TRUST_ANCHORS: folder,
    };
    await expect(loadVerifier(parseEnv(production))).rejects.toThrow(
      /TRUST_ANCHORS contiene la lista di fiducia .*IT_TSL\.xml, ma TRUSTED_LIST_SIGNER non è impostata/,
    );
    await expect(loadVerifier(parseEnv(production))).rejects.toBeInstanceOf(ConfigError);
    expect(() => parseEnv({ ...production, TRUSTED_LIST_UNSIGNED: "1" })).toThrow(
      /TRUSTED_LIST_UNSIGNED=1 non è ammesso in produzione/,
    );
  });

  it("stops the boot when TRUSTED_LIST_SIGNER is not a certificate", async () => {
    const file = path.join(dir, "non-certificato.pem");
    writeFileSync(file, "niente");
    await expect(
      loadVerifier(
        parseEnv({ DATA_DIR: path.join(dir, "data"), NODE_ENV: "test", TRUSTED_LIST_SIGNER: file }),
      ),
    ).rejects.toThrow(/TRUSTED_LIST_SIGNER deve indicare un file PEM/);
  });
});
