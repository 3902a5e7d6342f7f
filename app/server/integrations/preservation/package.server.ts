import { createHash } from "node:crypto";
import type { SubmissionPackage } from "./port.server";

/**
 * The submission package (pacchetto di versamento) of one or more files, with its index in the structure of
 * UNI 11386:2020 SInCRO (IdC: SelfDescription, PVolume, FileGroup/File with ID, Path and Hash, Process). The
 * hash is SHA-256, base64, as the AgID guidelines' metadata carry the impronta crittografica.
 */
export const SINCRO_NS = "http://www.uni.com/U3011/sincro-v2/";

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export interface PackageInput {
  id: string;
  producer: { name: string; code: string };
  application: { name: string; version: string };
  /** What the files are (e.g. "Registro giornaliero di protocollo"). */
  label: string;
  /** Descriptive metadata of the document (AgID Allegato 5), written as sincro:MoreInfo. */
  metadata: Record<string, string>;
  files: { path: string; bytes: Uint8Array; format: string }[];
  createdAt: Date;
}

export function sha256Base64(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

export function buildSubmissionPackage(input: PackageInput): SubmissionPackage {
  const meta = Object.entries(input.metadata)
    .map(([k, v]) => `<suap:${k}>${esc(v)}</suap:${k}>`)
    .join("");
  const files = input.files
    .map(
      (f, i) =>
        `<sincro:File sincro:encoding="binary" sincro:format="${esc(f.format)}">` +
        `<sincro:ID sincro:scheme="local">${esc(`${input.id}-${i + 1}`)}</sincro:ID>` +
        `<sincro:Path>${esc(f.path)}</sincro:Path>` +
        `<sincro:Hash sincro:function="SHA-256">${sha256Base64(f.bytes)}</sincro:Hash>` +
        `<sincro:MoreInfo sincro:XMLScheme="urn:suap:metadati"><sincro:EmbeddedMetadata>${meta}</sincro:EmbeddedMetadata></sincro:MoreInfo>` +
        "</sincro:File>",
    )
    .join("");
  const indice =
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<sincro:IdC xmlns:sincro="${SINCRO_NS}" xmlns:suap="urn:suap:metadati" sincro:url="${SINCRO_NS}" sincro:version="2.0">` +
    "<sincro:SelfDescription>" +
    `<sincro:ID sincro:scheme="local">${esc(input.id)}</sincro:ID>` +
    "<sincro:CreatingApplication>" +
    `<sincro:Name>${esc(input.application.name)}</sincro:Name>` +
    `<sincro:Version>${esc(input.application.version)}</sincro:Version>` +
    `<sincro:Producer>${esc(input.producer.name)}</sincro:Producer>` +
    "</sincro:CreatingApplication>" +
    "</sincro:SelfDescription>" +
    `<sincro:PVolume><sincro:ID sincro:scheme="local">${esc(input.id)}</sincro:ID></sincro:PVolume>` +
    `<sincro:FileGroup><sincro:Label>${esc(input.label)}</sincro:Label>${files}</sincro:FileGroup>` +
    "<sincro:Process>" +
    `<sincro:Agent sincro:type="organization" sincro:role="Producer"><sincro:AgentName><sincro:FormalName>${esc(input.producer.name)}</sincro:FormalName></sincro:AgentName><sincro:Agent_ID sincro:scheme="local">${esc(input.producer.code)}</sincro:Agent_ID></sincro:Agent>` +
    `<sincro:TimeReference><sincro:TimeInfo sincro:attachedTimeStamp="false">${input.createdAt.toISOString()}</sincro:TimeInfo></sincro:TimeReference>` +
    "</sincro:Process>" +
    "</sincro:IdC>";
  return {
    indice,
    file: input.files.map((f) => ({ nome: f.path, contenuto: Buffer.from(f.bytes).toString("base64") })),
  };
}
