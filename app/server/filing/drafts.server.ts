import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { type Catalogue, findUsecase, postcodesByMunicipality, type UsecaseRef } from "~/domain/catalogue";
import {
  type Answers,
  type FieldError,
  type FormDefinition,
  type Section,
  validateForm,
} from "~/domain/forms";
import { actorKinds, can, type Principal } from "~/domain/policy";
import { catalogueDocument, currentCatalogue } from "../catalogue/repository.server";
import {
  draftIdByCreationKey,
  findPratica,
  lockPraticaColumns,
  praticaRef,
} from "../pratiche/repository.server";
import type { Database, Pratica } from "../db/schema.server";
import {
  attachmentList,
  type BundleDescription,
  describeBundle,
  resolveBundle,
  visibleSections,
} from "../../domain/filing/bundle";
import { attachProcura, delegationForFiling, intermediaryAnswers } from "../delegations/filing.server";
import { romeDate } from "../../domain/filing/cui";
import { paymentConfig } from "../integrations/payment/config.server";
import { pagopaCollects } from "../integrations/payment/service.server";
import { runtime } from "../runtime.server";

/**
 * Drafts: a pratica with status 'draft' holds the applicant's answers (form_data, raw as posted), the
 * sections completed so far, and the catalogue version it is pinned to. Saved section by section, so the
 * applicant can leave at any point and resume from "Le mie pratiche".
 */

export interface FilingUser {
  id: string;
  principal: Principal;
}

export const notFound = () => new Response("Pratica non trovata", { status: 404, statusText: "Not Found" });

export type TaskStatus = "completed" | "todo" | "cannot_start";

export interface DraftContext {
  pratica: Pratica;
  catalogue: Catalogue;
  refs: UsecaseRef[];
  bundle: BundleDescription;
  answers: Answers;
  municipality: string;
}

function municipalityOf(answers: Answers, fallback: string) {
  const v = answers.sede_comune;
  return typeof v === "string" && /^\d{6}$/.test(v) ? v : fallback;
}

export function validationOptions(catalogue: Catalogue, now = new Date()) {
  return { postcodes: postcodesByMunicipality(catalogue), today: romeDate(now) };
}

/** Checks one section against all the answers (conditions may look at other sections). */
export function validateSection(
  form: FormDefinition,
  section: Section,
  answers: Answers,
  catalogue: Catalogue,
) {
  return validateForm({ ...form, sections: [section] }, answers, validationOptions(catalogue));
}

/** Which businesses the user may file for, with the data the journey shows. */
export async function filingBusinesses(db: Kysely<Database>, principal: Principal) {
  // The user's own businesses, and those an organisation of theirs holds a delegation for (the policy checks
  // it is in force).
  const ids = [
    ...new Set([...principal.businessIds, ...(principal.delegations ?? []).map((d) => d.businessId)]),
  ];
  if (!ids.length) return [];
  const rows = await db
    .selectFrom("businesses")
    .select(["id", "name", "fiscal_code", "legal_form"])
    .where("id", "in", ids)
    .orderBy("name")
    .execute();
  return rows.filter((b) => can(principal, { type: "pratica.create", businessId: b.id }));
}

/** Answers the portal already holds (business profile, the user), so they are never asked twice. */
export function prefillAnswers(
  form: FormDefinition,
  business: {
    name: string;
    legal_form: string;
    fiscal_code: string;
    vat_number: string | null;
    rea: string | null;
    pec: string | null;
    legal_representative: unknown;
  },
  user: { full_name: string; fiscal_code: string | null },
  municipality: string,
): Answers {
  const fields = new Map(form.sections.flatMap((s) => s.fields.map((f) => [f.name, f] as const)));
  const out: Answers = {};
  const set = (name: string, value: string | null | undefined) => {
    if (value && fields.has(name)) out[name] = value;
  };
  const legalForm = fields
    .get("forma_giuridica")
    ?.options?.find(
      (o) =>
        o.value === business.legal_form ||
        o.label.it.toLowerCase() === business.legal_form.toLowerCase() ||
        o.label.en.toLowerCase() === business.legal_form.toLowerCase(),
    )?.value;
  set("forma_giuridica", legalForm);
  set("impresa_denominazione", business.name);
  set("impresa_codice_fiscale", business.fiscal_code);
  set("impresa_partita_iva", business.vat_number);
  set("impresa_rea", business.rea);
  set("impresa_pec", business.pec);
  const rep = (business.legal_representative ?? {}) as { fullName?: string; fiscalCode?: string };
  const isRep = !!rep.fullName && rep.fullName.toLowerCase() === user.full_name.toLowerCase();
  if (legalForm)
    set("ruolo_dichiarante", legalForm === "IMPRESA_INDIVIDUALE" ? "TITOLARE" : "LEGALE_RAPPRESENTANTE");
  const [first, ...rest] = user.full_name.trim().split(/\s+/);
  set("dich_nome", first);
  set("dich_cognome", rest.join(" "));
  set("dich_codice_fiscale", user.fiscal_code ?? (isRep ? rep.fiscalCode : undefined));
  set("sede_comune", municipality);
  return out;
}

