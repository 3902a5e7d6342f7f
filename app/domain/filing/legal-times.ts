import type { WorkflowTimes } from "../../../workflows/index";

/**
 * Day counts fixed by the law rather than by each procedure, used when the catalogue does not give them.
 * Each one cites its source; the legal office should confirm them (see docs/decisions/0003).
 */
export const LEGAL_TIMES = {
  /** L. 241/1990 art. 10-bis: ten days to present observations to a notice before refusal. */
  observations_days: 10,
  /** L. 241/1990 art. 10-bis: the term resumes ten days after the observations are presented. */
  resume_after_observations_days: 10,
  /** L. 241/1990 art. 19 c.3: a conformation order gives at least thirty days. */
  conformation_min_days: 30,
  /** L. 241/1990 art. 19-bis c.2: agencies propose prohibitions at least five days before the term. */
  agency_proposal_lead_days: 5,
  /** L. 241/1990 art. 20 c.2-bis: the attestation of silent consent within ten days of the request. */
  attestation_days: 10,
  /** L. 241/1990 art. 19-bis c.3: the SUAP convenes the conferenza di servizi within five days. */
  max_gg_cdss_req: 5,
} as const satisfies Partial<WorkflowTimes>;

type CatalogueTerms = {
  max_gg_proc: number;
  max_gg_correction: number | null;
  max_gg_admissibility: number | null;
  max_gg_int_req: number | null;
  max_gg_int_resp: number | null;
  max_gg_concl_send: number | null;
  max_gg_cdss_req: number | null;
};

const SSU_TIMES = [
  "max_gg_correction",
  "max_gg_admissibility",
  "max_gg_int_req",
  "max_gg_int_resp",
  "max_gg_concl_send",
  "max_gg_cdss_req",
] as const;

/**
 * The terms of a bundle: the longest max_gg_proc and, for each SSU count, the longest the usecases give
 * (the bundle moves at the pace of its slowest part); the legal constants fill what the catalogue lacks.
 */
export function bundleTimes(
  terms: readonly CatalogueTerms[],
  regime: string,
): { termDays: number; times: WorkflowTimes } {
  const termDays = Math.max(0, ...terms.map((t) => t.max_gg_proc));
  const times: WorkflowTimes = {};
  for (const name of SSU_TIMES) {
    const values = terms.map((t) => t[name]).filter((v): v is number => typeof v === "number");
    if (values.length) times[name] = Math.max(...values);
  }
  times.observations_days = LEGAL_TIMES.observations_days;
  times.resume_after_observations_days = LEGAL_TIMES.resume_after_observations_days;
  times.conformation_min_days = LEGAL_TIMES.conformation_min_days;
  times.attestation_days = LEGAL_TIMES.attestation_days;
  if (regime === "scia_unica") times.agency_proposal_lead_days = LEGAL_TIMES.agency_proposal_lead_days;
  if (regime === "scia_condizionata" && times.max_gg_cdss_req === undefined) {
    times.max_gg_cdss_req = LEGAL_TIMES.max_gg_cdss_req;
  }
  return { termDays, times };
}
