/**
 * ETSI TS 119 612 trusted lists (the EU and AgID format): the services of each trust service provider, with
 * their type, current status and certificates. Pure text reading, tolerant of namespace prefixes; the list's
 * own XAdES signature is not checked here (the loader documents that the file must come from a trusted path).
 */

export const SERVICE_TYPES = {
  qualifiedCa: "http://uri.etsi.org/TrstSvc/Svctype/CA/QC",
  qualifiedTimestamp: "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST",
  timestamp: "http://uri.etsi.org/TrstSvc/Svctype/TSA",
} as const;

/** Statuses under which a service may be trusted today (current and pre-2016 names). */
const TRUSTED_STATUSES = [
  "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted",
  "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel",
  "http://uri.etsi.org/TrstSvc/Svcstatus/undersupervision",
  "http://uri.etsi.org/TrstSvc/Svcstatus/accredited",
];

export interface TrustedService {
  provider: string;
  name: string;
  type: string;
  status: string;
  trusted: boolean;
  /** Base64 DER certificates of the service's digital identity. */
  certificates: string[];
}

const el = (name: string) =>
  new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}>`, "g");

function first(xml: string, name: string): string | null {
  const m = el(name).exec(xml);
  return m ? m[1]!.trim() : null;
}

function all(xml: string, name: string): string[] {
  return [...xml.matchAll(el(name))].map((m) => m[1]!.trim());
}

function decodeEntities(s: string) {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

function firstName(xml: string | null): string {
  if (!xml) return "";
  const name = first(xml, "Name");
  return name ? decodeEntities(name) : "";
}

export function parseTrustedList(xml: string): { territory: string | null; services: TrustedService[] } {
  if (!/TrustServiceStatusList/.test(xml))
    throw new Error("not an ETSI TS 119 612 trusted list (no TrustServiceStatusList)");
  const territory = first(xml, "SchemeTerritory");
  const services: TrustedService[] = [];
  for (const provider of all(xml, "TrustServiceProvider")) {
    const providerName = firstName(first(provider, "TSPName"));
    for (const service of all(provider, "TSPService")) {
      // The current information comes before the history; read only that part.
      const info = first(service, "ServiceInformation") ?? "";
      const type = first(info, "ServiceTypeIdentifier") ?? "";
      const status = first(info, "ServiceStatus") ?? "";
      const identity = first(info, "ServiceDigitalIdentity") ?? "";
      services.push({
        provider: providerName,
        name: firstName(first(info, "ServiceName")),
        type,
        status,
        trusted: TRUSTED_STATUSES.includes(status),
        certificates: all(identity, "X509Certificate").map((c) => c.replace(/\s+/g, "")),
      });
    }
  }
  return { territory, services };
}

/** Certificates of services currently trusted, of the given types (qualified CAs by default). */
export function trustedCertificates(
  list: { services: TrustedService[] },
  types: string[] = [SERVICE_TYPES.qualifiedCa, SERVICE_TYPES.qualifiedTimestamp],
): string[] {
  return list.services.filter((s) => s.trusted && types.includes(s.type)).flatMap((s) => s.certificates);
}
