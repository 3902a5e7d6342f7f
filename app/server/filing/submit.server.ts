import type { Kysely, Transaction } from "kysely";
import { type Answers, type FieldError, validateForm } from "~/domain/forms";
import type { Database } from "../db/schema.server";
import { paymentGate } from "../integrations/payment/pages.server";
import { paymentConfig } from "../integrations/payment/config.server";
import { paymentsOnSubmit } from "../integrations/payment/service.server";
import { runtime } from "../runtime.server";
import { dispatchInTransaction, EngineError, type EngineServices } from "../engine/engine.server";
import { praticaIdBySubmissionKey, readPratica } from "../pratiche/repository.server";
import { refusalWords } from "../pratiche/refusal.server";
import { recordDelegationUse } from "../delegations/filing.server";
import { nextNumber } from "../engine/counters.server";
import { callsQueued } from "../jobs/kick.server";
import { ensureModuli, moduloFieldErrors } from "../modulo/modulo.server";
import { completeDeferredDocuments } from "../engine/deferred.server";
import { attachmentList, visibleSections } from "../../domain/filing/bundle";
import { buildCui, formatCui, romeDate } from "../../domain/filing/cui";
import {
  type DraftContext,
  type FilingUser,
  loadDraft,
  notFound,
  uploadedAttachments,
  validationOptions,
} from "./drafts.server";

/**
 * "Conferma e invia": validates the whole draft, then in ONE transaction gives the pratica its CUI, records
 * the declaration and the submission key, and dispatches SUBMIT and PROTOCOL through the engine, whose
 * effects write the protocol entry, the deadlines, the audit log and the queued rendering of the receipt.
 * Either all of it commits or nothing does. Right after COMMIT the same request renders the receipt and
 * queues the mail carrying it (ADR 0032); the worker does it when this process died first.
 *
 * Idempotent: the summary page carries a one-time submission key (unique in pratiche.submission_key). A
 * retried request with the same key, or a second click on an already submitted draft, returns the result
 * of the first submission instead of filing again.
 */

export interface SubmitInput {
  praticaId: string;
  submissionKey: string;
  declared: boolean;
  now?: Date;
  /** test hook: runs inside the transaction after SUBMIT, before PROTOCOL (a crash there must undo all) */
  afterSubmit?: (trx: Transaction<Database>) => Promise<void> | void;
  /** test hook: a process killed between COMMIT and the receipt (the worker must render it) */
  killedBeforeReceipt?: boolean;
}

export interface SubmittedPratica {
  praticaId: string;
  cui: string;
  protocolNumber: string;
  dueDate: string | null;
  /** false when this call found the pratica already submitted (a retry) */
  created: boolean;
}

export type SubmitResult =
  | { ok: true; pratica: SubmittedPratica }
  | { ok: false; status: number; errors: FieldError[] };

const KEY_RE = /^[A-Za-z0-9_-]{16,100}$/;

/** Every problem that stops a submission, each linked to where the applicant fixes it. */
export async function submissionProblems(
  db: Kysely<Database> | Transaction<Database>,
  ctx: DraftContext,
  declared: boolean,
) {
  const errors: (FieldError & { href: string })[] = [];
  const base = `/pratiche/${ctx.pratica.id}`;
  const result = validateForm(ctx.bundle.form, ctx.answers as Answers, validationOptions(ctx.catalogue));
  const sectionOf = new Map(
    visibleSections(ctx.bundle.form, ctx.answers).flatMap((s) =>
      s.fields.map((f) => [f.name, s.id] as const),
    ),
  );
  for (const e of result.errors) {
    errors.push({
      ...e,
      href: `${base}/sezioni/${sectionOf.get(e.field) ?? ""}?ritorno=riepilogo#${e.field}`,
    });
  }
  // The AgID XML modulo (issue 16, ADR 0027): validated when the summary was shown; here the stored result is
  // read (and rebuilt only if the answers or attachments changed since). Only while the form itself is valid:
  // a missing answer is reported once, by the form, not again by the modulo.
  if (!result.errors.length)
    errors.push(...moduloFieldErrors(base, await ensureModuli(db, moduloDraft(ctx), moduloLabels(ctx))));
  const uploaded = new Set((await uploadedAttachments(db, ctx.pratica.id)).map((a) => a.code));
  // pagoPA (issue 15): where the Comune collects the fees through pagoPA they must be paid first, and the
  // uploaded payment proof is no longer asked for (it stays the fallback elsewhere).
  const payment = await paymentGate(db, runtime.env, ctx.pratica.id);
  if (payment.blocking) {
    errors.push({
      field: "pagamenti",
      href: `${base}/pagamenti`,
      message: {
        it: "Paga i diritti di istruttoria con pagoPA prima di inviare la pratica",
        en: "Pay the processing fees with pagoPA before sending the pratica",
      },
    });
  }
  for (const a of attachmentList(ctx.refs, ctx.answers)) {
    if (!a.required || uploaded.has(a.attachment.code)) continue;
    if (payment.pagopa && a.attachment.paymentProof) continue;
    errors.push({
      field: `file-${a.attachment.code}`,
      href: `${base}/allegati#file-${a.attachment.code}`,
      message: {
        it: `Carica l'allegato «${a.attachment.title.it}»`,
        en: `Upload the attachment "${a.attachment.title.en}"`,
      },
    });
  }
  if (!declared) {
    errors.push({
      field: "dichiarazione",
      href: "#dichiarazione",
      message: {
        it: "Per inviare la pratica conferma la dichiarazione ai sensi del DPR 445/2000",
        en: "To send the application, confirm the declaration under DPR 445/2000",
      },
    });
  }
  return errors;
}

