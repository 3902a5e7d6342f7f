import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { parseTrustedList, trustedCertificates } from "~/domain/signature/trusted-list";
import { verifyTrustedListSignature } from "./trusted-list-signature.server";

/**
 * Trust anchors: a file or a folder (TRUST_ANCHORS) of CA certificates (PEM, possibly several per file, or
 * DER .cer/.crt/.der), CRLs (.crl, PEM or DER) and ETSI TS 119 612 trusted lists (.xml). With TL signer
 * certificates (TRUSTED_LIST_SIGNER) a trusted list is taken only if its XAdES signature verifies with one of
 * them; a list that fails is refused (reason in `refused`) and adds nothing, so the anchors already there stay.
 * Without TL signers a list is refused by default, read only on the development opt-in, and stops the boot in
 * production (`unsignedLists`, ADR 0024).
 */
export interface TrustStore {
  anchors: pkijs.Certificate[];
  crls: pkijs.CertificateRevocationList[];
  sources: string[];
  /** PEM certificates of the trusted lists' signer (the scheme operator). */
  tlSigners?: string[];
  /** Trusted lists refused, one sentence each. */
  refused?: string[];
  /**
   * A trusted list when there is no TL signer to check it with (ADR 0024): "refuse" it (the default: it adds
   * nothing, reason in `refused`), "read" it unsigned (development opt-in TRUSTED_LIST_UNSIGNED=1, a warning
   * in `warnings`) or "stop" the boot (production: UnsignedTrustedList).
   */
  unsignedLists?: "refuse" | "read" | "stop";
  /** Lists read without their signature checked, one sentence each (logged at boot). */
  warnings?: string[];
}

export function emptyTrustStore(
  tlSigners?: string[],
  options: { unsignedLists?: "refuse" | "read" | "stop" } = {},
): TrustStore {
  return {
    anchors: [],
    crls: [],
    sources: [],
    tlSigners,
    refused: [],
    warnings: [],
    unsignedLists: options.unsignedLists ?? "refuse",
  };
}

export class TrustedListRefused extends Error {}

/** A trusted list met where lists are only taken signed and no TRUSTED_LIST_SIGNER is configured. */
export class UnsignedTrustedList extends Error {}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(toArrayBuffer(der));
}

export function parseCrl(der: Uint8Array): pkijs.CertificateRevocationList {
  const asn = asn1js.fromBER(toArrayBuffer(der));
  if (asn.offset === -1) throw new Error("CRL non leggibile");
  return new pkijs.CertificateRevocationList({ schema: asn.result });
}

function pemBlocks(text: string): { label: string; der: Uint8Array }[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)].map((m) => ({
    label: m[1]!,
    der: new Uint8Array(Buffer.from(m[2]!.replace(/\s+/g, ""), "base64")),
  }));
}

/** Adds the certificates, CRLs and trusted lists held in one file's bytes. */
export function addToTrustStore(store: TrustStore, name: string, bytes: Uint8Array) {
  const text = Buffer.from(bytes).toString("latin1");
  if (/TrustServiceStatusList/.test(text.slice(0, 4096))) {
    const xml = Buffer.from(bytes).toString("utf8");
    if (store.tlSigners?.length) {
      try {
        verifyTrustedListSignature(xml, store.tlSigners);
      } catch (error) {
        throw new TrustedListRefused(`${name}: ${(error as Error).message}`);
      }
    } else if (store.unsignedLists === "stop") {
      throw new UnsignedTrustedList(
        `TRUST_ANCHORS contiene la lista di fiducia ${name}, ma TRUSTED_LIST_SIGNER non è impostata: in produzione una lista di fiducia si legge solo dopo averne verificato la firma. Indica in TRUSTED_LIST_SIGNER il certificato (PEM) del gestore della lista`,
      );
    } else if (store.unsignedLists === "read") {
      store.warnings = [
        ...(store.warnings ?? []),
        `Attenzione: la lista di fiducia ${name} è letta SENZA verificarne la firma (TRUSTED_LIST_UNSIGNED=1, solo in sviluppo). Indica TRUSTED_LIST_SIGNER per verificarla.`,
      ];
    } else {
      throw new TrustedListRefused(
        `${name}: la firma della lista non si può verificare perché TRUSTED_LIST_SIGNER non è impostata (in sviluppo TRUSTED_LIST_UNSIGNED=1 la legge comunque, con un avviso)`,
      );
    }
    const list = parseTrustedList(xml);
    for (const b64 of trustedCertificates(list))
      store.anchors.push(parseCertificate(Buffer.from(b64, "base64")));
  } else if (text.includes("-----BEGIN ")) {
    for (const block of pemBlocks(text)) {
      if (block.label.includes("CRL")) store.crls.push(parseCrl(block.der));
      else if (block.label.includes("CERTIFICATE")) store.anchors.push(parseCertificate(block.der));
    }
  } else if (/\.crl$/i.test(name)) {
    store.crls.push(parseCrl(bytes));
  } else {
    store.anchors.push(parseCertificate(bytes));
  }
  store.sources.push(name);
}

/** Reads TRUST_ANCHORS (file or folder, not recursive). A file that cannot be read stops the boot with its name. */
export async function loadTrustStore(
  location: string,
  store: TrustStore = emptyTrustStore(),
): Promise<TrustStore> {
  const info = await stat(location);
  const files = info.isDirectory()
    ? (await readdir(location))
        .filter((f) => /\.(pem|crt|cer|der|crl|xml)$/i.test(f))
        .sort()
        .map((f) => path.join(location, f))
    : [location];
  for (const file of files) {
    try {
      addToTrustStore(store, file, new Uint8Array(await readFile(file)));
    } catch (error) {
      if (error instanceof UnsignedTrustedList) throw error;
      if (error instanceof TrustedListRefused) {
        store.refused = [...(store.refused ?? []), `Lista di fiducia rifiutata: ${error.message}.`];
        continue;
      }
      throw new Error(
        `TRUST_ANCHORS: il file ${file} non contiene certificati, CRL o una lista di fiducia leggibili (${(error as Error).message})`,
      );
    }
  }
  return store;
}
