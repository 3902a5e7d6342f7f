import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";

/**
 * A real S3-compatible server (s3rver: the S3 REST protocol; it checks the access key of SigV4-signed requests,
 * not the signature) on loopback, on a free port, with its objects in a temporary folder. Credentials S3RVER/S3RVER.
 */
export async function startS3Server(buckets: string[] = ["suap-files"]) {
  const directory = mkdtempSync(path.join(os.tmpdir(), "suap-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    directory,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    /** The variables a portal process needs to use this server (the SDK's standard credential variables). */
    env: (bucketAndPrefix: string) => ({
      FILE_STORE: `s3://${bucketAndPrefix}`,
      S3_ENDPOINT: endpoint,
      S3_REGION: "us-east-1",
      S3_FORCE_PATH_STYLE: "1",
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
    }),
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
