import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { romeDate } from "~/domain/dates";
import { fmtDate } from "~/components/desk/ui";
import { CsrfInput, ErrorSummary, type FieldError, fieldError, TextField } from "~/components/forms";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { businessesByIds } from "~/server/accounts-view.server";
import { requireUser } from "~/server/auth/session.server";
import { currentCatalogue } from "~/server/catalogue/repository.server";
import {
  DelegationError,
  delegationsOfBusinesses,
  grantDelegation,
  organisations,
} from "~/server/delegations/delegations.server";
import { parseUpload, uploadLimits } from "~/server/filing/uploads.server";
import { db, runtime } from "~/server/runtime.server";
import { fileStore } from "~/server/services.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Deleghe") }];

const romeToday = () => romeDate();

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const businessIds = user.principal.businessIds;
  const [delegations, orgs, businesses, { catalogue }] = await Promise.all([
    delegationsOfBusinesses(db(), businessIds),
    organisations(db()),
    businessesByIds(businessIds),
    currentCatalogue(db()),
  ]);
  return {
    today: romeToday(),
    delegations,
    organisations: orgs,
    businesses,
    proceedings: catalogue.proceedings.map((p) => ({ code: p.code, title: p.title })),
    maxMb: runtime.env.UPLOAD_MAX_FILE_MB,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const limits = uploadLimits(runtime.env);
  const parsed = await parseUpload(request, limits);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  if (!parsed.ok) {
    return Response.json(
      { errors: [{ field: "file", message: parsed.message[locale] }] },
      { status: parsed.status },
    );
  }
  const form = parsed.form;
  const scopeMode = String(form.get("scopeMode") ?? "all");
  const scope = scopeMode === "some" ? form.getAll("proceedings").map(String) : null;
  try {
    const granted = await grantDelegation(
      db(),
      fileStore(),
      { userId: user.id, businessIds: user.principal.businessIds },
      {
        businessId: String(form.get("businessId") ?? ""),
        organisationCode: String(form.get("organisation") ?? ""),
        scope,
        validFrom: String(form.get("validFrom") ?? "").trim(),
        validTo: String(form.get("validTo") ?? "").trim(),
        procura: parsed.file
          ? { filename: parsed.file.name, bytes: new Uint8Array(await parsed.file.arrayBuffer()) }
          : { filename: "", bytes: new Uint8Array() },
        maxBytes: limits.maxFileBytes,
      },
      romeToday(),
    );
    return redirect(`/deleghe?concessa=${encodeURIComponent(granted.organisation)}`);
  } catch (error) {
    if (error instanceof DelegationError) {
      const field = error.field === "procura" ? "file" : error.field;
      const message = locale === "it" ? error.messageIt : error.messageEn;
      return Response.json(
        { errors: [{ field, message: message || t("errors.summaryOne") }] },
        { status: 400 },
      );
    }
    throw error;
  }
}

function statusOf(d: { valid_from: string; valid_to: string; revoked_at: string | null }, today: string) {
  if (d.revoked_at) return "revoked" as const;
  if (today < d.valid_from) return "future" as const;
  if (today > d.valid_to) return "expired" as const;
  return "active" as const;
}

