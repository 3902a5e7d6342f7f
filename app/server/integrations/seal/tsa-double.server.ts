import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { type CmsSigner, createCms } from "../signature/cms-sign.server";
import { OID, ab, ensureEngine } from "../signature/cms.server";

/**
 * Development double of a timestamping authority speaking RFC 3161 over HTTP (the same wire protocol as a
 * qualified TSA): reads a TimeStampReq, answers a TimeStampResp whose token is a CMS SignedData over a
 * TSTInfo. Refuses to start in production.
 */
export async function startTsaDouble(signer: CmsSigner, options: { port?: number; now?: () => Date } = {}) {
  if (process.env.NODE_ENV === "production")
    throw new Error("The development TSA does not run in production");
  ensureEngine();
  let serial = 1;
  let down: number | null = null;
  let granted = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (down !== null) {
      res.writeHead(down, { "Content-Type": "text/plain" }).end("TSA temporaneamente non disponibile");
      return;
    }
    try {
      if (req.method !== "POST" || req.headers["content-type"] !== "application/timestamp-query") {
        res.writeHead(415).end();
        return;
      }
      const request = pkijs.TimeStampReq.fromBER(ab(new Uint8Array(Buffer.concat(chunks))));
      const tst = new pkijs.TSTInfo({
        version: 1,
        policy: "1.3.6.1.4.1.99999.1.1",
        messageImprint: request.messageImprint,
        serialNumber: new asn1js.Integer({ value: serial++ }),
        genTime: options.now?.() ?? new Date(),
        ...(request.nonce ? { nonce: request.nonce } : {}),
      });
      const token = await createCms(new Uint8Array(tst.toSchema().toBER(false)), signer, {
        detached: false,
        contentType: OID.tstInfo,
      });
      const reply = new pkijs.TimeStampResp({
        status: new pkijs.PKIStatusInfo({ status: 0 }),
        timeStampToken: new pkijs.ContentInfo({ schema: asn1js.fromBER(ab(token)).result }),
      });
      granted += 1;
      res.writeHead(200, { "Content-Type": "application/timestamp-reply" });
      res.end(Buffer.from(reply.toSchema().toBER(false)));
    } catch {
      const reply = new pkijs.TimeStampResp({ status: new pkijs.PKIStatusInfo({ status: 2 }) });
      res.writeHead(200, { "Content-Type": "application/timestamp-reply" });
      res.end(Buffer.from(reply.toSchema().toBER(false)));
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    /** Answers every request with this HTTP status (e.g. 503) until called with null. */
    setDown: (status: number | null) => {
      down = status;
    },
    /** How many tokens were issued. */
    granted: () => granted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
