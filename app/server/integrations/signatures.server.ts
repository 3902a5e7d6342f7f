import type { Env } from "../env.server";
import { loadOfficerSigner } from "./seal/officer.server";
import { portAdapter } from "./registry.server";
import { signatureRuntime } from "./signature-runtime.server";
import type { Sealer } from "./seal/port.server";
import type { SignatureVerifier } from "./signature/port.server";

export { signatureRuntime };

export async function bootSignatures(env: Env) {
  // Both picked by the ports registry (a double in production stops the boot there).
  signatureRuntime.sealer ??= (await portAdapter("seal", env)) ?? undefined;
  signatureRuntime.verifier ??= (await portAdapter("signature", env)) ?? undefined;
  signatureRuntime.officerSigner ??= await loadOfficerSigner(env);
  return signatureRuntime;
}
