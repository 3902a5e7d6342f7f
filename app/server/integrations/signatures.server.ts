import type { Env } from "../env.server";
import { singleton } from "../singleton.server";
import { loadOfficerSigner } from "./seal/officer.server";
import { loadSealer } from "./seal/registry.server";
import type { Sealer } from "./seal/port.server";
import type { SignatureVerifier } from "./signature/port.server";
import { loadVerifier } from "./signature/registry.server";

/** The process's seal and signature verifier, loaded (and validated) once at boot. */
export const signatureRuntime = singleton<{
  sealer?: Sealer;
  /** The officer's signature on decisions (development adapter only, for now). */
  officerSigner?: Sealer;
  verifier?: SignatureVerifier;
}>("signatures", () => ({}));

export async function bootSignatures(env: Env) {
  signatureRuntime.sealer ??= await loadSealer(env);
  signatureRuntime.verifier ??= await loadVerifier(env);
  signatureRuntime.officerSigner ??= await loadOfficerSigner(env);
  return signatureRuntime;
}
