import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/useT";
import { requireUser } from "~/server/auth/session.server";
import { myBusinesses } from "~/server/businesses/businesses.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Le mie imprese") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const rows = await myBusinesses(db(), user.principal);
  return {
    businesses: rows.map((b) => ({
      id: b.id,
      name: b.name,
      fiscal_code: b.fiscal_code,
      legal_form: b.legal_form,
      pec: b.pec,
    })),
  };
}

export default function MyBusinesses() {
  const t = useT();
  const { businesses } = useLoaderData<typeof loader>();
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("filing.business.title")}</h1>
        <p className="lead">{t("filing.business.lead")}</p>
        {!businesses.length ? <p>{t("filing.business.none")}</p> : null}
        <p>
          <Link to="/imprese/nuova" className="btn btn-outline-primary">
            {t("business.link.action")}
          </Link>
        </p>
        <ul className="list-unstyled">
          {businesses.map((b) => (
            <li key={b.id} className="border-bottom py-2">
              <strong>{b.name}</strong> - {b.legal_form} - {b.fiscal_code}
              {b.pec ? ` - ${b.pec}` : ""}{" "}
              <Link to={`/imprese/${b.id}`}>
                {t("filing.business.edit")}
                <span className="visually-hidden"> {b.name}</span>
              </Link>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
