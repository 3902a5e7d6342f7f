import type { Env } from "../../env.server";
import { singleton } from "../../singleton.server";
import { type CataloguePort, developmentCatalogue } from "./catalogue.server";
import { devPurposeId, type SsuConfig, type SsuKey, ssuConfig, ssuKey } from "./config.server";
import { CATALOGUE_SERVICES, SSU_SERVICES } from "./openapi.server";
import { assertPdndDoubleAllowed, PdndDouble } from "./pdnd-double.server";
import { type KeyResolver, pdndKeyResolver } from "./security.server";

/**
 * The SSU pieces of this configuration, built once: configuration, signing key, PDND key resolver, catalogue
 * port, and (development only) the embedded PDND at /dev/pdnd with this portal registered as its client, with
 * a purpose for each e-service (in development the peers are this portal itself unless SSU_CATALOGUE_FILE
 * names others).
 */
export interface SsuRuntime {
  config: SsuConfig;
  key: () => Promise<SsuKey>;
  resolveKey: KeyResolver;
  catalogue: CataloguePort;
  pdnd: PdndDouble | null;
}

export function ssuRuntime(env: Env): SsuRuntime {
  const config = ssuConfig(env);
  return singleton(`ssu:${config.clientId}:${config.audience}:${env.DATA_DIR}`, () => {
    let pdnd: PdndDouble | null = null;
    if (config.development && !env.isProduction) {
      assertPdndDoubleAllowed(env.isProduction);
      pdnd = new PdndDouble({
        issuer: config.pdnd.issuer,
        tokenUrl: config.pdnd.tokenUrl,
        isProduction: env.isProduction,
      });
    }
    let registered: Promise<SsuKey> | undefined;
    const key = () => {
      registered ??= ssuKey(env).then((k) => {
        if (pdnd) {
          pdnd.registerClient(config.clientId, k.publicJwk);
          // The development Catalogo SSU is this portal too (ADR 0026).
          for (const s of [...SSU_SERVICES, ...CATALOGUE_SERVICES])
            pdnd.registerPurpose(
              devPurposeId(config.clientId, s),
              config.clientId,
              `${config.audience}/${s}`,
            );
        }
        return k;
      });
      return registered;
    };
    const remote = pdndKeyResolver(config.pdnd.keysUrl);
    // The embedded PDND answers in process (it lives at this portal's own /dev/pdnd).
    const resolveKey: KeyResolver = pdnd
      ? async (kid) => {
          await key();
          const r = await pdnd!.handle(new Request(`${config.pdnd.keysUrl}/${kid}`), `/keys/${kid}`);
          return r.ok ? r.json() : null;
        }
      : remote;
    return { config, key, resolveKey, catalogue: developmentCatalogue(config), pdnd };
  });
}
