import { sql, type Transaction } from "kysely";
import type { Effect } from "../../../workflows/effects";
import { eventActors, type StepResult, type WorkflowEvent } from "../../../workflows/index";
import type { Database, Pratica } from "../db/schema.server";
import { type EnqueueInput, enqueue } from "../mail/outbox.server";
import { eventHash, GENESIS_HASH } from "./audit.server";
import { effectContext, EngineError, type EngineServices, eventPayload, stepMachine } from "./engine.server";
import { notifyMessages, type Parties } from "./notify.server";
import type { StepView } from "./types.server";

/**
 * The deadline sweep's set-based step (issue 18, ADR 0033). A claimed batch of due deadlines, each with its
 * pratica locked by the claim, is stepped purely in memory (restore the snapshot, send the timer event, take
 * the new snapshot and its effects; the audit link hashed from the head the pratica's row keeps), then written
 * with a handful of statements for the whole batch: one insert of all audit entries, one update of all
 * pratiche (snapshot, derived columns, audit head), one upsert of the agencies they mirror, one update and one
 * insert of deadlines, one insert of all mail. Everything in the caller's transaction, which also marks the
 * deadlines fired: the batch commits whole or not at all.
 *
 * Only steps whose effects are mail and deadlines are written this way (what a term running out does: the
 * SCIA consolidating, silence as consent, a term expiring). A step that also registers a protocol entry,
 * issues a document or queues an external call is returned in `single`, for the engine's one-step path in the
 * same transaction (those effects number, render and hash one at a time anyway). A deadline its pratica no
 * longer accepts is `stale`; one whose step throws in memory (or is not an automatic act) is `failed`, written
 * nothing, and retried alone by the caller.
 */

export interface DueDeadline {
  id: number;
  pratica_id: string;
  name: string;
  due: string;
  event: string;
  payload: unknown;
}

export interface BatchOutcome {
  /** deadlines whose step was written here */
  fired: number[];
  /** deadlines the pratica no longer accepts (it moved on) */
  stale: number[];
  /** steps for the engine's one-step path (protocol entries, documents, external calls) */
  single: { deadline: DueDeadline; pratica: Pratica }[];
  /** steps that failed in memory: nothing written for them */
  failed: { deadline: DueDeadline; error: Error }[];
  /** statements this batch wrote with (the profile prints them per deadline) */
  statements: number;
}

/** The effects the set-based write executes; any other sends the step to the one-step path. */
const SET_BASED = new Set<Effect["type"]>([
  "notify",
  "deadline.set",
  "deadline.suspend",
  "deadline.resume",
  "deadline.cancel",
]);

/** Messages per insert into the outbox. */
const MAIL_CHUNK = 2000;

type Accepted = Extract<StepResult, { accepted: true }>;

interface Planned {
  deadline: DueDeadline;
  pratica: Pratica;
  event: WorkflowEvent;
  result: Accepted;
  workflow: string;
  seq: number;
  prevHash: string;
  hash: string;
  actorKind: string;
  payload: Record<string, unknown>;
  view: StepView;
  messages: EnqueueInput[];
}

/** The event a due deadline sends: its payload, its type, and the due date as the act's date. */
export function deadlineEvent(d: Pick<DueDeadline, "event" | "due" | "payload">): WorkflowEvent {
  return { ...(d.payload as Record<string, unknown>), type: d.event, at: d.due } as WorkflowEvent;
}