export interface StartDraftInput {
  codes: string[];
  chosen: string[];
  municipality: string;
  businessId: string | null;
  /** The form's idempotency key: a retry after a lost response returns the draft the first request made. */
  creationKey?: string | null;
}

export type StartDraftResult = { ok: true; id: string } | { ok: false; errors: FieldError[] };

/** Creates the draft (status 'draft') with what the portal knows prefilled. */
export async function startDraft(
  db: Kysely<Database>,
  user: FilingUser,
  input: StartDraftInput,
): Promise<StartDraftResult> {
  const creationKey =
    input.creationKey && /^[0-9a-f-]{36}$/i.test(input.creationKey) ? input.creationKey : null;
  if (creationKey) {
    const made = await draftIdByCreationKey(db, user.id, creationKey);
    if (made) return { ok: true, id: made };
  }
  const { version, catalogue } = await currentCatalogue(db);
  const resolution = resolveBundle(catalogue, input.codes, input.chosen);
  const errors: FieldError[] = [];
  for (const c of resolution.choices) {
    errors.push({
      field: `scelta_${c.proceeding.code}`,
      message: {
        it: `Scegli quale caso descrive la tua attività per «${c.proceeding.title.it}»`,
        en: `Choose which case describes your business for "${c.proceeding.title.en}"`,
      },
    });
  }
  if (resolution.unknown.length) {
    errors.push({
      field: "",
      message: {
        it: `Il procedimento ${resolution.unknown.join(", ")} non è nel catalogo in vigore: riparti dalla pagina del procedimento o da «Cosa devo presentare?».`,
        en: `Procedure ${resolution.unknown.join(", ")} is not in the current catalogue: start again from the procedure page or the finder.`,
      },
    });
  }
  if (!resolution.refs.length && !resolution.choices.length && !resolution.unknown.length) {
    errors.push({
      field: "",
      message: {
        it: "Non è indicato cosa vuoi presentare: riparti dalla pagina del procedimento o da «Cosa devo presentare?».",
        en: "It is not clear what you want to file: start again from the procedure page or the finder.",
      },
    });
  }
  const comune = catalogue.municipalities.find((m) => m.istat === input.municipality);
  if (!comune) {
    errors.push({
      field: "comune",
      message: {
        it: "Scegli il Comune in cui si svolge l'attività",
        en: "Choose the municipality of the business premises",
      },
    });
  }
  const businesses = await filingBusinesses(db, user.principal);
  const businessId = input.businessId ?? (businesses.length === 1 ? businesses[0]!.id : null);
  if (!businesses.length) {
    errors.push({
      field: "",
      message: {
        it: "Il tuo account non è collegato a un'impresa: aggiungi i dati della tua impresa dalla pagina «Le mie imprese».",
        en: "Your account is not linked to a business: add your business from the 'My businesses' page.",
      },
    });
  } else if (!businessId || !businesses.some((b) => b.id === businessId)) {
    errors.push({
      field: "impresa",
      message: {
        it: "Scegli per quale impresa presenti la pratica",
        en: "Choose which business you are filing for",
      },
    });
  }
  if (comune) {
    for (const ref of resolution.refs) {
      const scope = ref.proceeding.territorialScope;
      if (scope.kind === "MUNICIPALITIES" && !scope.municipalities.includes(comune.istat)) {
        errors.push({
          field: "comune",
          message: {
            it: `«${ref.proceeding.title.it}» non si applica nel Comune di ${comune.name}: scegli un altro Comune o un altro procedimento.`,
            en: `"${ref.proceeding.title.en}" does not apply in ${comune.name}: choose another municipality or procedure.`,
          },
        });
      }
    }
  }
  if (errors.length || !comune || !businessId) return { ok: false, errors };

  const bundle = describeBundle(catalogue, resolution.refs, comune.istat);
  const [business, userRow, comuneEntity, desk] = await Promise.all([
    db.selectFrom("businesses").selectAll().where("id", "=", businessId).executeTakeFirstOrThrow(),
    db
      .selectFrom("users")
      .select(["full_name", "fiscal_code"])
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("entities")
      .select("id")
      .where("istat_code", "=", comune.istat)
      .where("kind", "=", "comune")
      .executeTakeFirst(),
    deskFor(db, comune.istat),
  ]);
  if (!comuneEntity || !desk) {
    return {
      ok: false,
      errors: [
        {
          field: "comune",
          message: {
            it: `Il Comune di ${comune.name} non è servito da questo Sportello: presenta la pratica al SUAP del tuo Comune.`,
            en: `${comune.name} is not served by this desk: file with your municipality's SUAP.`,
          },
        },
      ],
    };
  }
  // Filing on behalf: the delegation must cover these proceedings; its procura goes with the pratica.
  const onBehalf = user.principal.businessIds.includes(businessId)
    ? null
    : await delegationForFiling(
        db,
        user.principal,
        businessId,
        resolution.refs.map((r) => r.proceeding.code),
      );
  if (onBehalf && !onBehalf.ok)
    return { ok: false, errors: [{ field: "impresa", message: onBehalf.message }] };
  const answers = prefillAnswers(bundle.form, business, userRow, comune.istat);
  if (onBehalf?.ok) Object.assign(answers, intermediaryAnswers(bundle.form, onBehalf.organisation));
  const completed = visibleSections(bundle.form, answers)
    .filter((s) => s.fields.every((f) => f.type !== "declaration"))
    .filter((s) => s.fields.some((f) => answers[f.name] !== undefined))
    .filter((s) => validateSection(bundle.form, s, answers, catalogue).ok)
    .map((s) => s.id);
  const id = randomUUID();
  const [municipalityId, deskId, forBusiness] = [comuneEntity.id, desk.id, businessId];
  try {
    await insertDraft();
  } catch (error) {
    // The same key raced in from a parallel retry and won: answer with its draft.
    if (creationKey && (error as { code?: string }).code === "23505") {
      const made = await draftIdByCreationKey(db, user.id, creationKey);
      if (made) return { ok: true, id: made };
    }
    throw error;
  }
  if (onBehalf?.ok) await attachProcura(db, id, onBehalf.delegation.id, user.id);
  return { ok: true, id };

  async function insertDraft() {
    await db
      .insertInto("pratiche")
      .values({
        id,
        creation_key: creationKey,
        catalogue_version_id: version.id,
        usecases: JSON.stringify(resolution.refs.map((r) => r.usecase.code)),
        title: bundle.title.it,
        regime: bundle.workflowInput.regime,
        municipality_id: municipalityId,
        desk_id: deskId,
        business_id: forBusiness,
        filer_user_id: user.id,
        form_data: JSON.stringify(answers),
        completed_sections: JSON.stringify(completed),
        fees: JSON.stringify(bundle.fees),
        competent_agencies: JSON.stringify(bundle.routing),
        filer_organisation_id: onBehalf?.ok ? onBehalf.organisation.id : null,
        delegation_id: onBehalf?.ok ? onBehalf.delegation.id : null,
        organisation_operator_id: onBehalf?.ok ? user.id : null,
      })
      .execute();
  }
}

