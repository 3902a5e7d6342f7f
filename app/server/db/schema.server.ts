import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";
import type { StoredFees, UsecaseRouting } from "~/domain/filing/bundle";
import type { Answers } from "~/domain/forms/types";
import type { PersistedWorkflow } from "../../../workflows/index";

/** Table types for the whole database, one place (see migrations/ for the DDL). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, T | string | undefined, T | string>;

export type EntityKind = "comune" | "suap" | "ente_terzo" | "organisation";
export type Role = "business" | "association_operator" | "officer" | "manager" | "agency_reviewer" | "admin";

export interface EntitiesTable {
  id: Generated<number>;
  code: string;
  kind: EntityKind;
  name: string;
  istat_code: string | null;
  ipa_code: string | null;
  agency_class: string | null;
  pec: string | null;
  email: string | null;
  data: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface DeskComuniTable {
  desk_id: number;
  comune_id: number;
}

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string | null;
  full_name: string;
  fiscal_code: string | null;
  locale: Generated<string>;
  created_at: Generated<Date>;
  totp_secret: Generated<string | null>;
  totp_enabled_at: Generated<Date | null>;
  totp_last_step: Generated<number | null>;
}

export interface MembershipsTable {
  id: Generated<number>;
  user_id: string;
  role: Role;
  entity_id: number | null;
  created_at: Generated<Date>;
}

export interface BusinessesTable {
  id: string;
  name: string;
  legal_form: string;
  fiscal_code: string;
  vat_number: string | null;
  rea: string | null;
  pec: string | null;
  registered_office: Json<Record<string, string>>;
  legal_representative: Json<Record<string, string>>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface BusinessMembersTable {
  business_id: string;
  user_id: string;
  role: Generated<string>;
}

export interface OutboxTable {
  id: Generated<string>;
  dedupe_key: string | null;
  channel: Generated<string>;
  recipient: string;
  locale: Generated<string>;
  template: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  attachments: Json<OutboxAttachment[]>;
  pratica_id: string | null;
  status: Generated<"pending" | "sent" | "failed">;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Generated<Date>;
  sent_at: Date | null;
  /** one Message-ID for every attempt, set at enqueue (0009) */
  message_id?: string | null;
  /** when the desk was told this message is still not delivered (0009) */
  alerted_at?: Date | null;
  /** 0017 (channel 'pec'): submitted | accepted | delivered | not_delivered | not_accepted */
  pec_status?: PecOutboxStatus | null;
  pec_accepted_at?: Date | null;
  pec_delivered_at?: Date | null;
  pec_error?: string | null;
  /** 0017: storage key of the signed segnatura.xml the message carried */
  segnatura_key?: string | null;
}

export interface OutboxAttachment {
  filename: string;
  contentType: string;
  /** Storage key of the file (documents are stored by content hash). */
  storageKey: string;
}

export interface CatalogueVersionsTable {
  id: Generated<number>;
  catalogue_id: string;
  version: string;
  content_hash: string;
  source_hash: string | null;
  document: Json<unknown>;
  reference: Json<unknown>;
  is_current: Generated<boolean>;
  imported_at: Generated<Date>;
}

export interface ProceedingsTable {
  id: Generated<number>;
  catalogue_version_id: number;
  code: string;
  version: string;
  title_it: string;
  title_en: string;
  sector: string;
  typology: string;
  life_event: string;
  regimes: string[];
  municipalities: string[];
  search_tokens: string[];
  search_document: Generated<string>;
  title_document: Generated<string>;
  data: Json<unknown>;
}

