import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { can } from "~/domain/policy";
import { useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n/useT";
import { outboxForDevMailbox } from "~/server/accounts-view.server";
import { requireUser } from "~/server/auth/session.server";
import { runtime } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Posta di sviluppo") }];

/**
 * Development mailbox: the outbox as a reader would see it. Never served in production; outside it, only
 * administrators read it unless DEV_MAILBOX=open (a local demo, the browser tests): a demo reachable by
 * others must not show everyone's mail.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  if (runtime.env.isProduction) throw new Response("Not found", { status: 404 });
  if (runtime.env.DEV_MAILBOX !== "open") {
    const user = await requireUser(request);
    if (!can(user.principal, { type: "admin.access" })) throw new Response("Forbidden", { status: 403 });
  }
  const rows = await outboxForDevMailbox();
  return {
    messages: rows.map((r) => ({
      id: String(r.id),
      to: r.recipient,
      subject: r.subject,
      body: r.body_text,
      status: r.status,
      at: new Date(r.created_at).toISOString(),
      attachments: (r.attachments as { filename: string }[]).map((a) => a.filename),
    })),
  };
}

export default function DevMailbox() {
  const t = useT();
  const { messages } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("mailbox.title")}</h1>
      <p className="lead">{t("mailbox.lead")}</p>
      {messages.length === 0 ? <p>{t("mailbox.empty")}</p> : null}
      {messages.map((m) => (
        <article key={m.id} className="card card-bg mb-3">
          <div className="card-body">
            <h2 className="h5 card-title">{m.subject}</h2>
            <dl className="row mb-2">
              <dt className="col-sm-2">{t("mailbox.to")}</dt>
              <dd className="col-sm-10">{m.to}</dd>
              <dt className="col-sm-2">{t("mailbox.status")}</dt>
              <dd className="col-sm-10">{m.status}</dd>
              <dt className="col-sm-2">{t("mailbox.date")}</dt>
              <dd className="col-sm-10">{m.at}</dd>
            </dl>
            <pre className="mb-0" style={{ whiteSpace: "pre-wrap" }}>
              {m.body}
            </pre>
            {m.attachments.length ? <p className="mt-2 mb-0">{m.attachments.join(", ")}</p> : null}
          </div>
        </article>
      ))}
    </>
  );
}
