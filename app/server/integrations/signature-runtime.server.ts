import { singleton } from "../singleton.server";
import type { Sealer } from "./seal/port.server";
import type { SignatureVerifier } from "./signature/port.server";

/**
 * The process's seal and signature verifier, loaded (and validated) once at boot by `bootSignatures`
 * (signatures.server.ts). A leaf module: the seal's queue handler reads it without importing the registry.
 */
export const signatureRuntime = singleton<{
  sealer?: Sealer;
  /** The officer's signature on decisions (development adapter only, for now). */
  officerSigner?: Sealer;
  verifier?: SignatureVerifier;
}>("signatures", () => ({}));
