import { randomBytes } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { OID, ab, digest, ensureEngine } from "../signature/cms.server";

/** A TSA that answered with an HTTP error: the status is recorded on the queued call (last_http_status). */
export class TsaError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = "TsaError";
  }
}

/**
 * RFC 3161 client: asks the TSA at TSA_URL for a timestamp token over a signature value (the CAdES
 * signature-timestamp), POSTing application/timestamp-query and reading application/timestamp-reply.
 */
export function tsaClient(url: string, timeoutMs = 10_000) {
  ensureEngine();
  return async (signatureValue: Uint8Array): Promise<Uint8Array> => {
    const nonce = randomBytes(8);
    nonce[0] = nonce[0]! & 0x7f;
    const request = new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
        hashedMessage: new asn1js.OctetString({ valueHex: ab(digest("sha256", signatureValue)) }),
      }),
      nonce: new asn1js.Integer({ valueHex: ab(new Uint8Array(nonce)) }),
      certReq: true,
    });
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/timestamp-query" },
      body: new Uint8Array(request.toSchema().toBER(false)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new TsaError(`TSA ${url}: HTTP ${response.status}`, response.status);
    const reply = pkijs.TimeStampResp.fromBER(await response.arrayBuffer());
    const status = reply.status.status;
    if ((status !== 0 && status !== 1) || !reply.timeStampToken) {
      throw new TsaError(`TSA ${url}: request refused (status ${status})`, response.status);
    }
    return new Uint8Array(reply.timeStampToken.toSchema().toBER(false));
  };
}
