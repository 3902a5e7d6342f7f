import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { ab, ensureEngine } from "./cms.server";
import { parseCertificate } from "./trust.server";

/**
 * Development double of an OCSP responder (RFC 6960) over HTTP, the same wire protocol as a CA's responder:
 * reads an OCSPRequest (POST application/ocsp-request), answers a BasicOCSPResponse signed by the issuing CA
 * itself (an authorised responder), with the status the test set for each serial number: good, revoked at a
 * date, or unknown for a serial it was never told about. Refuses to start in production.
 */
export interface OcspIssuer {
  der: Uint8Array;
  keys: { privateKey: CryptoKey };
}

export async function startOcspDouble(issuer: OcspIssuer) {
  if (process.env.NODE_ENV === "production")
    throw new Error("The development OCSP responder does not run in production");
  ensureEngine();
  const issuerCert = parseCertificate(issuer.der);
  const statuses = new Map<string, { status: "good" } | { status: "revoked"; at: Date }>();
  let answered = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      if (req.method !== "POST" || req.headers["content-type"] !== "application/ocsp-request") {
        res.writeHead(415).end();
        return;
      }
      const request = pkijs.OCSPRequest.fromBER(ab(new Uint8Array(Buffer.concat(chunks))));
      const now = new Date();
      const responses = request.tbsRequest.requestList.map((r) => {
        const serial = Buffer.from(r.reqCert.serialNumber.valueBlock.valueHexView).toString("hex");
        const known = statuses.get(serial.replace(/^(00)+/, ""));
        const certStatus =
          known?.status === "good"
            ? new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } })
            : known?.status === "revoked"
              ? new asn1js.Constructed({
                  idBlock: { tagClass: 3, tagNumber: 1 },
                  value: [new asn1js.GeneralizedTime({ valueDate: known.at })],
                })
              : new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
        return new pkijs.SingleResponse({ certID: r.reqCert, certStatus, thisUpdate: now });
      });
      const basic = new pkijs.BasicOCSPResponse();
      basic.tbsResponseData.responderID = issuerCert.subject;
      basic.tbsResponseData.producedAt = now;
      basic.tbsResponseData.responses = responses;
      basic.certs = [issuerCert];
      await basic.sign(issuer.keys.privateKey, "SHA-256");
      const reply = new pkijs.OCSPResponse({
        responseStatus: new asn1js.Enumerated({ value: 0 }),
        responseBytes: new pkijs.ResponseBytes({
          responseType: "1.3.6.1.5.5.7.48.1.1",
          response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }),
        }),
      });
      answered += 1;
      res.writeHead(200, { "Content-Type": "application/ocsp-response" });
      res.end(Buffer.from(reply.toSchema().toBER(false)));
    } catch {
      // malformedRequest (1), no responseBytes.
      const reply = new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: 1 }) });
      res.writeHead(200, { "Content-Type": "application/ocsp-response" });
      res.end(Buffer.from(reply.toSchema().toBER(false)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const key = (serialHex: string) => serialHex.toLowerCase().replace(/^(00)+/, "");
  return {
    url: `http://127.0.0.1:${port}/ocsp`,
    good: (serialHex: string) => statuses.set(key(serialHex), { status: "good" }),
    revoke: (serialHex: string, at: Date) => statuses.set(key(serialHex), { status: "revoked", at }),
    answered: () => answered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
