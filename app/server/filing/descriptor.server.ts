import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Principal } from "~/domain/policy";
import { canonicalJson } from "~/domain/catalogue";
import { romeDate, romeDateTime } from "~/domain/dates";
import type { ClockState } from "../../../workflows/clock";
import type { PersistedWorkflow } from "../../../workflows/index";
import type { Database, Pratica } from "../db/schema.server";
import type { UsecaseRouting } from "../../domain/filing/bundle";
import { parseCui } from "../../domain/filing/cui";
import { findPratica } from "../pratiche/repository.server";
import { praticaByCui } from "./queries.server";
import { catalogueDocument } from "../catalogue/repository.server";
import { findUsecase } from "~/domain/catalogue/query";
import { storedModuli } from "../modulo/modulo.server";

/**
 * The SSU instance descriptor (specs/ssu/json-schema/instance-descriptor-schema.yaml) of a submitted
 * pratica. Choices: hashes are SHA-256 hex (alg_hash "S256"); the per-usecase "instance" is the canonical
 * JSON of the form answers (ref `istanza/<usecase>.json`); administrations carry their IPA code when the
 * catalogue has one, else the catalogue entity code, with version "01.00.00" until the national catalogue
 * versions offices. The `cui` object carries both `progressive` (required by the schema) and `progressivo`
 * (the property it defines): the upstream schema spells them differently.
 */

const SSU_STATES = new Set([
  "started",
  "presented",
  "correction_requested",
  "corrected",
  "refused",
  "integration_requested",
  "ended_by_integration_times_expired",
  "integrated",
  "cdss_convened",
  "ended_by_suspension_requested",
  "ended_by_conformation_requested",
  "ended_by_proceeding_time_expired",
  "ended_by_positive_outcome",
  "ended_by_negative_outcome",
  "ended_by_submitter_cancel_requested",
]);

export const SSU_REGIME: Record<string, string> = {
  comunicazione: "COMUNICAZIONE",
  scia: "SCIA",
  scia_unica: "SCIA",
  scia_condizionata: "SCIA",
  silenzio_assenso: "SILENZIO-ASSENSO",
  autorizzazione: "AUTORIZZAZIONE",
};

export const TIME_NAMES = [
  "max_gg_correction",
  "max_gg_admissibility",
  "max_gg_int_req",
  "max_gg_int_resp",
  "max_gg_concl_send",
  "max_gg_cdss_req",
] as const;

/** The SSU state an event leads to, when the event alone says it (the rest comes from the pratica's state). */
const EVENT_SSU: Record<string, string> = {
  SUBMIT: "started",
  PROTOCOL: "presented",
  REQUEST_CORRECTION: "correction_requested",
  CORRECTED: "corrected",
  REFUSE_INADMISSIBLE: "refused",
  SEND_INTEGRATION_REQUEST: "integration_requested",
  INTEGRATION_RECEIVED: "integrated",
  INTEGRATION_TERM_EXPIRED: "ended_by_integration_times_expired",
  REQUEST_CONFORMATION: "ended_by_conformation_requested",
  CANCEL: "ended_by_submitter_cancel_requested",
};

/** The machines' names for a final state, in the schema's words (its enum calls the inadmissible end "refused"). */
const MACHINE_TO_SSU: Record<string, string> = { ended_by_instance_refused: "refused" };

/**
 * The whole status history in SSU terms: every audit event that moves the pratica to a state the schema
 * knows, in order (repeats kept: a second integration request is a second step), then the current state when
 * the last event did not already say it (a final outcome, an expired term).
 */
export function statusHistory(
  events: { type: string; state_after: string; at: unknown }[],
  current: string | null,
) {
  const out: { state: string; timestamp: string }[] = [];
  for (const e of events) {
    const state = EVENT_SSU[e.type];
    if (!state || !SSU_STATES.has(state)) continue;
    if (out.at(-1)?.state === state) continue;
    out.push({ state, timestamp: romeDateTime(new Date(e.at as string)) });
  }
  const final = current ? (MACHINE_TO_SSU[current] ?? current) : null;
  const last = events.at(-1);
  if (final && SSU_STATES.has(final) && out.at(-1)?.state !== final && last) {
    out.push({ state: final, timestamp: romeDateTime(new Date(last.at as string)) });
  }
  return out;
}

/** A catalogue version as the schema writes it, NN.NN.NN ("1.0.0" -> "01.00.00"). */
export function ssuVersion(version: string | undefined): string {
  const parts = (version ?? "1.0.0").split(".").map((p) => Number.parseInt(p, 10));
  while (parts.length < 3) parts.push(0);
  return parts
    .slice(0, 3)
    .map((n) => String(Number.isFinite(n) && n >= 0 ? Math.min(n, 99) : 0).padStart(2, "0"))
    .join(".");
}

/**
 * The administrative times of the descriptor (times-schema.yaml): `start` is the filing day in Rome; the
 * other terms are days from `start`. `max_gg_proc` follows the clock: the term in force, moved by every
 * completed suspension (integration, preavviso di rigetto) and by a new term (a reset starts it again from a
 * later day), so a change of the clock is a change of the times the Catalogo is told (`update_times`).
 */