/** What the modulo of a draft is built from. */
export function moduloDraft(ctx: DraftContext) {
  return { praticaId: ctx.pratica.id, refs: ctx.refs, answers: ctx.answers as Answers };
}

/** The label the applicant sees for a field or an attachment (the modulo's problems name it). */
export function moduloLabels(ctx: DraftContext) {
  const fields = new Map(
    visibleSections(ctx.bundle.form, ctx.answers).flatMap((s) =>
      s.fields.map((f) => [f.name, f.label.it] as const),
    ),
  );
  for (const a of attachmentList(ctx.refs, ctx.answers))
    fields.set(`file-${a.attachment.code}`, a.attachment.title.it);
  return (field: string) => fields.get(field) ?? null;
}

async function existingResult(db: Kysely<Database> | Transaction<Database>, praticaId: string) {
  const p = await readPratica(db, praticaId, ["id", "cui", "protocol_number", "due_date", "status"]);
  if (!p) throw new Error(`Pratica ${praticaId} non trovata.`);
  return {
    praticaId: p.id,
    cui: p.cui ?? "",
    protocolNumber: p.protocol_number ?? "",
    dueDate: p.due_date,
    created: false,
  };
}

export async function submitPratica(
  db: Kysely<Database>,
  services: EngineServices,
  user: FilingUser,
  input: SubmitInput,
): Promise<SubmitResult> {
  const now = input.now ?? services.now?.() ?? new Date();
  if (!KEY_RE.test(input.submissionKey)) {
    return {
      ok: false,
      status: 400,
      errors: [
        {
          field: "",
          message: {
            it: "La pagina di riepilogo è scaduta: aprila di nuovo e premi «Conferma e invia».",
            en: "The summary page has expired: open it again and press Confirm and send.",
          },
        },
      ],
    };
  }
  const ctx = await loadDraft(db, user, input.praticaId);
  // A retry of a submission that already went through answers with the first result (a retried key of
  // another pratica meets the unique key below and answers with that one's). The problems are checked once,
  // under the lock (issue 18: the statements of a submission cut to the essential).
  if (ctx.pratica.status !== "draft") return { ok: true, pratica: await existingResult(db, ctx.pratica.id) };
  // The AgID modulo's check is CPU-heavy (ADR 0027): brought up to date here, before the lock and committed on
  // its own, so the check under the lock reads the stored result (a failing one stays stored for the summary).
  await ensureModuli(db, moduloDraft(ctx), moduloLabels(ctx), now);
  const actor = { kind: "user" as const, userId: user.id, principal: user.principal };
  const at = romeDate(now);

  let queued = 0;
  // ADR 0032: the receipt (and the mail carrying it) is rendered after COMMIT, so the desk's CUI and protocol
  // counters, taken in this transaction, are not held while a PDF is drawn.
  const stepServices: EngineServices = { ...services, deferDocuments: true, now: () => now };
  try {
    const pratica = await db.transaction().execute(async (trx) => {
      // The row and its desk's code in one statement; only the pratica's row is locked.
      const locked = await trx
        .selectFrom("pratiche as p")
        .innerJoin("entities as d", "d.id", "p.desk_id")
        .select(["p.id", "p.status", "p.desk_id", "p.delegation_id", "d.code as desk_code"])
        .where("p.id", "=", ctx.pratica.id)
        .forUpdate("p")
        .executeTakeFirst();
      // The applicant deleted the draft while this request waited for the lock.
      if (!locked) throw notFound();
      // Two clicks racing: the second waits on the lock and finds the pratica submitted.
      if (locked.status !== "draft") return existingResult(trx, locked.id);
      // Uploads and removals take the same lock: what is validated here is exactly what is filed (and what the
      // receipt lists); a removal racing this request waits for it, or went first and is seen here.
      const late = await submissionProblems(trx, ctx, input.declared);
      if (late.length) throw new InvalidUnderLock(late);
      // The numbers as late as the chain allows: after every check and read, right before the SUBMIT step
      // whose protocol registration fingerprints the CUI (the counters' rows stay locked until COMMIT).
      const progressive = await nextNumber(trx, locked.desk_id, "cui", Number(at.slice(0, 4)));
      const cui = formatCui(buildCui(locked.desk_code, at, progressive, ctx.pratica.id));
      // The row as updated is the locked row the SUBMIT step starts from (no second read of it).
      const filed = await trx
        .updateTable("pratiche")
        .set({
          cui,
          submission_key: input.submissionKey,
          declared_at: now,
          title: ctx.bundle.title.it,
          regime: ctx.bundle.workflowInput.regime,
          form_data: JSON.stringify({ ...ctx.answers }),
          fees: JSON.stringify(ctx.bundle.fees),
          competent_agencies: JSON.stringify(ctx.bundle.routing),
          updated_at: now,
        })
        .where("id", "=", locked.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const submitted = await dispatchInTransaction(trx, stepServices, {
        praticaId: locked.id,
        event: { type: "SUBMIT", at, actorId: user.id },
        actor,
        start: ctx.bundle.workflowInput,
        locked: filed,
      });
      // Filed on behalf: the use of the delegation is a link of its own chain.
      if (locked.delegation_id) await recordDelegationUse(trx, locked.delegation_id, user.id, cui, now);
      await input.afterSubmit?.(trx);
      // pagoPA (issue 15): where payment may follow the submission, the payment deadline and the notices are
      // set here, in the submission's transaction; the notices' creation is a queued call run after COMMIT.
      const paymentCalls = await paymentsOnSubmit(
        trx,
        paymentConfig(runtime.env),
        locked.id,
        now,
        ctx.bundle.workflowInput.calendar,
      );
      const protocolled = await dispatchInTransaction(trx, stepServices, {
        praticaId: locked.id,
        event: { type: "PROTOCOL", at },
        actor: { kind: "system", name: "submission" },
        // The row as SUBMIT saved it (payments and delegations do not write it).
        locked: submitted.pratica,
      });
      queued = submitted.queuedCalls + protocolled.queuedCalls + paymentCalls.length;
      const saved = protocolled.pratica;
      return {
        praticaId: saved.id,
        cui: saved.cui ?? "",
        protocolNumber: saved.protocol_number ?? "",
        dueDate: saved.due_date,
        created: true,
      };
    });
    // A remote protocol register: the registration is a queued call, made after this COMMIT (the receipt
    // already went out with the CUI; the number follows).
    if (queued) callsQueued();
    // The receipt, now that the numbers are committed (a crash before this leaves it to the worker).
    if (pratica.created && !input.killedBeforeReceipt)
      await completeDeferredDocuments(db, services, pratica.praticaId);
    return { ok: true, pratica };
  } catch (error) {
    // The same key raced in from another process and won: answer with its result.
    if (isUniqueViolation(error)) {
      const row = await praticaIdBySubmissionKey(db, input.submissionKey);
      if (row) return { ok: true, pratica: await existingResult(db, row) };
    }
    if (error instanceof InvalidUnderLock) return { ok: false, status: 400, errors: error.problems };
    if (error instanceof EngineError) {
      return {
        ok: false,
        status: error.status,
        errors: [{ field: "", message: refusalWords(error) }],
      };
    }
    throw error;
  }
}

class InvalidUnderLock extends Error {
  constructor(readonly problems: Awaited<ReturnType<typeof submissionProblems>>) {
    super("submission no longer valid under the lock");
  }
}

function isUniqueViolation(error: unknown) {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "23505";
}
