import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useLocale, useT } from "~/i18n/useT";
import type { SealStatus } from "~/server/integrations/seal/report.server";
import { formatDocumentDate } from "~/server/documents/pdf.server";
import { verifyDocument } from "~/server/filing/queries.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";
import { documentSeal } from "~/server/integrations/seal/report.server";
import { fileStore } from "~/server/services.server";

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Verifica di un documento") },
];

/** Public: anyone holding a printed document checks it here. Unknown code: a 404 page in Italian. */
export async function loader({ params }: LoaderFunctionArgs) {
  const doc = await verifyDocument(db(), params.code ?? "");
  if (!doc) return Response.json({ found: false as const, code: params.code ?? "" }, { status: 404 });
  const seal = await documentSeal(db(), fileStore(), doc.code);
  return {
    found: true as const,
    code: doc.code,
    doc: { ...doc, date: formatDocumentDate(doc.createdAt) },
    seal,
  };
}

function SealSection({ seal }: { seal: SealStatus }) {
  const t = useT();
  const locale = useLocale();
  const when = (iso: string) =>
    new Intl.DateTimeFormat(locale === "it" ? "it-IT" : "en-GB", {
      dateStyle: "long",
      timeStyle: "medium",
      timeZone: "Europe/Rome",
    }).format(new Date(iso));
  const tone = {
    valid: "alert-success",
    invalid: "alert-danger",
    indeterminate: "alert-warning",
    none: "alert-info",
    pending: "alert-info",
  };
  return (
    <section aria-labelledby="seal-title" className="mt-4" data-testid="seal">
      <h2 id="seal-title" className="h4">
        {t("signature.seal.title")}
      </h2>
      <p className={`alert ${tone[seal.status]}`} data-testid="seal-status" data-status={seal.status}>
        {t(`signature.seal.${seal.status}`)}
      </p>
      {seal.completion && seal.status !== "pending" ? (
        <p className="alert alert-info" data-testid="seal-completion" data-completion={seal.completion}>
          {t(`signature.seal.completion.${seal.completion}`)}
        </p>
      ) : null}
      {seal.status !== "none" ? (
        <dl className="row">
          <dt className="col-sm-4">{t("signature.seal.holder")}</dt>
          <dd className="col-sm-8">{seal.holder ?? "-"}</dd>
          <dt className="col-sm-4">{t("signature.issuer")}</dt>
          <dd className="col-sm-8">{seal.issuer ?? "-"}</dd>
          <dt className="col-sm-4">{t("signature.seal.qualified")}</dt>
          <dd className="col-sm-8" data-testid="seal-qualified">
            {seal.qualified ? t("signature.yes") : t("signature.seal.notQualified")}
          </dd>
          {seal.sealedAt ? (
            <>
              <dt className="col-sm-4">{t("signature.seal.sealedAt")}</dt>
              <dd className="col-sm-8">{when(seal.sealedAt)}</dd>
            </>
          ) : null}
          <dt className="col-sm-4">{t("signature.seal.timestamp")}</dt>
          <dd className="col-sm-8">{seal.timestamped ? t("signature.yes") : t("signature.no")}</dd>
        </dl>
      ) : null}
      <p className="small">{t("signature.seal.howTo")}</p>
    </section>
  );
}

export default function VerifyResult() {
  const t = useT();
  const v = useLoaderData<typeof loader>();
  if (!v.found) {
    return (
      <div className="row">
        <div className="col-lg-8">
          <h1>{t("filing.verify.title")}</h1>
          <p className="alert alert-warning">{t("filing.verify.notFound", { code: v.code })}</p>
          <Link to="/verifica">{t("filing.verify.title")}</Link>
        </div>
      </div>
    );
  }
  const d = v.doc;
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("filing.verify.found")}</h1>
        <dl className="row">
          <dt className="col-sm-4">{t("filing.verify.code")}</dt>
          <dd className="col-sm-8">{d.code}</dd>
          <dt className="col-sm-4">{t("filing.verify.kind")}</dt>
          <dd className="col-sm-8">{d.title}</dd>
          <dt className="col-sm-4">{t("filing.verify.issuer")}</dt>
          <dd className="col-sm-8">{d.issuer}</dd>
          <dt className="col-sm-4">{t("filing.verify.date")}</dt>
          <dd className="col-sm-8">{d.date}</dd>
          {d.protocol ? (
            <>
              <dt className="col-sm-4">{t("filing.verify.protocol")}</dt>
              <dd className="col-sm-8">{d.protocol}</dd>
            </>
          ) : null}
          <dt className="col-sm-4">{t("filing.verify.hash")}</dt>
          <dd className="col-sm-8">
            <code className="text-break" data-testid="sha256">
              {d.sha256}
            </code>
          </dd>
          {d.issuedSha256 ? (
            <>
              <dt className="col-sm-4">{t("signature.seal.issuedSha256")}</dt>
              <dd className="col-sm-8">
                <code className="text-break" data-testid="issued-sha256">
                  {d.issuedSha256}
                </code>
              </dd>
            </>
          ) : null}
        </dl>
        <p>{t("filing.verify.hashHint")}</p>
        {v.seal ? <SealSection seal={v.seal} /> : null}
      </div>
    </div>
  );
}