export async function fireBatch(
  trx: Transaction<Database>,
  services: EngineServices,
  claimed: { deadline: DueDeadline; pratica: Pratica }[],
): Promise<BatchOutcome> {
  const now = services.now?.() ?? new Date();
  const out: BatchOutcome = { fired: [], stale: [], single: [], failed: [], statements: 0 };

  // 1. Step every pratica in memory.
  const stepped: Omit<Planned, "seq" | "prevHash" | "hash" | "messages">[] = [];
  const seen = new Set<string>();
  for (const { deadline, pratica } of claimed) {
    if (seen.has(pratica.id)) throw new Error(`pratica ${pratica.id} twice in one batch`);
    seen.add(pratica.id);
    const event = deadlineEvent(deadline);
    try {
      if (!eventActors[event.type]?.includes("system")) {
        throw new EngineError("forbidden", "Atto non automatico.", `${event.type} is not a system event`);
      }
      const name = `deadline:${deadline.name}`;
      const { def, result } = stepMachine(pratica, {
        praticaId: pratica.id,
        event,
        actor: { kind: "system", name },
        locked: pratica,
      });
      const accepted = result as Accepted;
      if (!setBased(accepted.effects)) {
        out.single.push({ deadline, pratica });
        continue;
      }
      stepped.push({
        deadline,
        pratica,
        event,
        result: accepted,
        workflow: def.key,
        actorKind: `system:${name}`,
        payload: eventPayload(event),
        view: { status: accepted.status, suspended: accepted.suspended, dueDates: accepted.dueDates },
      });
    } catch (error) {
      if (error instanceof EngineError && error.code === "conflict") out.stale.push(deadline.id);
      else out.failed.push({ deadline, error: error as Error });
    }
  }
  if (!stepped.length) return out;

  // 2. Reads, all before the first write: the chains' tails a row does not know, the parties mail goes to.
  const unknown = stepped.filter((s) => s.pratica.audit_head === null && s.pratica.event_count > 0);
  const tails = new Map<string, { seq: number; hash: string }>();
  if (unknown.length) {
    const rows = await sql<{ pratica_id: string; seq: number; hash: string }>`
      select distinct on (pratica_id) pratica_id, seq, hash from events
       where pratica_id = any(${unknown.map((s) => s.pratica.id)}::uuid[])
       order by pratica_id, seq desc`.execute(trx);
    out.statements++;
    for (const r of rows.rows) tails.set(r.pratica_id, { seq: r.seq, hash: r.hash });
  }
  const parties = await readParties(trx, stepped, out);
  const at = now.toISOString();
  const planned: Planned[] = [];
  for (const s of stepped) {
    try {
      const last =
        s.pratica.audit_head !== null || s.pratica.event_count === 0
          ? s.pratica.event_count > 0
            ? { seq: s.pratica.event_count, hash: s.pratica.audit_head! }
            : undefined
          : tails.get(s.pratica.id);
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = eventHash(prevHash, {
        praticaId: s.pratica.id,
        seq,
        type: s.event.type,
        actorUserId: null,
        actorKind: s.actorKind,
        payload: s.payload,
        stateBefore: s.pratica.status,
        stateAfter: s.result.status,
        at,
      });
      const saved = savedRow(s.pratica, s.workflow, s.result, seq, hash, now);
      const messages: EnqueueInput[] = [];
      for (const effect of s.result.effects) {
        if (effect.type !== "notify") continue;
        const p = parties.get(partiesKey(s.pratica));
        if (!p) throw new Error(`business or filer of pratica ${s.pratica.id} not found`);
        messages.push(
          ...(await notifyMessages(trx, services, {
            pratica: saved,
            template: effect.template,
            to: effect.to,
            documents: [],
            result: s.view,
            event: s.event,
            seq,
            parties: p,
          })),
        );
      }
      planned.push({ ...s, seq, prevHash, hash, messages });
    } catch (error) {
      out.failed.push({ deadline: s.deadline, error: error as Error });
    }
  }
  if (!planned.length) return out;

  // 3. Writes: a few statements for the whole batch.
  await sql`
    insert into events (pratica_id, seq, type, actor_kind, payload, state_before, state_after, at, prev_hash, hash)
    select v.pratica_id::uuid, v.seq, v.type, v.actor_kind, v.payload::jsonb, v.state_before, v.state_after,
           ${at}::timestamptz, v.prev_hash, v.hash
      from unnest(${planned.map((p) => p.pratica.id)}::text[], ${planned.map((p) => p.seq)}::int4[],
                  ${planned.map((p) => p.event.type)}::text[], ${planned.map((p) => p.actorKind)}::text[],
                  ${planned.map((p) => JSON.stringify(p.payload))}::text[],
                  ${planned.map((p) => p.pratica.status)}::text[], ${planned.map((p) => p.result.status)}::text[],
                  ${planned.map((p) => p.prevHash)}::text[], ${planned.map((p) => p.hash)}::text[])
        as v(pratica_id, seq, type, actor_kind, payload, state_before, state_after, prev_hash, hash)`.execute(
    trx,
  );
  const updated = await sql`
    update pratiche p
       set workflow = v.workflow, snapshot = v.snapshot::jsonb, status = v.status, ssu_status = v.ssu_status,
           ended = v.ended::boolean, suspended = v.suspended::boolean, due_date = v.due_date::date,
           event_count = v.seq, audit_head = v.hash, updated_at = ${at}::timestamptz
      from unnest(${planned.map((p) => p.pratica.id)}::text[], ${planned.map((p) => p.workflow)}::text[],
                  ${planned.map((p) => JSON.stringify(p.result.snapshot))}::text[],
                  ${planned.map((p) => p.result.status)}::text[], ${planned.map((p) => p.result.ssu)}::text[],
                  ${planned.map((p) => String(p.result.ended || p.result.final))}::text[],
                  ${planned.map((p) => String(p.result.suspended))}::text[],
                  ${planned.map((p) => p.result.dueDates.final ?? null)}::text[],
                  ${planned.map((p) => p.seq)}::int4[], ${planned.map((p) => p.hash)}::text[])
        as v(id, workflow, snapshot, status, ssu_status, ended, suspended, due_date, seq, hash)
     where p.id = v.id::uuid`.execute(trx);
  out.statements += 2;
  if (Number(updated.numAffectedRows ?? planned.length) !== planned.length) {
    throw new Error(`batch update wrote ${updated.numAffectedRows} of ${planned.length} pratiche`);
  }
  out.statements += await writeAgencies(trx, planned);
  out.statements += await writeDeadlines(trx, planned, at);
  // The outbox insert binds a dozen parameters a message; chunks stay far below the protocol's 65,535.
  const messages = planned.flatMap((p) => p.messages);
  for (let i = 0; i < messages.length; i += MAIL_CHUNK) {
    await enqueue(trx, messages.slice(i, i + MAIL_CHUNK));
    out.statements++;
  }

  // 4. The per-step hooks (SSU exchange, Catalogo SSU), when configured: they decide per pratica what to queue.
  if (services.ssuCatalogue || services.afterStep) {
    for (const p of planned) {
      const saved = savedRow(p.pratica, p.workflow, p.result, p.seq, p.hash, now);
      if (services.ssuCatalogue)
        await services.ssuCatalogue.afterStep(trx, { before: p.pratica, after: saved, event: p.event, now });
      if (services.afterStep) {
        const ctx = await effectContext(trx, services, saved, p.event, p.seq, p.view, now);
        await services.afterStep(ctx, { status: p.pratica.status, ended: p.pratica.ended });
      }
    }
  }
  out.fired.push(...planned.map((p) => p.deadline.id));
  return out;
}

