import type { Kysely } from "kysely";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { findUsecase } from "~/domain/catalogue";
import { visibleSections } from "~/domain/filing/bundle";
import { romeDate } from "~/domain/dates";
import { DEMO_PRATICHE, type DemoActor, type DemoPratica, demoAnswers } from "~/domain/demo/plan";
import type { Principal } from "~/domain/policy";
import { addDays } from "../../../workflows/clock";
import type { WorkflowEvent } from "../../../workflows/index";
import { loadPrincipal } from "../auth/session.server";
import { currentCatalogue } from "../catalogue/repository.server";
import type { Database } from "../db/schema.server";
import { grantDelegation } from "../delegations/delegations.server";
import { assignPratica } from "../desk/assign.server";
import { dispatch, type EngineServices } from "../engine/engine.server";
import {
  deleteDraft,
  type FilingUser,
  loadDraft,
  missingAttachments,
  saveSection,
  startDraft,
} from "../filing/drafts.server";
import { submitPratica } from "../filing/submit.server";
import { addAttachment } from "../filing/uploads.server";
import { developmentPki, issueDevelopmentPerson } from "../integrations/seal/development.server";
import { createCms } from "../integrations/signature/cms-sign.server";
import { findPraticaBySubmissionKey } from "../pratiche/repository.server";
import { runtime } from "../runtime.server";

/**
 * Files the demo pratiche of `app/domain/demo/plan.ts` through the real paths: the business (or the
 * association, on its delegation) starts a draft, answers every section, uploads each required document and
 * presses "Conferma e invia" on the filing day; then the officer and the agencies send their acts through the
 * engine on the planned days. Nothing is written by hand: the protocol, the documents, the audit chain, the
 * mail and the deadlines come from the engine, and what the law does by itself (a SCIA consolidating, an
 * agency's term running out) is left to the worker's deadline sweep. Idempotent: each pratica has a
 * submission key `demo-<key>`, so a pratica already filed is skipped. Never called in production (the boot
 * calls it only when DEMO_PRATICHE is on, and env.server.ts refuses that in production).
 */
export interface DemoSeedResult {
  filed: string[];
  skipped: string[];
  failed: { key: string; reason: string }[];
}

const LIMITS = { maxFileBytes: 20 * 1024 * 1024, maxPraticaBytes: 100 * 1024 * 1024 };

export async function seedDemoPratiche(
  db: Kysely<Database>,
  services: EngineServices,
  opts: { now?: Date; plan?: DemoPratica[] } = {},
): Promise<DemoSeedResult> {
  const now = opts.now ?? new Date();
  const today = romeDate(now);
  const result: DemoSeedResult = { filed: [], skipped: [], failed: [] };
  const people = await demoPeople(db);
  if (!people) return result; // no demo accounts: nothing to file for
  const { catalogue } = await currentCatalogue(db);
  const pdf = await demoPdf();
  const signer = demoSigner();
  await ensureDelegation(db, services, people, today, pdf);

  for (const plan of opts.plan ?? DEMO_PRATICHE) {
    const submissionKey = `demo-${plan.key}`;
    const done = await findPraticaBySubmissionKey(db, submissionKey);
    if (done) {
      result.skipped.push(plan.key);
      continue;
    }
    let draftId: string | null = null;
    try {
      const ref = findUsecase(catalogue, plan.usecase);
      if (!ref) throw new Error(`usecase ${plan.usecase} not in the current catalogue`);
      const filer = plan.byAssociation ? people.association : people.business;
      const filedOn = addDays(today, plan.filed);
      const filedAt = instant(filedOn, 9);
      const cap = catalogue.municipalities.find((m) => m.istat === plan.comune)?.postcodes[0]?.cap ?? "";
      const started = await startDraft(db, filer, {
        codes: [ref.proceeding.code],
        chosen: [plan.usecase],
        municipality: plan.comune,
        businessId: people.businessId,
      });
      if (!started.ok) throw new Error(started.errors.map((e) => e.message.it).join("; "));
      draftId = started.id;
      const answers = demoAnswers(plan.comune, cap, filedOn, addDays);
      const form = new FormData();
      for (const [k, v] of Object.entries(answers)) {
        if (Array.isArray(v)) for (const item of v) form.append(k, item);
        else form.set(k, v);
      }
      const ctx = await loadDraft(db, filer, started.id);
      for (const s of visibleSections(ctx.bundle.form, { ...ctx.answers, ...answers })) {
        const saved = await saveSection(db, filer, started.id, s.id, form, { validate: true });
        if (!saved.ok) throw new Error(saved.errors.map((e) => `${e.field}: ${e.message.it}`).join("; "));
      }
      for (const missing of await missingAttachments(db, await loadDraft(db, filer, started.id))) {
        const code = missing.attachment.code;
        // Where the catalogue requires a signature (2026.3: the relazione tecnica), the declarant signs the
        // demo file with a test certificate of the development CA, as `npm run signatures:demo` does.
        const signed = missing.attachment.signature?.required
          ? await signer.cades(pdf, {
              name: `${answers.dich_nome} ${answers.dich_cognome}`,
              fiscalCode: String(answers.dich_codice_fiscale),
            })
          : null;
        const up = await addAttachment(db, services.files, filer, {
          praticaId: started.id,
          code,
          filename: signed ? `${code.toLowerCase()}.pdf.p7m` : `${code.toLowerCase()}.pdf`,
          bytes: signed ?? pdf,
          purpose: "filing",
          limits: LIMITS,
        });
        if (!up.ok) throw new Error(up.message.it);
      }
      const submitted = await submitPratica(db, services, filer, {
        praticaId: started.id,
        submissionKey,
        declared: true,
        now: filedAt,
      });
      if (!submitted.ok) throw new Error(submitted.errors.map((e) => e.message.it).join("; "));
      for (const step of plan.steps) {
        const day = addDays(today, step.day);
        const actor = people.actors[step.actor];
        if (step.event.type === "ASSIGN") {
          const assigned = await assignPratica(db, {
            praticaId: started.id,
            actor,
            assigneeId: actor.userId,
            now: instant(day, 10),
          });
          if (!assigned.ok) throw new Error(assigned.messageIt);
          continue;
        }
        await dispatch(
          db,
          { ...services, now: () => instant(day, 11) },
          {
            praticaId: started.id,
            event: { ...step.event, at: day, actorId: actor.userId } as WorkflowEvent,
            actor: { kind: "user", userId: actor.userId, principal: actor.principal },
          },
        );
      }
      result.filed.push(plan.key);
    } catch (error) {
      result.failed.push({ key: plan.key, reason: (error as Error).message });
      // A filing that did not go through leaves no draft behind (the next boot tries again from scratch).
      if (draftId) {
        const filer = plan.byAssociation ? people.association : people.business;
        await deleteDraft(db, filer, draftId).catch(() => {});
      }
    }
  }
  return result;
}