/** The SUAP desk that serves a Comune (desk_comuni). */
export async function deskFor(db: Kysely<Database>, istat: string) {
  return db
    .selectFrom("desk_comuni")
    .innerJoin("entities as comune", "comune.id", "desk_comuni.comune_id")
    .innerJoin("entities as desk", "desk.id", "desk_comuni.desk_id")
    .select(["desk.id", "desk.code", "desk.name"])
    .where("comune.istat_code", "=", istat)
    .executeTakeFirst();
}

/** Loads a draft for its applicant; anyone else gets a 404 (existence is not revealed). */
export async function loadDraft(
  db: Kysely<Database>,
  user: FilingUser,
  praticaId: string,
): Promise<DraftContext> {
  if (!/^[0-9a-f-]{36}$/i.test(praticaId)) throw notFound();
  const pratica = await findPratica(db, praticaId);
  if (!pratica) throw notFound();
  const ref = await praticaRef(db, pratica);
  if (!actorKinds(user.principal, ref).includes("applicant")) throw notFound();
  const catalogue = await catalogueDocument(db, pratica.catalogue_version_id);
  const answers = (pratica.form_data ?? {}) as Answers;
  const codes = pratica.usecases as string[];
  const refs = codes.map((c) => findUsecase(catalogue, c)).filter((r): r is UsecaseRef => !!r);
  const comune = await db
    .selectFrom("entities")
    .select("istat_code")
    .where("id", "=", pratica.municipality_id)
    .executeTakeFirstOrThrow();
  const municipality = municipalityOf(answers, comune.istat_code ?? "");
  const bundle = describeBundle(catalogue, refs, municipality);
  return { pratica, catalogue, refs, bundle, answers, municipality };
}

