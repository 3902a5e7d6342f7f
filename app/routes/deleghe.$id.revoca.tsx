import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/forms";
import { useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { delegationsOfBusinesses, revokeDelegation } from "~/server/delegations/delegations.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Revoca della delega") }];

async function delegationFor(request: Request, id: string) {
  const user = await requireUser(request);
  const all = await delegationsOfBusinesses(db(), user.principal.businessIds);
  const d = all.find((x) => x.id === id);
  if (!d) throw new Response("Not found", { status: 404 });
  return { user, d };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { d } = await delegationFor(request, params.id ?? "");
  return { organisation: d.organisation_name, business: d.business_name, revoked: d.revoked_at !== null };
}

export async function action({ request, params }: ActionFunctionArgs) {
  await readForm(request);
  const { user } = await delegationFor(request, params.id ?? "");
  const result = await revokeDelegation(
    db(),
    { userId: user.id, businessIds: user.principal.businessIds },
    params.id ?? "",
  );
  if (!result.ok && result.reason === "not_found") throw new Response("Not found", { status: 404 });
  return redirect("/deleghe?revocata=1");
}

export default function Revoke() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("deleghe.revoke.title")}</h1>
        {data.revoked ? (
          <p>{t("deleghe.revoke.already")}</p>
        ) : (
          <>
            <p>{t("deleghe.revoke.text", { organisation: data.organisation, business: data.business })}</p>
            <Form method="post" className="d-flex gap-3 flex-wrap">
              <CsrfInput />
              <button type="submit" className="btn btn-danger">
                {t("deleghe.revoke.confirm")}
              </button>
              <Link to="/deleghe" className="btn btn-outline-primary">
                {t("deleghe.revoke.cancel")}
              </Link>
            </Form>
          </>
        )}
      </div>
    </div>
  );
}
