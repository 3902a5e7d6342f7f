import { createPrivateKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import {
  confermaRicezioneXml,
  notificaEccezioneXml,
  readSegnatura,
  type SegnaturaInput,
  segnaturaXml,
  signXml,
  validateAgainstXsd,
  type XmlSigner,
} from "~/server/integrations/pec/segnatura.server";

const input: SegnaturaInput = {
  identificatore: {
    codiceAmministrazione: "SUAP-AVC",
    codiceAOO: "SUAP-AVC",
    codiceRegistro: "PROTOCOLLO",
    numero: 12,
    data: "2026-12-01",
  },
  oggetto: "Inoltro agli enti & richiesta di parere",
  classifica: { denominazione: "Sportello unico attività produttive", codice: "SUAP" },
  mittente: {
    kind: "amministrazione",
    denominazione: "SUAP Alta Val di Cecina",
    codiceIPA: "SUAP-AVC",
    pec: "suap@pec.test",
  },
  destinatari: [
    { kind: "amministrazione", denominazione: "Azienda USL", codiceIPA: "ASL", pec: "asl@pec.test" },
    { kind: "persona_giuridica", denominazione: "Bottega Rossi", piva: "01234567890", pec: "b@pec.test" },
  ],
  documenti: [
    { nomeFile: "inoltro.pdf", mimeType: "application/pdf", content: Buffer.from("%PDF-1.7 primo") },
    { nomeFile: "allegato.pdf", mimeType: "application/pdf", content: Buffer.from("%PDF-1.7 secondo") },
  ],
};

let signer: XmlSigner;
beforeAll(async () => {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = {
    name: "RSASSA-PKCS1-v1_5",
    hash: "SHA-256",
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=SUAP di prova",
    keys,
    signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  signer = {
    key: createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }),
    certificate: new Uint8Array(cert.rawData),
  };
}, 60_000);

describe("segnatura informatica (AgID 2021, Allegato 6)", () => {
  it("the signed segnatura is valid against AgID's XSD and reads back with its digests", async () => {
    const signed = signXml(segnaturaXml(input), signer);
    expect(await validateAgainstXsd(signed)).toEqual([]);
    const read = await readSegnatura(signed);
    expect(read.identificatore.numero).toBe(12);
    expect(read.oggetto).toBe(input.oggetto);
    expect(read.mittente).toBe("SUAP Alta Val di Cecina");
    expect(Object.keys(read.impronte)).toEqual(["inoltro.pdf", "allegato.pdf"]);
    expect(signed).toContain("<NumeroRegistrazione>0000012</NumeroRegistrazione>");
  });

  it("an unsigned segnatura fails the XSD (the signature is mandatory)", async () => {
    expect((await validateAgainstXsd(segnaturaXml(input))).length).toBeGreaterThan(0);
  });

  it("a forged segnatura (content changed after signing) is refused", async () => {
    const signed = signXml(segnaturaXml(input), signer);
    await expect(readSegnatura(signed.replace("<Oggetto>Inoltro", "<Oggetto>Diniego"))).rejects.toThrow(
      /alterato/,
    );
  });

  it("a malformed segnatura is refused with the schema's complaint", async () => {
    const signed = signXml(segnaturaXml(input), signer);
    await expect(readSegnatura(signed.replace(/<(\/?)Oggetto>/g, "<$1Ogg>"))).rejects.toThrow(/schema AgID/);
    await expect(readSegnatura("<non-xml")).rejects.toThrow();
  });

  it("conferma di ricezione and notifica di eccezione are valid against pec_message.xsd", async () => {
    const id = input.identificatore;
    expect(await validateAgainstXsd(confermaRicezioneXml(id, { ...id, numero: 99 }), "pec_message")).toEqual(
      [],
    );
    expect(await validateAgainstXsd(confermaRicezioneXml("<m1@asl.test>", id), "pec_message")).toEqual([]);
    expect(
      await validateAgainstXsd(notificaEccezioneXml("<m1@asl.test>", "Firma non valida"), "pec_message"),
    ).toEqual([]);
  });
});

describe("PEC configuration", () => {
  it("wants the provider's three variables together, and never the development provider in production", async () => {
    const { ConfigError, parseEnv } = await import("~/server/env.server");
    const { pecConfigured } = await import("~/server/integrations/pec/index.server");
    expect(pecConfigured(parseEnv({ NODE_ENV: "development" }))).toBe("double");
    expect(pecConfigured(parseEnv({ NODE_ENV: "development", PEC_DEV_PROVIDER: "0" }))).toBe("off");
    expect(() => parseEnv({ PEC_SMTP_URL: "smtps://u:p@smtps.pec.it:465" })).toThrow(ConfigError);
    expect(() =>
      parseEnv({
        PEC_SMTP_URL: "smtps://u:p@smtps.pec.it:465",
        PEC_IMAP_URL: "imaps://u:p@imaps.pec.it:993",
      }),
    ).toThrow(/PEC_ADDRESS/);
    const env = parseEnv({
      PEC_SMTP_URL: "smtps://u:p@smtps.pec.it:465",
      PEC_IMAP_URL: "imaps://u:p@imaps.pec.it:993",
      PEC_ADDRESS: "suap@pec.comune.it",
    });
    expect(pecConfigured(env)).toBe("provider");
    expect(() =>
      parseEnv({
        NODE_ENV: "production",
        SESSION_SECRET: "s".repeat(40),
        SEAL_P12: "x",
        PEC_DEV_PROVIDER: "1",
      }),
    ).toThrow(/PEC_DEV_PROVIDER/);
  });
});
