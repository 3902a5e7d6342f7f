import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect, useLoaderData } from "@remix-run/react";
import { Banner } from "~/components/desk/ui";
import { CallsTable } from "~/components/integrations/calls";
import { can } from "~/domain/policy";
import { useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { pageTitle } from "~/components/title";
import { openCallViews, retryCallNow } from "~/server/integrations/queue.server";
import { callsQueued } from "~/server/jobs/kick.server";
import { db } from "~/server/runtime.server";

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Integrazioni - Amministrazione") },
];

async function requireAdmin(request: Request) {
  const user = await requireUser(request);
  if (!can(user.principal, { type: "admin.access" })) throw new Response("Forbidden", { status: 403 });
  return user;
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const outcome = new URL(request.url).searchParams.get("riprova");
  return {
    calls: await openCallViews(db()),
    outcome: outcome === "ok" || outcome === "no" ? outcome : null,
  };
}

/** "Riprova": the call becomes due now and the worker is asked to run the queue. */
export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  await requireAdmin(request);
  const id = String(form.get("call") ?? "");
  const ok = /^[0-9a-f-]{36}$/.test(id) && (await retryCallNow(db(), id));
  if (ok) callsQueued();
  return redirect(`/amministrazione/integrazioni?riprova=${ok ? "ok" : "no"}`);
}

export default function IntegrationsPage() {
  const t = useT();
  const { calls, outcome } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("integrations.title")}</h1>
      <p className="lead">{t("integrations.lead")}</p>
      {outcome ? (
        <Banner>{outcome === "ok" ? t("integrations.retried") : t("integrations.notRetried")}</Banner>
      ) : null}
      {calls.length === 0 ? <p>{t("integrations.none")}</p> : <CallsTable calls={calls} />}
    </>
  );
}