export function isDraft(ctx: DraftContext) {
  return ctx.pratica.status === "draft";
}

export interface Task {
  id: string;
  title: { it: string; en: string };
  href: string;
  status: TaskStatus;
}

/** The GOV.UK task list: sections, then attachments, then the summary. */
export async function taskList(db: Kysely<Database>, ctx: DraftContext) {
  const completed = new Set(ctx.pratica.completed_sections as string[]);
  const base = `/pratiche/${ctx.pratica.id}`;
  const sections: Task[] = visibleSections(ctx.bundle.form, ctx.answers).map((s) => ({
    id: s.id,
    title: s.title,
    href: `${base}/sezioni/${s.id}`,
    status:
      completed.has(s.id) && validateSection(ctx.bundle.form, s, ctx.answers, ctx.catalogue).ok
        ? "completed"
        : "todo",
  }));
  const sectionsDone = sections.every((s) => s.status === "completed");
  const missing = await missingAttachments(db, ctx);
  const attachments: Task = {
    id: "allegati",
    title: { it: "Allegati", en: "Attachments" },
    href: `${base}/allegati`,
    status: !sectionsDone ? "cannot_start" : missing.length ? "todo" : "completed",
  };
  const summary: Task = {
    id: "riepilogo",
    title: { it: "Controlla e invia la pratica", en: "Check and send the application" },
    href: `${base}/riepilogo`,
    status: sectionsDone && !missing.length ? "todo" : "cannot_start",
  };
  return {
    sections,
    attachments,
    summary,
    completedCount:
      sections.filter((s) => s.status === "completed").length + (attachments.status === "completed" ? 1 : 0),
    total: sections.length + 1,
  };
}

export async function uploadedAttachments(db: Kysely<Database>, praticaId: string, purpose = "filing") {
  return db
    .selectFrom("attachments")
    .select([
      "id",
      "code",
      "filename",
      "content_type",
      "size",
      "sha256",
      "purpose",
      "created_at",
      "signature",
    ])
    .where("pratica_id", "=", praticaId)
    .where("purpose", "=", purpose)
    .orderBy("created_at")
    .execute();
}

export async function missingAttachments(db: Kysely<Database>, ctx: DraftContext) {
  const uploaded = new Set((await uploadedAttachments(db, ctx.pratica.id)).map((a) => a.code));
  // pagoPA (issue 15): where the fees are paid with pagoPA the payment proof is not asked for.
  const pagopa = await pagopaCollects(db, paymentConfig(runtime.env), ctx.pratica.id);
  return attachmentList(ctx.refs, ctx.answers).filter(
    (a) => a.required && !uploaded.has(a.attachment.code) && !(pagopa && a.attachment.paymentProof),
  );
}

/** Reads the posted values of one section's fields (checkboxes as lists; an absent field is cleared). */
export function postedAnswers(section: Section, form: FormData): Answers {
  const out: Answers = {};
  for (const field of section.fields) {
    if (field.type === "checkboxes") {
      out[field.name] = form.getAll(field.name).map(String).filter(Boolean);
    } else {
      const v = form.get(field.name);
      out[field.name] = typeof v === "string" ? v.trim() : undefined;
    }
  }
  return out;
}

export type SaveSectionResult =
  | { ok: true; answers: Answers }
  | { ok: false; errors: FieldError[]; answers: Answers };

/**
 * Where a section stands among those this pratica shows (hidden, conditional sections are not counted), and
 * which visible section comes after it (null after the last: the summary is next). A section hidden by the
 * answers is placed where the full list puts it, so "Salva e continua" still moves forward from it.
 */