export default function Delegations() {
  const t = useT();
  const locale = useLocale();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ errors: FieldError[] }>();
  const [params] = useSearchParams();
  const granted = params.get("concessa");
  const revoked = params.get("revocata");
  const titleOf = (code: string) => data.proceedings.find((p) => p.code === code)?.title[locale] ?? code;
  return (
    <div className="row">
      <div className="col-lg-10">
        <h1>{t("deleghe.title")}</h1>
        <p className="lead">{t("deleghe.lead")}</p>
        {granted ? (
          <div className="alert alert-success" role="status">
            {t("deleghe.granted", { organisation: granted })}
          </div>
        ) : null}
        {revoked ? (
          <div className="alert alert-success" role="status">
            {t("deleghe.revoked")}
          </div>
        ) : null}
        {data.delegations.length === 0 ? (
          <p>{t("deleghe.none")}</p>
        ) : (
          <div className="table-responsive">
            <table className="table">
              <caption>{t("deleghe.table.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("deleghe.col.business")}</th>
                  <th scope="col">{t("deleghe.col.organisation")}</th>
                  <th scope="col">{t("deleghe.col.scope")}</th>
                  <th scope="col">{t("deleghe.col.validity")}</th>
                  <th scope="col">{t("deleghe.col.status")}</th>
                  <th scope="col">{t("deleghe.history")}</th>
                  <th scope="col">{t("deleghe.col.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {data.delegations.map((d) => {
                  const status = statusOf(d, data.today);
                  return (
                    <tr key={d.id}>
                      <td>{d.business_name}</td>
                      <td>{d.organisation_name}</td>
                      <td>{d.scope ? d.scope.map(titleOf).join("; ") : t("deleghe.scope.all")}</td>
                      <td>
                        {t("deleghe.validity", { from: fmtDate(d.valid_from), to: fmtDate(d.valid_to) })}
                      </td>
                      <td>
                        {status === "revoked"
                          ? t("deleghe.status.revoked", { date: fmtDate(d.revoked_at!) })
                          : t(`deleghe.status.${status}`)}
                      </td>
                      <td>
                        <ul className="list-unstyled mb-0 small">
                          {d.events.map((e) => (
                            <li key={e.seq}>
                              {t(`deleghe.event.${e.type}`)} {fmtDate(e.at)}
                            </li>
                          ))}
                        </ul>
                      </td>
                      <td>
                        {status !== "revoked" && status !== "expired" ? (
                          <Link
                            to={`/deleghe/${d.id}/revoca`}
                            aria-label={t("deleghe.revokeFor", { organisation: d.organisation_name })}
                          >
                            {t("deleghe.revoke")}
                          </Link>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}

        <h2 className="h3 mt-5">{t("deleghe.grant.title")}</h2>
        {data.businesses.length === 0 ? (
          <p>{t("deleghe.noBusiness")}</p>
        ) : (
          <>
            <ErrorSummary errors={result?.errors ?? []} />
            <Form method="post" encType="multipart/form-data" noValidate>
              <CsrfInput />
              <div className="form-group mb-4">
                <label htmlFor="businessId" className="active">
                  {t("deleghe.grant.business")}
                </label>
                <select id="businessId" name="businessId" className="form-select">
                  {data.businesses.map((b) => (
                    <option key={b.id} value={b.id}>
                      {b.name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="form-group mb-4">
                <label htmlFor="organisation" className="active">
                  {t("deleghe.grant.organisation")}
                </label>
                {fieldError(result?.errors, "organisation") ? (
                  <div id="organisation-error" className="text-danger">
                    {fieldError(result?.errors, "organisation")}
                  </div>
                ) : null}
                <select id="organisation" name="organisation" className="form-select" defaultValue="">
                  <option value="">{t("deleghe.grant.choose")}</option>
                  {data.organisations.map((o) => (
                    <option key={o.code} value={o.code}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </div>
              <fieldset className="mb-4" id="scope">
                <legend className="h6">{t("deleghe.grant.scope")}</legend>
                {fieldError(result?.errors, "scope") ? (
                  <div className="text-danger">{fieldError(result?.errors, "scope")}</div>
                ) : null}
                <div className="form-check">
                  <input
                    className="form-check-input"
                    type="radio"
                    name="scopeMode"
                    id="scopeAll"
                    value="all"
                    defaultChecked
                  />
                  <label className="form-check-label" htmlFor="scopeAll">
                    {t("deleghe.grant.scopeAll")}
                  </label>
                </div>
                <div className="form-check">
                  <input
                    className="form-check-input"
                    type="radio"
                    name="scopeMode"
                    id="scopeSome"
                    value="some"
                  />
                  <label className="form-check-label" htmlFor="scopeSome">
                    {t("deleghe.grant.scopeSome")}
                  </label>
                </div>
                <details className="mt-2">
                  <summary>{t("deleghe.grant.proceedings")}</summary>
                  {data.proceedings.map((p) => (
                    <div className="form-check" key={p.code}>
                      <input
                        className="form-check-input"
                        type="checkbox"
                        name="proceedings"
                        id={`p-${p.code}`}
                        value={p.code}
                      />
                      <label className="form-check-label" htmlFor={`p-${p.code}`}>
                        {p.title[locale]}
                      </label>
                    </div>
                  ))}
                </details>
              </fieldset>
              <TextField
                name="validFrom"
                type="date"
                label={t("deleghe.grant.validFrom")}
                hint={t("deleghe.grant.dateHint")}
                defaultValue={data.today}
                error={fieldError(result?.errors, "validFrom")}
              />
              <TextField
                name="validTo"
                type="date"
                label={t("deleghe.grant.validTo")}
                hint={t("deleghe.grant.dateHint")}
                error={fieldError(result?.errors, "validTo")}
              />
              <div className="form-group mb-4">
                <label htmlFor="file" className="active">
                  {t("deleghe.grant.procura")}
                </label>
                <small id="file-hint" className="form-text d-block">
                  {t("deleghe.grant.procuraHint", { mb: data.maxMb })}
                </small>
                {fieldError(result?.errors, "file") ? (
                  <div id="file-error" className="text-danger">
                    {fieldError(result?.errors, "file")}
                  </div>
                ) : null}
                <input
                  id="file"
                  name="file"
                  type="file"
                  className="form-control"
                  accept=".pdf,.p7m,application/pdf,application/pkcs7-mime"
                  aria-describedby={fieldError(result?.errors, "file") ? "file-hint file-error" : "file-hint"}
                />
              </div>
              <button type="submit" className="btn btn-primary">
                {t("deleghe.grant.submit")}
              </button>
            </Form>
          </>
        )}
      </div>
    </div>
  );
}
