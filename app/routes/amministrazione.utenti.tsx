import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, redirect, useLoaderData } from "@remix-run/react";
import { Banner } from "~/components/desk/ui";
import { CsrfInput } from "~/components/forms";
import { SessionsTable } from "~/components/Sessions";
import { pageTitle } from "~/components/title";
import { can } from "~/domain/policy";
import { useT } from "~/i18n/useT";
import { findPeople, securityView } from "~/server/auth/account-security.server";
import { readForm, requireUser, revokeUserSessions } from "~/server/auth/session.server";
import { resetSecondFactor } from "~/server/auth/totp.server";
import { db } from "~/server/runtime.server";

/**
 * Administrators look a person up and end all their sessions, or reset their second factor (which ends the
 * sessions too): for a lost device, a stolen laptop, someone who left (issue 13).
 */
export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Persone - Amministrazione") },
];

export const headers = () => ({ "Cache-Control": "private, no-store" });

async function requireAdmin(request: Request) {
  const user = await requireUser(request);
  if (!can(user.principal, { type: "admin.access" })) throw new Response("Forbidden", { status: 403 });
  return user;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const url = new URL(request.url);
  const q = url.searchParams.get("q") ?? "";
  const people = await findPeople(db(), q);
  const views = await Promise.all(people.map((p) => securityView(db(), p.id)));
  const done = url.searchParams.get("fatto");
  return {
    q,
    done: done === "revocate" || done === "azzerato" ? done : null,
    count: Number(url.searchParams.get("n") ?? 0) || 0,
    people: people.map((p, i) => ({
      id: p.id,
      email: p.email,
      name: p.full_name,
      fiscalCode: p.fiscal_code,
      ...views[i]!,
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const admin = await requireAdmin(request);
  const userId = String(form.get("user") ?? "");
  const intent = String(form.get("intent") ?? "");
  const back = String(form.get("q") ?? "").slice(0, 100);
  if (!UUID.test(userId) || (intent !== "revoke" && intent !== "reset")) {
    throw new Response("Richiesta non valida", { status: 400 });
  }
  const exists = await db().selectFrom("users").select("id").where("id", "=", userId).executeTakeFirst();
  if (!exists) throw new Response("Persona non trovata", { status: 404 });
  let n = 0;
  if (intent === "revoke") n = await revokeUserSessions(db(), userId, `admin:${admin.id}`);
  else await resetSecondFactor(db(), userId);
  console.info(`[identity] administrator ${admin.id}: ${intent} for user ${userId}`);
  const params = new URLSearchParams({ q: back, fatto: intent === "revoke" ? "revocate" : "azzerato" });
  if (intent === "revoke") params.set("n", String(n));
  return redirect(`/amministrazione/utenti?${params}`);
}

export default function PeopleAdmin() {
  const t = useT();
  const { q, people, done, count } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("admin.people.title")}</h1>
      <p className="lead">{t("admin.people.lead")}</p>
      {done === "revocate" ? <Banner>{t("admin.people.revoked", { count })}</Banner> : null}
      {done === "azzerato" ? <Banner>{t("admin.people.reset")}</Banner> : null}
      <Form method="get" className="mb-4">
        <div className="form-group mb-3">
          <label htmlFor="q" className="active">
            {t("admin.people.search")}
          </label>
          <input id="q" name="q" type="search" className="form-control" defaultValue={q} />
        </div>
        <button type="submit" className="btn btn-outline-primary">
          {t("admin.people.searchSubmit")}
        </button>
      </Form>
      {people.length === 0 ? <p>{t("admin.people.none")}</p> : null}
      {people.map((p) => (
        <section key={p.id} aria-labelledby={`person-${p.id}`} className="mb-5">
          <h2 id={`person-${p.id}`} className="h4">
            {p.name} <small className="text-muted">{p.email}</small>
          </h2>
          {p.fiscalCode ? (
            <p>
              {t("admin.people.fiscalCode")}: {p.fiscalCode}
            </p>
          ) : null}
          {p.sessions.length ? (
            <SessionsTable sessions={p.sessions} caption={t("admin.people.sessionsOf", { name: p.name })} />
          ) : (
            <p>{t("admin.people.noSessions")}</p>
          )}
          {p.staff ? (
            <p>{p.factor.enabled ? t("admin.people.factorOn") : t("admin.people.factorOff")}</p>
          ) : null}
          <div className="d-flex gap-3">
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="user" value={p.id} />
              <input type="hidden" name="q" value={q} />
              <input type="hidden" name="intent" value="revoke" />
              <button type="submit" className="btn btn-outline-danger" disabled={p.sessions.length === 0}>
                {t("admin.people.revoke", { name: p.name })}
              </button>
            </Form>
            {p.staff && p.factor.enabled ? (
              <Form method="post">
                <CsrfInput />
                <input type="hidden" name="user" value={p.id} />
                <input type="hidden" name="q" value={q} />
                <input type="hidden" name="intent" value="reset" />
                <button type="submit" className="btn btn-outline-danger">
                  {t("admin.people.resetFactor", { name: p.name })}
                </button>
              </Form>
            ) : null}
          </div>
        </section>
      ))}
    </>
  );
}
