import type { Env } from "../env.server";
import { singleton } from "../singleton.server";
import { loadOfficerSigner } from "./seal/officer.server";
import { portAdapter } from "./registry.server";
import type { Sealer } from "./seal/port.server";
import type { SignatureVerifier } from "./signature/port.server";

/** The process's seal and signature verifier, loaded (and validated) once at boot. */
export const signatureRuntime = singleton<{
  sealer?: Sealer;
  /** The officer's signature on decisions (development adapter only, for now). */
  officerSigner?: Sealer;
  verifier?: SignatureVerifier;
}>("signatures", () => ({}));

export async function bootSignatures(env: Env) {
  // Both picked by the ports registry (a double in production stops the boot there).
  signatureRuntime.sealer ??= (await portAdapter("seal", env)) ?? undefined;
  signatureRuntime.verifier ??= (await portAdapter("signature", env)) ?? undefined;
  signatureRuntime.officerSigner ??= await loadOfficerSigner(env);
  return signatureRuntime;
}
