import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Answers, FieldError } from "~/domain/forms";
import { validateForm } from "~/domain/forms";
import { codiceFiscaleProblem, normaliseCodiceFiscale } from "~/domain/forms/codice-fiscale";
import type { CurrentUser } from "../auth/session.server";
import type { Database } from "../db/schema.server";
import { type BusinessRegister, isLegalRepresentative } from "../integrations/business-register/port.server";
import { businessForm } from "./businesses.server";

const t = (it: string, en: string) => ({ it, en });

export type LinkResult =
  | { ok: true; businessId: string; role: "legal_representative" | "owner" }
  | { ok: false; errors: FieldError[]; answers: Answers };

/**
 * A signed-in person links a business to their account. When the person's identity is verified (SPID/CIE:
 * `verifiedIdentity`) the business register must name them as a legal representative; otherwise (password
 * accounts, where SPID/CIE is off) the link rests on the person's declaration, as it always did. A fiscal
 * code already on the portal is a clear message, decided by the unique index (no race, no 500).
 */
export async function linkBusiness(
  db: Kysely<Database>,
  user: CurrentUser,
  form: FormData,
  opts: { register: BusinessRegister | null; verifiedIdentity: boolean },
): Promise<LinkResult> {
  const answers: Answers = {};
  for (const f of businessForm.sections[0]!.fields) answers[f.name] = String(form.get(f.name) ?? "").trim();
  const result = validateForm(businessForm, answers);
  if (!result.ok) return { ok: false, errors: result.errors, answers };
  const v = result.values as Record<string, string>;
  const fiscalCode = normaliseCodiceFiscale(v.fiscal_code!);
  let role: "legal_representative" | "owner" = "owner";
  if (opts.verifiedIdentity) {
    const person = user.session.fiscalCode ?? user.fiscalCode;
    const registered = opts.register ? await opts.register.lookup(fiscalCode) : null;
    if (!registered)
      return refuse(
        answers,
        "fiscal_code",
        t(
          "Il Registro delle imprese non ha un'impresa con questo codice fiscale: controlla di averlo copiato senza errori",
          "The Business Register has no business with this tax code: check you copied it correctly",
        ),
      );
    if (!isLegalRepresentative(registered, person))
      return refuse(
        answers,
        "fiscal_code",
        t(
          "Secondo il Registro delle imprese non sei il legale rappresentante di questa impresa: chiedi al legale rappresentante di aggiungerti dalla pagina dell'impresa",
          "According to the Business Register you are not this business's legal representative: ask the legal representative to add you from the business's page",
        ),
      );
    role = "legal_representative";
  }
  const id = randomUUID();
  const linked = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("businesses")
      .values({
        id,
        name: v.name!,
        legal_form: v.legal_form!,
        fiscal_code: fiscalCode,
        vat_number: v.vat_number ?? null,
        rea: v.rea ?? null,
        pec: v.pec!,
        registered_office: JSON.stringify({
          address: v.office_address,
          cap: v.office_cap,
          municipality: v.office_municipality,
        }),
        legal_representative: JSON.stringify({ fullName: v.rep_name, fiscalCode: v.rep_fiscal_code }),
      })
      .onConflict((oc) => oc.column("fiscal_code").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) return false;
    await trx.insertInto("business_members").values({ business_id: id, user_id: user.id, role }).execute();
    return true;
  });
  if (!linked)
    return refuse(
      answers,
      "fiscal_code",
      t(
        "Un'impresa con questo codice fiscale è già registrata sul portale: chiedi al suo legale rappresentante di aggiungerti dalla pagina dell'impresa, oppure scrivi al SUAP",
        "A business with this tax code is already registered on the portal: ask its legal representative to add you from the business's page, or write to the SUAP",
      ),
    );
  return { ok: true, businessId: id, role };
}

function refuse(answers: Answers, field: string, message: { it: string; en: string }): LinkResult {
  return { ok: false, errors: [{ field, message }], answers };
}

export type AddMemberResult = { ok: true } | { ok: false; message: { it: string; en: string } };

/**
 * The legal representative adds a person (by fiscal code) who may then act for the business. The person
 * must have signed in once (their account exists, identified by the fiscal code).
 */
export async function addBusinessMember(
  db: Kysely<Database>,
  user: CurrentUser,
  businessId: string,
  personFiscalCode: string,
): Promise<AddMemberResult | null> {
  const me = await db
    .selectFrom("business_members")
    .select("role")
    .where("business_id", "=", businessId)
    .where("user_id", "=", user.id)
    .executeTakeFirst();
  if (!me) return null;
  if (me.role !== "legal_representative")
    return {
      ok: false,
      message: t(
        "Solo il legale rappresentante dell'impresa può aggiungere altre persone",
        "Only the business's legal representative can add other people",
      ),
    };
  const cf = normaliseCodiceFiscale(personFiscalCode);
  if (codiceFiscaleProblem(cf, "person"))
    return {
      ok: false,
      message: t(
        "Il codice fiscale non è valido: controlla i 16 caratteri della persona da aggiungere",
        "The tax code is not valid: check the 16 characters of the person to add",
      ),
    };
  const person = await db
    .selectFrom("users")
    .select("id")
    .where((eb) => eb(eb.fn("upper", ["fiscal_code"]), "=", cf))
    .executeTakeFirst();
  if (!person)
    return {
      ok: false,
      message: t(
        "Nessuna persona con questo codice fiscale ha ancora effettuato l'accesso al portale: chiedile di entrare una prima volta con SPID o CIE, poi aggiungila",
        "Nobody with this tax code has signed in to the portal yet: ask them to sign in once with SPID or CIE, then add them",
      ),
    };
  await db
    .insertInto("business_members")
    .values({ business_id: businessId, user_id: person.id, role: "member" })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return { ok: true };
}

/** Who may act for the business on the portal (beyond organisations with a delegation). */
export async function businessMembers(db: Kysely<Database>, businessId: string) {
  const rows = await db
    .selectFrom("business_members")
    .innerJoin("users", "users.id", "business_members.user_id")
    .select(["users.id", "users.full_name", "business_members.role"])
    .where("business_members.business_id", "=", businessId)
    .orderBy("users.full_name")
    .execute();
  return rows.map((r) => ({ userId: r.id, name: r.full_name, role: r.role }));
}