function setBased(effects: Effect[]) {
  if (!effects.every((e) => SET_BASED.has(e.type))) return false;
  // One operation per deadline name and step: the batch's update and insert of deadlines apply them in any order.
  const names = effects.flatMap((e) => ("name" in e && e.type.startsWith("deadline.") ? [e.name] : []));
  return new Set(names).size === names.length;
}

/** The pratica's row as the batch's update leaves it (what mail and the hooks read). */
function savedRow(
  pratica: Pratica,
  workflow: string,
  result: Accepted,
  seq: number,
  hash: string,
  now: Date,
): Pratica {
  return {
    ...pratica,
    workflow,
    // the persisted snapshot is plain JSON data already (what the update writes)
    snapshot: result.snapshot,
    status: result.status,
    ssu_status: result.ssu,
    ended: result.ended || result.final,
    suspended: result.suspended,
    due_date: result.dueDates.final ?? null,
    event_count: seq,
    audit_head: hash,
    updated_at: now,
  } as Pratica;
}

const partiesKey = (p: Pratica) => `${p.business_id}:${p.filer_user_id}`;

/** The business and filer of every pratica with mail to send, in one statement. */
async function readParties(
  trx: Transaction<Database>,
  stepped: { pratica: Pratica; result: Accepted }[],
  out: BatchOutcome,
) {
  const pairs = new Map<string, Pratica>();
  for (const s of stepped)
    if (s.result.effects.some((e) => e.type === "notify")) pairs.set(partiesKey(s.pratica), s.pratica);
  const found = new Map<string, Parties>();
  if (!pairs.size) return found;
  const list = [...pairs.values()];
  const rows = await sql<Parties & { business_id: string; user_id: string }>`
    select b.id as business_id, u.id as user_id, b.name, b.pec, u.email, u.locale
      from unnest(${list.map((p) => p.business_id)}::text[], ${list.map((p) => p.filer_user_id)}::text[])
        as v(business_id, user_id)
      join businesses b on b.id = v.business_id::uuid
      join users u on u.id = v.user_id::uuid`.execute(trx);
  out.statements++;
  for (const r of rows.rows) {
    found.set(`${r.business_id}:${r.user_id}`, {
      name: r.name,
      pec: r.pec,
      email: r.email,
      locale: r.locale,
    });
  }
  return found;
}

