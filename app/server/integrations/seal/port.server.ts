/**
 * The seal port: every PDF the SUAP issues goes through `seal` before it is hashed and stored. Adapters: the
 * PKCS#12 one (SEAL_P12, a qualified seal certificate on disk or the generated development one); a remote
 * qualified-seal service would be another adapter implementing the same interface.
 */
export interface SealInfo {
  /** The seal certificate's holder (CN, O). */
  subject: string;
  issuer: string;
  /** True only when the certificate carries the QcCompliance statement (a qualified seal). */
  qualified: boolean;
  notAfter: string;
  /** Whether an RFC 3161 timestamp is added (TSA_URL set). */
  timestamped: boolean;
  development: boolean;
}

export interface Sealer {
  readonly info: SealInfo;
  seal(pdf: Uint8Array, meta: { reason: string }): Promise<Uint8Array>;
}
