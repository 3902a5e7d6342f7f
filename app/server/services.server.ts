import path from "node:path";
import type { EngineServices } from "./engine/engine.server";
import type { Env } from "./env.server";
import { runtime } from "./runtime.server";
import { singleton } from "./singleton.server";
import { publicUrl } from "./public-url.server";
import { LocalFileStore, type ManagedFileStore } from "./storage.server";
import { S3FileStore, s3Options } from "./s3-store.server";
import { parseS3Url } from "./s3-url.server";
import { signatureRuntime } from "./integrations/signatures.server";
import { ssuAfterStep } from "./integrations/ssu/flow.server";
import { ssuRuntime } from "./integrations/ssu/runtime.server";
import { ssuCatalogueHook } from "./integrations/ssu/catalogue-hook.server";
import { ssuConfig } from "./integrations/ssu/config.server";

// A leaf module, so that adapters (payment/config) can read it without importing the runtime.
export { publicUrl };

/** The file store this configuration names (FILE_STORE, ADR 0035): DATA_DIR/files or S3-compatible storage. */
export function fileStore(env: Env = runtime.env): ManagedFileStore {
  const s3 = env.FILE_STORE ? parseS3Url(env.FILE_STORE) : null;
  if (s3)
    return singleton(
      `files:${env.FILE_STORE}:${env.S3_ENDPOINT ?? ""}`,
      () => new S3FileStore(s3Options(env, s3)),
    );
  return singleton(`files:${env.DATA_DIR}`, () => new LocalFileStore(path.resolve(env.DATA_DIR, "files")));
}

/** What the engine needs from the outside world, built from the configuration. */
export function engineServices(env: Env = runtime.env): EngineServices {
  return {
    files: fileStore(env),
    publicUrl: publicUrl(env),
    protocolRegistry: env.PROTOCOL_REGISTRY,
    sealer: signatureRuntime.sealer,
    officerSigner: signatureRuntime.officerSigner,
    afterStep: ssuStepHook(env),
    // The Catalogo SSU port (ADR 0026, 0031): what the catalogue is told as the pratica moves, queued per step;
    // on when the portal speaks to a PDND (PDND_TOKEN_URL), the national one or a development one on loopback,
    // and on a plain development portal (`npm start`: its embedded PDND and its own development Catalogo).
    // The test suites (NODE_ENV=test) turn it on explicitly where they test it.
    ...(ssuConfig(env).enabled && (env.PDND_TOKEN_URL || env.NODE_ENV === "development")
      ? { ssuCatalogue: ssuCatalogueHook(ssuConfig(env)) }
      : {}),
  };
}

/** The SSU exchange's outbound table for this configuration (ADR 0025). */
function ssuStepHook(env: Env) {
  const rt = ssuRuntime(env);
  return ssuAfterStep(rt.config, rt.catalogue);
}