/** The agencies each pratica mirrors from its workflow (the agency inbox), one upsert for the batch. */
async function writeAgencies(trx: Transaction<Database>, planned: Planned[]) {
  const withAgencies = planned.filter((p) => Object.keys(p.result.snapshot.context.agencies).length);
  if (!withAgencies.length) return 0;
  const codes = [...new Set(withAgencies.flatMap((p) => Object.keys(p.result.snapshot.context.agencies)))];
  const entities = await trx
    .selectFrom("entities")
    .select(["id", "code"])
    .where("code", "in", codes)
    .execute();
  const rows: {
    pratica: string;
    agency: number;
    status: string;
    outcome: string | null;
    due: string | null;
  }[] = [];
  for (const p of withAgencies) {
    const agencies = p.result.snapshot.context.agencies;
    for (const e of entities) {
      const a = agencies[e.code];
      if (!a) continue;
      rows.push({
        pratica: p.pratica.id,
        agency: e.id,
        status: a.status,
        outcome: a.outcome ?? null,
        due: p.result.dueDates.agencies[e.code] ?? null,
      });
    }
  }
  if (!rows.length) return 1;
  await sql`
    insert into pratica_agencies (pratica_id, agency_id, status, outcome, due_date)
    select v.pratica_id::uuid, v.agency_id, v.status, v.outcome, v.due_date::date
      from unnest(${rows.map((r) => r.pratica)}::text[], ${rows.map((r) => r.agency)}::int4[],
                  ${rows.map((r) => r.status)}::text[], ${rows.map((r) => r.outcome)}::text[],
                  ${rows.map((r) => r.due)}::text[]) as v(pratica_id, agency_id, status, outcome, due_date)
    on conflict (pratica_id, agency_id) do update
       set status = excluded.status, outcome = excluded.outcome, due_date = excluded.due_date`.execute(trx);
  return 2;
}

/**
 * The deadline effects of the batch, as engine/effects/deadline.server.ts applies them one by one: a set
 * cancels the live deadline of its name and inserts the new one; suspend, resume and cancel change the live
 * one; a step that ends the procedure closes every deadline still live (the new ones included, as there).
 */
async function writeDeadlines(trx: Transaction<Database>, planned: Planned[], at: string) {
  const changes: {
    pratica: string;
    name: string;
    op: "cancel" | "suspend" | "resume";
    due: string | null;
  }[] = [];
  const inserts: { pratica: string; name: string; due: string; event: string | null; payload: string }[] = [];
  for (const p of planned) {
    for (const e of p.result.effects) {
      const pratica = p.pratica.id;
      if (e.type === "deadline.set") {
        changes.push({ pratica, name: e.name, op: "cancel", due: null });
        inserts.push({
          pratica,
          name: e.name,
          due: e.due,
          event: e.event,
          payload: JSON.stringify(e.payload ?? {}),
        });
      } else if (e.type === "deadline.cancel")
        changes.push({ pratica, name: e.name, op: "cancel", due: null });
      else if (e.type === "deadline.suspend")
        changes.push({ pratica, name: e.name, op: "suspend", due: null });
      else if (e.type === "deadline.resume")
        changes.push({ pratica, name: e.name, op: "resume", due: e.due });
    }
  }
  let statements = 0;
  if (changes.length) {
    await sql`
      update deadlines d
         set status = case v.op when 'suspend' then 'suspended' when 'resume' then 'active' else 'cancelled' end,
             due = case when v.op = 'resume' then v.due::date else d.due end,
             updated_at = ${at}::timestamptz
        from unnest(${changes.map((c) => c.pratica)}::text[], ${changes.map((c) => c.name)}::text[],
                    ${changes.map((c) => c.op)}::text[], ${changes.map((c) => c.due)}::text[]) as v(pratica_id, name, op, due)
       where d.pratica_id = v.pratica_id::uuid and d.name = v.name
         and (d.status = 'active' or (d.status = 'suspended' and v.op <> 'suspend'))`.execute(trx);
    statements++;
  }
  if (inserts.length) {
    await sql`
      insert into deadlines (pratica_id, name, due, event, payload)
      select v.pratica_id::uuid, v.name, v.due::date, v.event, v.payload::jsonb
        from unnest(${inserts.map((i) => i.pratica)}::text[], ${inserts.map((i) => i.name)}::text[],
                    ${inserts.map((i) => i.due)}::text[], ${inserts.map((i) => i.event)}::text[],
                    ${inserts.map((i) => i.payload)}::text[]) as v(pratica_id, name, due, event, payload)`.execute(
      trx,
    );
    statements++;
  }
  const finals = planned.filter((p) => p.result.final).map((p) => p.pratica.id);
  if (finals.length) {
    await sql`
      update deadlines set status = 'done', updated_at = ${at}::timestamptz
       where pratica_id = any(${finals}::uuid[]) and status in ('active', 'suspended')`.execute(trx);
    statements++;
  }
  return statements;
}