export function sectionPlace(form: FormDefinition, answers: Answers, sectionId: string) {
  const visible = visibleSections(form, answers);
  const index = visible.findIndex((s) => s.id === sectionId);
  const order = form.sections.findIndex((s) => s.id === sectionId);
  const next =
    index >= 0
      ? visible[index + 1]
      : visible.find((s) => form.sections.findIndex((f) => f.id === s.id) > order);
  return {
    position: index >= 0 ? index + 1 : null,
    count: visible.length,
    next: next?.id ?? null,
  };
}

/**
 * Saves a section's answers whatever their state (so "save and come back later" never loses work); the
 * section counts as completed only when it validates.
 */
export async function saveSection(
  db: Kysely<Database>,
  user: FilingUser,
  praticaId: string,
  sectionId: string,
  form: FormData,
  opts: { validate: boolean },
): Promise<SaveSectionResult> {
  const ctx = await loadDraft(db, user, praticaId);
  if (!isDraft(ctx)) throw new Response("La pratica è già stata inviata", { status: 409 });
  const section = ctx.bundle.form.sections.find((s) => s.id === sectionId);
  if (!section) throw notFound();
  const posted = postedAnswers(section, form);
  const answers: Answers = { ...ctx.answers };
  for (const [k, v] of Object.entries(posted)) {
    if (v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) delete answers[k];
    else answers[k] = v;
  }
  const result = validateSection(ctx.bundle.form, section, answers, ctx.catalogue);
  const completed = new Set(ctx.pratica.completed_sections as string[]);
  if (result.ok) completed.add(section.id);
  else completed.delete(section.id);
  await db
    .updateTable("pratiche")
    .set({
      form_data: JSON.stringify(answers),
      completed_sections: JSON.stringify([...completed]),
      updated_at: new Date(),
    })
    .where("id", "=", praticaId)
    .where("status", "=", "draft")
    .execute();
  if (!result.ok && opts.validate) return { ok: false, errors: result.errors, answers };
  return { ok: true, answers };
}

/**
 * Deletes a draft (and its attachment rows) at the applicant's request. The row is locked first: a submission
 * racing in wins or loses whole, and a pratica that was sent is never touched (409 with a sentence).
 * Stored files are content-addressed and may be shared with other pratiche, so they stay in the store.
 */
export async function deleteDraft(db: Kysely<Database>, user: FilingUser, praticaId: string) {
  await loadDraft(db, user, praticaId); // 404 unless the user may act on it as applicant
  await db.transaction().execute(async (trx) => {
    const locked = await lockPraticaColumns(trx, praticaId, ["status"]);
    if (!locked) throw notFound();
    if (locked.status !== "draft") {
      throw new Response(
        "La pratica è già stata inviata al SUAP: non è più una bozza e non si può eliminare.",
        {
          status: 409,
        },
      );
    }
    await trx.deleteFrom("attachments").where("pratica_id", "=", praticaId).execute();
    await trx.deleteFrom("pratiche").where("id", "=", praticaId).execute();
  });
}

/** What the "new pratica" page shows before a draft exists: the bundle, its costs and terms, the choices. */
export async function newPraticaView(
  db: Kysely<Database>,
  principal: Principal,
  codes: string[],
  chosen: string[],
  municipality: string | null,
) {
  const { catalogue } = await currentCatalogue(db);
  const resolution = resolveBundle(catalogue, codes, chosen);
  const comune = municipality ? catalogue.municipalities.find((m) => m.istat === municipality) : undefined;
  const bundle =
    resolution.refs.length && comune ? describeBundle(catalogue, resolution.refs, comune.istat) : null;
  return {
    codes,
    refs: resolution.refs.map((r) => ({
      code: r.usecase.code,
      title: r.usecase.title,
      proceeding: r.proceeding.code,
    })),
    choices: resolution.choices.map((c) => ({
      proceeding: c.proceeding.code,
      title: c.proceeding.title,
      usecases: c.usecases.map((u) => ({ code: u.code, title: u.title, description: u.description ?? null })),
    })),
    unknown: resolution.unknown,
    municipalities: catalogue.municipalities.map((m) => ({ istat: m.istat, name: m.name })),
    municipality: comune?.istat ?? null,
    businesses: await filingBusinesses(db, principal),
    summary: bundle
      ? {
          regime: bundle.workflowInput.regime,
          regimeDescription: bundle.regimeDescription,
          termDays: bundle.workflowInput.termDays,
          fees: bundle.fees,
          desk: bundle.desk?.name ?? null,
        }
      : null,
  };
}
