import type { ReactNode } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/forms";
import { pageTitle } from "~/components/title";
import type { MessageKey } from "~/i18n";
import { useT } from "~/i18n/useT";
import { readForm } from "~/server/auth/session.server";
import { requireDeskStaff } from "~/server/desk/access.server";
import { dispatchResult } from "~/server/engine/engine.server";
import {
  attachToPratica,
  DEFAULT_DEV_PEC_ADDRESS,
  pecInboxView,
  registerAlone,
} from "~/server/integrations/pec/inbox.server";
import { pecStatus } from "~/server/jobs/pec.server";
import { db, runtime } from "~/server/runtime.server";
import { engineServices } from "~/server/services.server";

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Posta certificata - Scrivania") },
];

async function deskMailbox(deskId: number) {
  const desk = await db().selectFrom("entities").select(["pec"]).where("id", "=", deskId).executeTakeFirst();
  const address = runtime.env.PEC_ADDRESS ?? DEFAULT_DEV_PEC_ADDRESS;
  return { address, ours: desk?.pec?.toLowerCase() === address.toLowerCase() };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { deskId } = await requireDeskStaff(request);
  const mailbox = await deskMailbox(deskId);
  const view = mailbox.ours
    ? await pecInboxView(db(), deskId)
    : { waiting: [], refused: [], outgoing: [], handled: [] };
  const url = new URL(request.url);
  const done = url.searchParams.get("fatto");
  const label = url.searchParams.get("numero") ?? "";
  return {
    ...view,
    mailbox,
    status: {
      lastReadAt: pecStatus.lastReadAt ?? null,
      lastError: pecStatus.lastError ?? null,
      lastErrorAt: pecStatus.lastErrorAt ?? null,
    },
    done: done === "allegato" || done === "protocollato" || done === "inviato" ? done : null,
    label: /^[A-Za-z0-9/_-]{1,60}$/.test(label) ? label : "",
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const { user, deskId } = await requireDeskStaff(request);
  const mailbox = await deskMailbox(deskId);
  if (!mailbox.ours) throw new Response("Forbidden", { status: 403 });
  const messageId = String(form.get("message") ?? "");
  const services = engineServices(runtime.env);
  const deps = {
    files: services.files,
    publicUrl: services.publicUrl,
    protocolRegistry: services.protocolRegistry,
    dispatch: (trx: Parameters<typeof dispatchResult>[0], req: Parameters<typeof dispatchResult>[2]) =>
      dispatchResult(trx, services, req),
  };
  const result =
    form.get("intent") === "registra"
      ? await registerAlone(db(), deps, { messageId, deskId, userId: user.id })
      : await attachToPratica(db(), deps, {
          messageId,
          reference: String(form.get("riferimento") ?? ""),
          deskId,
          userId: user.id,
        });
  if (result.ok) {
    const done = "praticaId" in result ? "allegato" : result.queued ? "inviato" : "protocollato";
    return redirect(`/scrivania/posta?fatto=${done}&numero=${encodeURIComponent(result.label ?? "")}`);
  }
  return Response.json({ error: result.error, message: messageId }, { status: 422 });
}

const when = (iso: string) => iso.slice(0, 16).replace("T", " ");

export default function DeskPosta() {
  const t = useT();
  const v = useLoaderData<typeof loader>();
  const failed = useActionData<{ error: string; message: string }>();
  return (
    <div>
      <h1>{t("pec.title")}</h1>
      <p className="lead">{t("pec.lead")}</p>
      <nav aria-label={t("desk.nav.label")} className="mb-4">
        <ul className="list-inline">
          <li className="list-inline-item">
            <Link to="/scrivania">{t("desk.nav.worklist")}</Link>
          </li>
          <li className="list-inline-item">
            <Link to="/scrivania/posta" aria-current="page">
              {t("pec.nav")}
            </Link>
          </li>
        </ul>
      </nav>
      <p>{t("pec.mailbox", { address: v.mailbox.address })}</p>
      {!v.mailbox.ours ? <p className="alert alert-warning">{t("pec.mailbox.other")}</p> : null}
      {v.status.lastReadAt ? <p>{t("pec.mailbox.lastRead", { at: when(v.status.lastReadAt) })}</p> : null}
      {v.status.lastError ? (
        <p className="alert alert-danger" role="alert">
          {t("pec.mailbox.error", { at: when(v.status.lastErrorAt ?? ""), error: v.status.lastError })}
        </p>
      ) : null}
      {v.done ? (
        <p className="alert alert-success" role="status">
          {t(
            v.done === "allegato"
              ? "pec.done.attached"
              : v.done === "inviato"
                ? "pec.done.queued"
                : "pec.done.registered",
            { label: v.label },
          )}
        </p>
      ) : null}

      <h2>{t("pec.waiting.title")}</h2>
      {v.waiting.length === 0 ? (
        <p>{t("pec.waiting.empty")}</p>
      ) : (
        <ul className="list-unstyled">
          {v.waiting.map((m) => (
            <li key={m.id} className="card mb-3">
              <div className="card-body">
                <h3 className="h5">{m.subject || "-"}</h3>
                <p className="mb-1">
                  {t("pec.col.sender")}: {m.sender} · {t("pec.col.received")}: {when(m.receivedAt)}
                  {m.segnatura ? ` · ${t("pec.segnatura")}` : ""}
                </p>
                {m.excerpt ? <p className="text-muted">{m.excerpt}</p> : null}
                {failed?.message === m.id ? (
                  <p className="text-danger" role="alert" id={`err-${m.id}`}>
                    {t(`pec.error.${failed.error}` as MessageKey)}
                  </p>
                ) : null}
                <Form method="post" className="row g-2 align-items-end">
                  <CsrfInput />
                  <input type="hidden" name="message" value={m.id} />
                  <div className="col-md-6">
                    <label className="form-label" htmlFor={`rif-${m.id}`}>
                      {t("pec.attach.label")}
                    </label>
                    <input
                      id={`rif-${m.id}`}
                      name="riferimento"
                      className="form-control"
                      aria-describedby={failed?.message === m.id ? `err-${m.id}` : undefined}
                    />
                  </div>
                  <div className="col-md-6 d-flex gap-2">
                    <button type="submit" name="intent" value="allega" className="btn btn-primary">
                      {t("pec.attach.submit")}
                    </button>
                    <button type="submit" name="intent" value="registra" className="btn btn-outline-primary">
                      {t("pec.register.submit")}
                    </button>
                  </div>
                </Form>
              </div>
            </li>
          ))}
        </ul>
      )}

      <h2>{t("pec.outgoing.title")}</h2>
      <MailTable
        empty={t("pec.outgoing.empty")}
        columns={[
          t("pec.col.received"),
          t("pec.col.recipient"),
          t("pec.col.subject"),
          t("pec.col.pratica"),
          t("pec.col.state"),
        ]}
        rows={v.outgoing.map((m) => ({
          key: m.id,
          cells: [
            when(m.createdAt),
            m.recipient,
            m.subject,
            <PraticaLink key="pratica" id={m.praticaId} cui={m.cui} />,
            <span
              key="state"
              className={
                m.state === "not_delivered" || m.state === "not_accepted" ? "text-danger fw-bold" : undefined
              }
            >
              {t(`pec.state.${m.state}` as MessageKey)}
              {m.error ? ` (${m.error})` : ""}
            </span>,
          ],
        }))}
      />

      <h2>{t("pec.refused.title")}</h2>
      <p>{t("pec.refused.lead")}</p>
      <MailTable
        empty={t("pec.refused.empty")}
        columns={[t("pec.col.received"), t("pec.col.sender"), t("pec.col.subject"), t("pec.col.reason")]}
        rows={v.refused.map((m) => ({
          key: m.id,
          cells: [when(m.receivedAt), m.sender, m.subject, m.reason],
        }))}
      />

      <h2>{t("pec.handled.title")}</h2>
      <MailTable
        empty={t("pec.handled.empty")}
        columns={[
          t("pec.col.received"),
          t("pec.col.sender"),
          t("pec.col.subject"),
          t("pec.col.protocol"),
          t("pec.col.pratica"),
        ]}
        rows={v.handled.map((m) => ({
          key: m.id,
          cells: [
            when(m.receivedAt),
            m.sender,
            m.subject,
            m.protocol_label ?? t("pec.handled.pendingNumber"),
            <PraticaLink key="pratica" id={m.pratica_id} cui={m.cui} />,
          ],
        }))}
      />
    </div>
  );
}

/** One table of the page (outgoing, refused, handled): a sentence when empty, else the rows. */
function MailTable(props: { empty: string; columns: string[]; rows: { key: string; cells: ReactNode[] }[] }) {
  if (props.rows.length === 0) return <p>{props.empty}</p>;
  return (
    <div className="table-responsive">
      <table className="table">
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.key}>
              {r.cells.map((cell, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed per table
                <td key={i}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PraticaLink({ id, cui }: { id: string | null; cui: string | null }) {
  return id ? <Link to={`/scrivania/pratiche/${id}`}>{cui ?? id.slice(0, 8)}</Link> : null;
}