export interface PraticheTable {
  id: string;
  cui: string | null;
  submission_key: string | null;
  /** the "start" form's idempotency key (0009) */
  creation_key?: string | null;
  catalogue_version_id: number;
  usecases: Json<string[]>;
  title: string;
  regime: string;
  municipality_id: number;
  desk_id: number;
  business_id: string;
  filer_user_id: string;
  filer_organisation_id: number | null;
  delegation_id: string | null;
  /** the applicant's answers, by field id (app/domain/forms) */
  form_data: Json<Answers>;
  workflow: string | null;
  /** the workflow machine's persisted snapshot (workflows/index.ts), null for a draft */
  snapshot: Json<PersistedWorkflow> | null;
  status: Generated<string>;
  ssu_status: string | null;
  ended: Generated<boolean>;
  suspended: Generated<boolean>;
  due_date: ColumnType<string | null, string | null | undefined, string | null>;
  assignee_user_id: string | null;
  protocol_number: string | null;
  submitted_at: Timestamp | null;
  event_count: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** 0022: the CUI as the Catalogo SSU answered request_cui (null until it has) */
  ssu_cui?: string | null;
  /** the declarant named by a received istanza (0027): { name, fiscal_code } */
  declarant?: Json<{ name: string; fiscal_code: string | null }> | null;
  /** 0004: ids of the form sections the applicant completed in the draft */
  completed_sections: Json<string[]>;
  /** 0004: fees computed from the catalogue for the Comune, as shown before submission */
  fees: Json<StoredFees> | null;
  /** 0004: the catalogue's competent administration and agencies per usecase (the desk's suggestion) */
  competent_agencies: Json<UsecaseRouting[]>;
  /** 0004: when the applicant gave the declaration under DPR 445/2000 and submitted */
  declared_at: Timestamp | null;
  /** 0006: the organisation's operator in charge (filed on behalf; hand-over moves it) */
  organisation_operator_id: string | null;
  /** 0026: hash of the last entry of the pratica's audit chain (event_count is its seq); null before any */
  audit_head: Generated<string | null>;
}

export interface EventsTable {
  id: Generated<number>;
  pratica_id: string;
  seq: number;
  type: string;
  actor_user_id: string | null;
  actor_kind: string;
  payload: Json<Record<string, unknown>>;
  state_before: string | null;
  state_after: string;
  at: Timestamp;
  prev_hash: string;
  hash: string;
  /** 0012: who signed in and how (name, fiscal code, method, level of assurance); null for system acts. */
  actor_identity: ColumnType<ActorIdentity | null, ActorIdentity | string | null | undefined, never>;
}

