import { Form } from "@remix-run/react";
import { CsrfInput, ErrorSummary, type FieldError, fieldError, TextField } from "~/components/forms";
import { useT } from "~/i18n/useT";

/** The enrolment of the staff second factor: the secret shown once (QR code and text), confirmed by a first code. */
export function TotpEnrolment(props: {
  secret: string;
  qrSvg: string;
  errors: FieldError[];
  action?: string;
}) {
  const t = useT();
  const grouped = props.secret.match(/.{1,4}/g)?.join(" ") ?? props.secret;
  return (
    <>
      <p>{t("totp.enrol.lead")}</p>
      <ErrorSummary errors={props.errors} />
      <ol>
        <li>
          {t("totp.enrol.step1")}
          <div
            className="my-3 suap-totp-qr"
            role="img"
            aria-label={t("totp.enrol.qrLabel")}
            style={{ width: 200, height: 200 }}
            // biome-ignore lint/security/noDangerouslySetInnerHtml: an SVG the server drew from our own secret
            dangerouslySetInnerHTML={{ __html: props.qrSvg }}
          />
        </li>
        <li>
          {t("totp.enrol.step2")}{" "}
          <code className="fs-5" data-testid="totp-secret">
            {grouped}
          </code>
        </li>
        <li>{t("totp.enrol.step3")}</li>
      </ol>
      <Form method="post" action={props.action} noValidate>
        <CsrfInput />
        <input type="hidden" name="intent" value="enrol" />
        <TextField
          name="code"
          label={t("totp.code.label")}
          hint={t("totp.code.hintEnrol")}
          autoComplete="one-time-code"
          error={fieldError(props.errors, "code")}
        />
        <button type="submit" className="btn btn-primary">
          {t("totp.enrol.submit")}
        </button>
      </Form>
    </>
  );
}

/** The recovery codes, shown once after the enrolment. */
export function RecoveryCodes(props: { codes: string[]; next: string }) {
  const t = useT();
  return (
    <section aria-labelledby="recovery-heading">
      <h2 id="recovery-heading" className="h3">
        {t("totp.recovery.heading")}
      </h2>
      <p className="alert alert-warning">{t("totp.recovery.lead")}</p>
      <ul className="list-unstyled font-monospace fs-5" data-testid="recovery-codes">
        {props.codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <a className="btn btn-primary" href={props.next}>
        {t("totp.recovery.continue")}
      </a>
    </section>
  );
}
