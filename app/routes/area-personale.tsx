import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ROLE_LABEL_KEYS } from "~/domain/policy";
import type { MessageKey } from "~/i18n";
import { useT } from "~/i18n/useT";
import { rolesWithEntities } from "~/server/accounts-view.server";
import { requireUser } from "~/server/auth/session.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Area personale") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return {
    name: user.fullName,
    roles: await rolesWithEntities(user.id),
    admin: user.principal.grants.some((g) => g.role === "admin"),
  };
}

export default function PersonalArea() {
  const t = useT();
  const { name, roles, admin } = useLoaderData<typeof loader>();
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("personal.title")}</h1>
        <p className="lead">{t("personal.welcome", { name })}</p>
        <h2 className="h4">{t("personal.roles")}</h2>
        <ul>
          {roles.map((r) => (
            <li key={`${r.role}-${r.entity ?? ""}`}>
              {t(ROLE_LABEL_KEYS[r.role] as MessageKey)}
              {r.entity ? ` - ${r.entity}` : ""}
            </li>
          ))}
        </ul>
        <h2 className="h4 mt-4">{t("personal.next")}</h2>
        <ul>
          <li>
            <Link to="/area-personale/sicurezza">{t("account.link")}</Link>
          </li>
          {admin ? (
            <>
              <li>
                <Link to="/amministrazione/utenti">{t("admin.people.link")}</Link>
              </li>
              <li>
                <Link to="/amministrazione/integrazioni">{t("integrations.title")}</Link>
              </li>
            </>
          ) : null}
          <li>
            <Link to="/pratiche">{t("filing.personal.pratiche")}</Link>
          </li>
          <li>
            <Link to="/imprese">{t("filing.personal.profile")}</Link>
          </li>
          <li>
            <Link to="/verifica">{t("filing.personal.verify")}</Link>
          </li>
          <li>
            <Link to="/cosa-devo-presentare">{t("home.cta.finder")}</Link>
          </li>
          <li>
            <Link to="/catalogo">{t("home.cta.catalogue")}</Link>
          </li>
        </ul>
      </div>
    </div>
  );
}