export interface DeadlinesTable {
  id: Generated<number>;
  pratica_id: string;
  name: string;
  due: ColumnType<string, string, string>;
  event: string | null;
  payload: Json<Record<string, unknown>>;
  status: Generated<"active" | "suspended" | "fired" | "cancelled" | "done">;
  fired_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ProtocolCountersTable {
  entity_id: number;
  counter: string;
  year: number;
  last_number: number;
}

export interface ProtocolEntriesTable {
  id: Generated<number>;
  entity_id: number;
  year: number;
  number: number;
  label: string;
  direction: "in" | "out";
  subject: string;
  pratica_id: string | null;
  document_id: string | null;
  registered_at: Generated<Date>;
  /** 0007: which register numbered it ("internal" or "remote") */
  registry: Generated<string>;
  /** 0007: the remote register's own id of the registration */
  external_id: string | null;
  /** 0007: SHA-256 (hex) of the registered document, when the registration carries one */
  document_sha256: string | null;
  /** 0018: the annulment (DPR 445/2000 art. 54): when, by whom, why, under which authorisation */
  annulled_at: Date | null;
  annulled_by: string | null;
  annulment_reason: string | null;
  annulment_authorisation: string | null;
  /** 0018: remote register only: "pending" until the Comune's service confirms ("confirmed" / "failed") */
  annulment_remote_status: string | null;
  /** 0024: the daily register (or its supplement) that listed this entry */
  daily_register_id?: string | null;
}

export interface DocumentsTable {
  id: string;
  pratica_id: string;
  kind: string;
  title: string;
  filename: string;
  storage_key: string;
  sha256: string;
  size: number;
  verification_code: string;
  issuer_entity_id: number;
  event_seq: number | null;
  created_at: Generated<Date>;
  /** The seal on the stored bytes (0011): holder, issuer, qualified, timestamped; null when issued unsealed. */
  seal: Json<unknown> | null;
  /** 0013: null = nothing left to do; "pending" = seal or timestamp queued; "applied"; "failed" (retries over). */
  seal_status: "pending" | "applied" | "failed" | null;
  seal_completed_at: Date | null;
  /** 0013: the SHA-256 at issue, kept when the completed (sealed or timestamped) file replaced it. */
  issued_sha256: string | null;
}

export interface AttachmentsTable {
  id: string;
  pratica_id: string;
  code: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  storage_key: string;
  /** null for a file that came with a certified message (0024: `pec_message_id`) */
  uploaded_by: string | null;
  purpose: Generated<string>;
  created_at: Generated<Date>;
  /** the upload form's idempotency key (0009) */
  upload_key?: string | null;
  /** The signature verification report (0011), null for a file that is not signed and need not be. */
  signature: Json<unknown> | null;
  /** 0024: the incoming PEC this file came with */
  pec_message_id?: string | null;
}

export interface PraticaAgenciesTable {
  pratica_id: string;
  agency_id: number;
  status: Generated<string>;
  due_date: ColumnType<string | null, string | null | undefined, string | null>;
  outcome: string | null;
  forwarded_at: Generated<Date>;
}

export interface DelegationsTable {
  id: string;
  business_id: string;
  organisation_id: number;
  scope: Json<string[] | null> | null;
  valid_from: ColumnType<string, string, string>;
  valid_to: ColumnType<string, string, string>;
  procura_filename: string;
  procura_sha256: string;
  procura_storage_key: string;
  procura_size: number;
  procura_content_type: string;
  granted_by: string;
  granted_at: Generated<Date>;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

export interface DelegationEventsTable {
  id: Generated<number>;
  delegation_id: string;
  seq: number;
  type: "grant" | "use" | "revoke";
  actor_user_id: string | null;
  details: Json<Record<string, unknown>>;
  at: Timestamp;
  prev_hash: string;
  hash: string;
}

export interface OrganisationDigestsTable {
  organisation_id: number;
  last_sent_at: Timestamp;
}

export type IntegrationCallStatus = "queued" | "running" | "done" | "failed" | "alerted";

/** 0007: the durable queue of calls to external systems (see app/server/integrations/types.server.ts). */
export interface IntegrationCallsTable {
  id: string;
  kind: string;
  operation: string;
  target: string;
  idempotency_key: string;
  pratica_id: string | null;
  payload: Json<Record<string, unknown>>;
  result: Json<Record<string, unknown>> | null;
  status: Generated<IntegrationCallStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  last_http_status: number | null;
  lease_until: Timestamp | null;
  lease_token: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  completed_at: Timestamp | null;
  /** calls sharing a key are made one at a time, in order_seq order (0027) */
  order_key?: string | null;
  order_seq?: Generated<string>;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  authenticated_at: Generated<Date>;
  loa: number;
  auth_method: "password" | "password_totp" | "spid" | "cie" | "oidc";
  fiscal_code: string | null;
  id_token: string | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface LoginThrottleTable {
  key: string;
  window_started_at: Generated<Date>;
  attempts: number;
}

export interface OidcLoginsTable {
  state_hash: string;
  browser_hash: string;
  provider: string;
  nonce: string;
  code_verifier: string;
  redirect_to: string;
  created_at: Generated<Date>;
  used_at: Date | null;
}

/** The AgID XML modulo of a pratica's usecase and its validation (migration 0034, ADR 0027). */
export interface ModuliTable {
  pratica_id: string;
  usecase: string;
  input_hash: string;
  xml: string;
  sha256: string;
  valid: boolean;
  problems: unknown;
  unchecked: unknown;
  checked_at: Date;
}

export interface Database {
  entities: EntitiesTable;
  desk_comuni: DeskComuniTable;
  users: UsersTable;
  memberships: MembershipsTable;
  businesses: BusinessesTable;
  business_members: BusinessMembersTable;
  outbox: OutboxTable;
  catalogue_versions: CatalogueVersionsTable;
  proceedings: ProceedingsTable;
  pratiche: PraticheTable;
  events: EventsTable;
  deadlines: DeadlinesTable;
  protocol_counters: ProtocolCountersTable;
  protocol_entries: ProtocolEntriesTable;
  documents: DocumentsTable;
  attachments: AttachmentsTable;
  pratica_agencies: PraticaAgenciesTable;
  delegations: DelegationsTable;
  delegation_events: DelegationEventsTable;
  organisation_digests: OrganisationDigestsTable;
  integration_calls: IntegrationCallsTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  oidc_logins: OidcLoginsTable;
  payment_iuv_counters: PaymentIuvCountersTable;
  payment_positions: PaymentPositionsTable;
  payment_receipts: PaymentReceiptsTable;
  payment_notifications: PaymentNotificationsTable;
  dev_pagopa_positions: DevPagopaPositionsTable;
  dev_pagopa_carts: DevPagopaCartsTable;
  totp_recovery_codes: TotpRecoveryCodesTable;
  staff_signins: StaffSigninsTable;
  protocol_daily_registers: ProtocolDailyRegistersTable;
  pec_receipts: PecReceiptsTable;
  pec_messages: PecMessagesTable;
  ssu_seen_tokens: SsuSeenTokensTable;
  ssu_messages: SsuMessagesTable;
  ssu_links: SsuLinksTable;
  ssu_catalogue_instances: SsuCatalogueInstancesTable;
  desk_tallies: DeskTalliesTable;
  moduli: ModuliTable;
  desk_clock_tallies: DeskClockTalliesTable;
}

/**
 * 0026: the desk's pratiche counted per (Comune, status, title, regime), as a ledger of deltas the database's
 * triggers on pratiche append in the same transaction; the sum of a key's rows is its count (ADR 0030).
 */
export interface DeskTalliesTable {
  id: Generated<number>;
  desk_id: number;
  municipality_id: number;
  status: string;
  title: string;
  regime: string;
  n: ColumnType<number, number, number>;
}

export type PaymentPositionStatus = "creating" | "valid" | "paid" | "cancelling" | "cancelled" | "failed";

/** 0010: per-creditor progressive of the IUV base. */
export interface PaymentIuvCountersTable {
  creditor_fiscal_code: string;
  last_number: ColumnType<string | number, number, number>;
}

/** 0010: one pagoPA debt position (IUPD) with its payment option (IUV) per pratica and creditor. */
export interface PaymentPositionsTable {
  id: string;
  pratica_id: string;
  creditor_entity_id: number;
  creditor_fiscal_code: string;
  iupd: string;
  iuv: string;
  notice_number: string;
  amount_cents: number;
  description: string;
  transfers: Json<unknown[]>;
  due_date: ColumnType<string, string, string>;
  status: Generated<PaymentPositionStatus>;
  receipt_id: string | null;
  psp: string | null;
  paid_at: Timestamp | null;
  paid_amount_cents: number | null;
  receipt_document_id: string | null;
  anomaly: string | null;
  last_error: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** 0010: every receipt pagoPA reported, once each (a double payment is a second row). */
export interface PaymentReceiptsTable {
  id: Generated<number>;
  position_id: string;
  receipt_id: string;
  psp: string;
  amount_cents: number;
  paid_at: Timestamp;
  source: "notification" | "polling" | "return";
  outcome: "recorded" | "duplicate" | "amount_mismatch";
  received_at: Generated<Date>;
}

export interface PaymentNotificationsTable {
  notification_id: string;
  received_at: Generated<Date>;
}

/** 0010: state of the development pagoPA double (GPD positions as the API returns them, checkout carts). */
export interface DevPagopaPositionsTable {
  organization_fiscal_code: string;
  iupd: string;
  body: Json<Record<string, unknown>>;
  updated_at: Generated<Date>;
}

export interface DevPagopaCartsTable {
  id: string;
  body: Json<Record<string, unknown>>;
  paid: Generated<boolean>;
  created_at: Generated<Date>;
}

export type Entity = Selectable<EntitiesTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Membership = Selectable<MembershipsTable>;
export type Business = Selectable<BusinessesTable>;
export type BusinessUpdate = Updateable<BusinessesTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type Pratica = Selectable<PraticheTable>;
export type DeadlineRow = Selectable<DeadlinesTable>;
export type EventRow = Selectable<EventsTable>;
export type DocumentRow = Selectable<DocumentsTable>;
export type IntegrationCallRow = Selectable<IntegrationCallsTable>;

/** 0012: how the person behind an audited act signed in (see ADR 0015). */
export interface ActorIdentity {
  name: string;
  fiscalCode: string | null;
  method: string;
  loa: number;
}

/** 0012: one-time recovery codes of a staff member's second factor (sha256 of each). */
export interface TotpRecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: Generated<Date>;
  used_at: Date | null;
}

/** 0012: a staff password accepted, the TOTP code still to give or the second factor to enrol. */
export interface StaffSigninsTable {
  browser_hash: string;
  user_id: string;
  purpose: "verify" | "enrol";
  redirect_to: string;
  created_at: Generated<Date>;
  used_at: Date | null;
}

/** 0018: the daily protocol register (registro giornaliero) of a desk and day, sealed and deposited. */
export interface ProtocolDailyRegistersTable {
  id: string;
  entity_id: number;
  /** the Rome day, YYYY-MM-DD */
  day: ColumnType<string, string, string>;
  entries: number;
  annulments: number;
  filename: string;
  storage_key: string;
  sha256: string;
  size: number;
  seal: Json<unknown> | null;
  created_at: Generated<Date>;
  deposit_status: Generated<"queued" | "deposited" | "failed">;
  deposit_id: string | null;
  deposit_report: string | null;
  deposit_error: string | null;
  deposited_at: Date | null;
  /** 0024: 0 for the day's register, 1, 2, ... for the supplements of late remote registrations */
  supplement: Generated<number>;
}

/** 0017: where a PEC message of the outbox stands, from the provider's receipts. */
export type PecOutboxStatus = "submitted" | "accepted" | "delivered" | "not_delivered" | "not_accepted";

/** 0017: a provider receipt read from the SUAP's PEC mailbox, tied to the outbox message it names. */
export interface PecReceiptsTable {
  id: string;
  message_id: string;
  outbox_id: string | number | null;
  kind: string;
  riferimento: string;
  recipient: string | null;
  error: string | null;
  daticert: string;
  received_at: Generated<Date>;
}

export type PecMessageStatus = "protocolled" | "inbox" | "registered" | "refused";

/** 0017: a message read from the SUAP's PEC mailbox: incoming (protocolled or in the desk's inbox) or refused. */
export interface PecMessagesTable {
  id: string;
  message_id: string;
  original_message_id: string | null;
  sender: string;
  subject: string;
  body_text: string | null;
  storage_key: string | null;
  status: PecMessageStatus;
  reason: string | null;
  segnatura: Json<unknown> | null;
  pratica_id: string | null;
  protocol_label: string | null;
  handled_by: string | null;
  received_at: Generated<Date>;
  handled_at: Date | null;
  /** 0024: the workflow event the message stepped (AGENCY_CONCLUSION, INTEGRATION_RECEIVED), or null */
  stepped_event?: string | null;
  /** 0024: the agency (entity id) the message came from, and the outcome its subject suggests */
  agency_id?: number | null;
  suggested_outcome?: string | null;
}
/** 0016: the jti of every accepted PDND voucher and Agid-JWT-Signature, kept until it expires (replays refused). */
export interface SsuSeenTokensTable {
  jti: string;
  issuer: string;
  expires_at: Date;
  seen_at: Generated<Date>;
}

/** 0016: every SSU message received ("in") or sent ("out"), as validated against the e-service's OpenAPI. */
export interface SsuMessagesTable {
  id: string;
  direction: "in" | "out";
  service: string;
  operation: string;
  cui_uuid: string | null;
  pratica_id: string | null;
  peer: string;
  body: Json<Record<string, unknown>>;
  http_status: number | null;
  message_key: string;
  created_at: Generated<Date>;
  /** 0022: the peer's PDND client of an outbound message (the `iss` of its signed answer) */
  peer_client_id?: string | null;
}

export type SsuMessageRow = Selectable<SsuMessagesTable>;

/** 0021: the SSU peer a pratica talks to, per e-service called (and per agency for et_to_bo). */
export interface SsuLinksTable {
  pratica_id: string;
  service: "bo_to_fo" | "fo_to_bo" | "bo_to_et" | "et_to_bo";
  agency_code: Generated<string>;
  url: string;
  version: Generated<number>;
  created_at: Generated<Date>;
}

/** 0022: the development Catalogo SSU's register of instances (the CUI it issued, the descriptor as told). */
export interface SsuCatalogueInstancesTable {
  cui_uuid: string;
  cui: Json<Record<string, string>>;
  descriptor: Json<Record<string, unknown>>;
  client_id: string;
  audit: ColumnType<{ message: string; event_time: string; client_id: string }[], string | undefined, string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/**
 * 0030: the desk's filed pratiche per (Comune, ended, due date while the clock runs), a ledger of deltas kept
 * by triggers on pratiche like desk_tallies: the dashboard's counts by Comune and overdue (ADR 0034).
 */
export interface DeskClockTalliesTable {
  id: Generated<number>;
  desk_id: number;
  municipality_id: number;
  ended: boolean;
  due_date: string | null;
  n: number;
}