/** A moment of a Rome calendar day (the hour in Rome, near enough for a demo: 9 means morning). */
function instant(day: string, hourRome: number) {
  return new Date(`${day}T${String(hourRome - 1).padStart(2, "0")}:00:00Z`);
}

interface Person {
  userId: string;
  principal: Principal;
}

async function demoPeople(db: Kysely<Database>) {
  const byEmail = async (email: string): Promise<Person | null> => {
    const u = await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst();
    return u ? { userId: u.id, principal: await loadPrincipal(u.id) } : null;
  };
  const [business, officer, asl, vvf, arpat, association] = await Promise.all(
    [
      "impresa@demo.test",
      "operatore@demo.test",
      "asl@demo.test",
      "vvf@demo.test",
      "arpat@demo.test",
      "associazione@demo.test",
    ].map(byEmail),
  );
  if (!business || !officer || !asl || !vvf || !arpat || !association) return null;
  const businessId = business.principal.businessIds[0];
  if (!businessId) return null;
  const actors: Record<DemoActor, Person> = { business, officer, asl, vvf, arpat };
  const filer = (p: Person): FilingUser => ({ id: p.userId, principal: p.principal });
  return {
    businessId,
    actors,
    business: filer(business),
    association: filer(association),
    raw: { business, association },
  };
}

type People = NonNullable<Awaited<ReturnType<typeof demoPeople>>>;

/** The demo business delegates the demo association (Confcommercio) once, with a procura document. */
async function ensureDelegation(
  db: Kysely<Database>,
  services: EngineServices,
  people: People,
  today: string,
  pdf: Uint8Array,
) {
  const existing = await db
    .selectFrom("delegations")
    .select("id")
    .where("business_id", "=", people.businessId)
    .executeTakeFirst();
  if (!existing) {
    await grantDelegation(
      db,
      services.files,
      { userId: people.raw.business.userId, businessIds: people.raw.business.principal.businessIds },
      {
        businessId: people.businessId,
        organisationCode: "CONFCOMMERCIO-PI",
        scope: null,
        validFrom: addDays(today, -90),
        validTo: addDays(today, 365),
        procura: { filename: "procura-speciale.pdf", bytes: pdf },
        maxBytes: LIMITS.maxFileBytes,
      },
      addDays(today, -90),
    );
  }
  // The association's principal carries its delegations: read it again now that one exists.
  people.association.principal = await loadPrincipal(people.association.id);
}

/**
 * Signs demo files for the demo people (CAdES, attached) with test certificates of the development CA in
 * DATA_DIR, which the verifier trusts outside production; one certificate per person per run.
 */
function demoSigner() {
  const issued = new Map<string, ReturnType<typeof issueDevelopmentPerson>>();
  return {
    async cades(content: Uint8Array, person: { name: string; fiscalCode: string }) {
      let cert = issued.get(person.fiscalCode);
      if (!cert) {
        cert = developmentPki(runtime.env.DATA_DIR).then((pki) => issueDevelopmentPerson(pki, person));
        issued.set(person.fiscalCode, cert);
      }
      const c = await cert;
      return createCms(
        content,
        { certificate: c.der, chain: [], key: c.key },
        {
          detached: false,
          signingTime: new Date(),
        },
      );
    },
  };
}

/** One small PDF for every demo upload, saying plainly that it is a demo document. */
async function demoPdf() {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.drawText("Documento dimostrativo - portale SUAP (dati di prova)", { x: 50, y: 780, size: 14, font });
  page.drawText("Demo document - SUAP portal (test data)", { x: 50, y: 755, size: 11, font });
  return doc.save({ useObjectStreams: false });
}
