/**
 * The seal port: every PDF the SUAP issues goes through it before it is hashed and stored. Adapters: the
 * PKCS#12 one (SEAL_P12, a qualified seal certificate on disk or the generated development one) and the
 * remote one (a qualified-seal service speaking the Cloud Signature Consortium API, csc.server.ts).
 *
 * Nothing external is called inside the issuing transaction (ADR 0008, ADR 0016): `sealNow` is the part that
 * runs there (CPU only: a local key without its timestamp, or nothing for a remote seal), and `deferred` says
 * what is left for the worker, which calls `complete` after COMMIT through the `seal` queue handler.
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
  /** "remote:<url>" for a remote seal service; absent for a local key. */
  service?: string;
}

/** What the worker still has to do after the document is issued: nothing, add the timestamp, or seal. */
export type DeferredSeal = null | "timestamp" | "seal";

export interface Sealer {
  readonly info: SealInfo;
  readonly deferred: DeferredSeal;
  /** Everything at once (scripts, the benchmark, tests): may call the TSA or the remote service. */
  seal(pdf: Uint8Array, meta: { reason: string }): Promise<Uint8Array>;
  /** Inside the issuing transaction: no network. */
  sealNow(pdf: Uint8Array, meta: { reason: string }): Promise<Uint8Array>;
  /** After COMMIT, from the queue: the part `deferred` names, on the bytes `sealNow` produced. */
  complete(pdf: Uint8Array, meta: { reason: string; idempotencyKey: string }): Promise<Uint8Array>;
}
