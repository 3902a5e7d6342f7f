import type { FieldError } from "~/domain/forms/types";
import type { Locale } from "~/i18n";

/**
 * The answer of a form action that refused its input: 400 with each error in the reader's language (the
 * error summary and the fields show them) and the answers to show again (null: the loader's).
 */
export function formErrorResponse(
  locale: Locale,
  errors: readonly FieldError[],
  answers: unknown = null,
  status = 400,
): Response {
  return Response.json(
    { errors: errors.map((e) => ({ field: e.field, message: e.message[locale] })), answers },
    { status },
  );
}