export function descriptorTimes(submittedAt: Date | null, snapshot: PersistedWorkflow | null) {
  const start = romeDate(submittedAt ?? new Date());
  const input = snapshot?.context.input;
  const clock = (snapshot?.context as { clock?: ClockState | null } | undefined)?.clock ?? null;
  const times: Record<string, string | number> = {
    // The legal start is a date in Rome: filed at 00:30 on 1 March in Rome is 1 March, not 28 February.
    start,
    max_gg_proc: clock
      ? Math.max(0, daysBetween(start, clock.start)) + clock.termDays + clock.suspendedDays
      : (input?.termDays ?? 0),
  };
  for (const name of TIME_NAMES) {
    const v = input?.times[name];
    if (typeof v === "number") times[name] = v;
  }
  return times;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The descriptor's `version` (an integer in the schema): 1 when filed, raised by one at every change of the
 * descriptor, i.e. every step of its status history after the first, every completed suspension and every new
 * term of the clock (the changes of `times`). Derived from the history, so every reader agrees on it.
 */
export function descriptorVersion(statusSteps: number, snapshot: PersistedWorkflow | null): number {
  const clock = (snapshot?.context as { clock?: ClockState | null } | undefined)?.clock ?? null;
  // Filed = `started` + `presented`: version 1; each later step, suspension or new term adds one.
  return Math.max(1, statusSteps - 1) + (clock ? clock.periods.length + clock.resets.length : 0);
}

export async function instanceDescriptor(db: Kysely<Database>, principal: Principal, cuiText: string) {
  const pratica = await praticaByCui(db, principal, cuiText);
  if (!pratica?.cui || pratica.status === "draft") return null;
  return descriptorOf(db, pratica);
}

/** The descriptor of a pratica by its id (the catalogue port's messages), without an access check. */
export async function descriptorOfPratica(db: Kysely<Database>, praticaId: string) {
  const pratica = await findPratica(db, praticaId);
  if (!pratica?.cui || pratica.status === "draft") return null;
  return descriptorOf(db, pratica);
}

async function descriptorOf(db: Kysely<Database>, pratica: Pratica) {
  // A CUI that is not the national format (a row written by hand, an import) has no descriptor: the caller
  // reports it, and a step is never refused because of it.
  const cui = pratica.cui ? parseCui(pratica.cui) : null;
  if (!cui) return null;
  const [business, comune, events, attachments] = await Promise.all([
    db
      .selectFrom("businesses")
      .select("fiscal_code")
      .where("id", "=", pratica.business_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("entities")
      .select("istat_code")
      .where("id", "=", pratica.municipality_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("events")
      .select(["type", "state_after", "at", "actor_identity"])
      .where("pratica_id", "=", pratica.id)
      .orderBy("seq")
      .execute(),
    db
      .selectFrom("attachments")
      .select(["id", "code", "filename", "sha256", "content_type"])
      .where("pratica_id", "=", pratica.id)
      .orderBy("created_at")
      .execute(),
  ]);
  const snapshot = pratica.snapshot as PersistedWorkflow | null;
  const times = descriptorTimes(
    pratica.submitted_at ? new Date(pratica.submitted_at as unknown as string) : null,
    snapshot,
  );
  const history = statusHistory(events, pratica.ssu_status);
  const answers = pratica.form_data as Record<string, unknown>;
  // The schema defines no property for the person who filed, and does not forbid others: `submitter` names
  // them, their fiscal code and how they were identified (issue 13, ADR 0015).
  const who = events.find((e) => e.type === "SUBMIT")?.actor_identity;
  const routing = pratica.competent_agencies as UsecaseRouting[];
  const usecaseCodes = pratica.usecases as string[];
  // A usecase with an AgID unified form carries it as XML (ADR 0027): the instance is the validated modulo,
  // `form` names its XSD and Schematron phases as the catalogue does. Others keep the canonical JSON answers.
  const moduli = new Map((await storedModuli(db, pratica.id)).map((m) => [m.usecase, m]));
  const catalogue = moduli.size ? await catalogueDocument(db, pratica.catalogue_version_id) : null;
  return {
    version: descriptorVersion(history.length, snapshot),
    cui: {
      context: cui.context,
      data: cui.data,
      progressive: cui.progressive,
      progressivo: cui.progressive,
      uuid: cui.uuid,
    },
    municipality: comune.istat_code ?? "",
    legal_person: business.fiscal_code,
    ...(who
      ? {
          submitter: {
            name: who.name,
            fiscal_code: who.fiscalCode,
            authentication: who.method,
            level_of_assurance: who.loa,
          },
        }
      : {}),
    instance_status: history,
    times,
    administrative_regime: { id: SSU_REGIME[pratica.regime] ?? "SCIA", version: "01.00.00" },
    usecase_proceedings: usecaseCodes.map((code) => {
      const r = routing.find((x) => x.usecase === code);
      const instance = canonicalJson({ usecase: code, answers });
      const modulo = moduli.get(code);
      const form = catalogue ? findUsecase(catalogue, code)?.usecase.modulo : undefined;
      return {
        code,
        version: ssuVersion(r?.usecaseVersion),
        ...(modulo && form ? { form: { xsd: form.xsd, schematron: form.schematron } } : {}),
        competent_administration: {
          ipacode: r?.competentAdministration?.ipaCode ?? r?.competentAdministration?.code ?? "n.d.",
          officecode: r?.competentAdministration?.code ?? "n.d.",
          version: "01.00.00",
          description: r?.competentAdministration?.name ?? "Amministrazione competente",
        },
        instance: modulo
          ? {
              ref: `modulo-${code}`,
              filename: `${code}.xml`,
              hash: modulo.sha256,
              alg_hash: "S256",
              mime_type: "application/xml",
            }
          : {
              ref: `istanza/${code}.json`,
              filename: `${code}.json`,
              hash: createHash("sha256").update(instance).digest("hex"),
              alg_hash: "S256",
            },
        attachments: attachments.map((a) => ({
          ref: a.id,
          filename: a.filename,
          hash: a.sha256,
          alg_hash: "S256",
          mime_type: a.content_type,
        })),
      };
    }),
  };
}
