import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import type { FieldError } from "~/components/forms";
import { RecoveryCodes, TotpEnrolment } from "~/components/SecondFactor";
import { pageTitle } from "~/components/title";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { totpQrSvg } from "~/server/auth/second-factor-view.server";
import { readForm, requireUser } from "~/server/auth/session.server";
import { beginEnrolment, confirmEnrolment, STAFF_ROLES } from "~/server/auth/totp.server";
import { db } from "~/server/runtime.server";

/** A staff member enrols the second factor from their account (STAFF_TOTP=optional, or after a reset). */
export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Attiva il secondo fattore") },
];

async function requireStaff(request: Request) {
  const user = await requireUser(request);
  if (!user.principal.grants.some((g) => STAFF_ROLES.has(g.role))) {
    throw new Response("Forbidden", { status: 403 });
  }
  return user;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireStaff(request);
  const secret = await beginEnrolment(db(), user.id, { keepPending: true });
  // Already on (also right after the confirmation, when this loader runs again under the recovery codes).
  if (!secret) return { secret: null, qrSvg: "" };
  return { secret, qrSvg: await totpQrSvg(secret, user.email) };
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const user = await requireStaff(request);
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const result = await confirmEnrolment(db(), user.id, String(form.get("code") ?? ""));
  if (result.ok) return { errors: [] as FieldError[], codes: result.recoveryCodes };
  if (result.reason === "not_started") throw redirect("/area-personale/sicurezza");
  const message =
    result.reason === "throttled"
      ? t("totp.error.throttled", { minutes: result.retryMinutes })
      : t("totp.error.invalidEnrol");
  return Response.json(
    { errors: [{ field: "code", message }], codes: null },
    { status: result.reason === "throttled" ? 429 : 400 },
  );
}

export default function EnrolSecondFactor() {
  const t = useT();
  const { secret, qrSvg } = useLoaderData<typeof loader>();
  const result = useActionData<{ errors: FieldError[]; codes: string[] | null }>();
  return (
    <div className="row">
      <div className="col-lg-8">
        {result?.codes ? (
          <>
            <h1>{t("totp.enrol.done")}</h1>
            <RecoveryCodes codes={result.codes} next="/area-personale/sicurezza?fatto=fattore" />
          </>
        ) : !secret ? (
          <>
            <h1>{t("totp.enrol.title")}</h1>
            <p>{t("account.factor.on", { left: "-" })}</p>
            <Link to="/area-personale/sicurezza">{t("account.title")}</Link>
          </>
        ) : (
          <>
            <h1>{t("totp.enrol.title")}</h1>
            <TotpEnrolment secret={secret} qrSvg={qrSvg} errors={result?.errors ?? []} />
          </>
        )}
      </div>
    </div>
  );
}
