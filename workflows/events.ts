/**
 * Events every workflow machine understands. Each event carries `at`, supplied by the caller (the engine
 * passes the request time, a timer passes its due date): the machines never read the clock, so a replay of
 * the audit log rebuilds exactly the same snapshot.
 */

export type ActorKind = "applicant" | "officer" | "agency" | "system";

export type ConclusionOutcome = "positive" | "conformation" | "negative";

/** Why the office cancels a pratica: the applicant's withdrawal (received by PEC or on paper), a duplicate, other. */
export type OfficeCancelGround = "withdrawal" | "duplicate" | "other";

export interface AgencyAssignment {
  agencyId: string;
  termDays: number;
}

interface Base {
  /** ISO date or datetime; only the date part matters for terms */
  at: string;
  actorId?: string;
}

export type WorkflowEvent =
  | (Base & { type: "SUBMIT" })
  | (Base & { type: "PROTOCOL"; protocolNumber?: string })
  | (Base & { type: "REQUEST_CORRECTION"; items?: string[]; reasons?: string })
  | (Base & { type: "CORRECTED" })
  | (Base & { type: "REFUSE_INADMISSIBLE"; reasons: string })
  | (Base & { type: "FORWARD_TO_AGENCIES"; agencies: AgencyAssignment[] })
  | (Base & { type: "AGENCY_REQUESTS_INTEGRATION"; agencyId: string; items: string[] })
  | (Base & { type: "SEND_INTEGRATION_REQUEST"; answerDays?: number; items?: string[] })
  | (Base & { type: "INTEGRATION_RECEIVED" })
  | (Base & { type: "INTEGRATION_TERM_EXPIRED" })
  | (Base & { type: "AGENCY_CONCLUSION"; agencyId: string; outcome: ConclusionOutcome; reasons?: string })
  | (Base & { type: "REQUEST_CONFORMATION"; termDays: number; reasons: string })
  | (Base & { type: "CONFORMED" })
  | (Base & { type: "CONFORMATION_TERM_EXPIRED" })
  | (Base & { type: "NOTICE_OF_REFUSAL"; reasons: string })
  | (Base & { type: "OBSERVATIONS_RECEIVED" })
  | (Base & { type: "OBSERVATIONS_TERM_EXPIRED" })
  | (Base & { type: "GRANT"; reasons?: string })
  | (Base & { type: "DENY"; reasons: string })
  | (Base & { type: "SILENT_CONSENT_FORMED" })
  | (Base & { type: "SCIA_CHECK_PERIOD_ENDED" })
  | (Base & { type: "AGENCY_TERM_EXPIRED"; agencyId: string })
  | (Base & { type: "CANCEL"; reasons?: string })
  | (Base & { type: "ARCHIVE" })
  | (Base & { type: "REQUEST_CONSENT_ATTESTATION" })
  | (Base & { type: "ISSUE_CONSENT_ATTESTATION" })
  /** SCIA (scia@2): the office records that the checks ended with no measure, before the term runs out */
  | (Base & { type: "CONCLUDE_CHECKS"; reasons?: string })
  /**
   * The office closes the procedure without deciding it (v2 machines): on the applicant's withdrawal received
   * outside the portal, or because it duplicates another filing / for another ground, with reasons.
   */
  | (Base & { type: "CANCEL_BY_OFFICE"; ground: OfficeCancelGround; reasons: string });

export type EventType = WorkflowEvent["type"];

export type EventOf<T extends EventType> = Extract<WorkflowEvent, { type: T }>;

/**
 * Who may send each event. The permission policy (app/domain) adds who exactly (the assigned officer, the
 * delegated intermediary...); this table only says which kind of actor the law gives the act to.
 */
export const eventActors: Record<EventType, ActorKind[]> = {
  SUBMIT: ["applicant"],
  PROTOCOL: ["system"],
  REQUEST_CORRECTION: ["officer"],
  CORRECTED: ["applicant"],
  REFUSE_INADMISSIBLE: ["officer"],
  FORWARD_TO_AGENCIES: ["officer"],
  AGENCY_REQUESTS_INTEGRATION: ["agency"],
  SEND_INTEGRATION_REQUEST: ["officer"],
  INTEGRATION_RECEIVED: ["applicant"],
  INTEGRATION_TERM_EXPIRED: ["system"],
  AGENCY_CONCLUSION: ["agency"],
  REQUEST_CONFORMATION: ["officer"],
  CONFORMED: ["applicant"],
  CONFORMATION_TERM_EXPIRED: ["system"],
  NOTICE_OF_REFUSAL: ["officer"],
  OBSERVATIONS_RECEIVED: ["applicant"],
  OBSERVATIONS_TERM_EXPIRED: ["system"],
  GRANT: ["officer"],
  DENY: ["officer"],
  SILENT_CONSENT_FORMED: ["system"],
  SCIA_CHECK_PERIOD_ENDED: ["system"],
  AGENCY_TERM_EXPIRED: ["system"],
  CANCEL: ["applicant"],
  ARCHIVE: ["officer"],
  REQUEST_CONSENT_ATTESTATION: ["applicant"],
  ISSUE_CONSENT_ATTESTATION: ["officer"],
  CONCLUDE_CHECKS: ["officer"],
  CANCEL_BY_OFFICE: ["officer"],
};

export const eventTypes = Object.keys(eventActors) as EventType[];
