import PgBoss from "pg-boss";
import type { DatabaseHandle } from "../db/db.server";
import type { Env } from "../env.server";
import { deliverDue } from "../mail/outbox.server";
import { type MailTransport, smtpTransport } from "../mail/transport.server";
import { sendDigests } from "../delegations/digest.server";
import { sweepDeadlines } from "../engine/deadlines.server";
import { integrationHandlers } from "../integrations/registry.server";
import { engineServices, fileStore } from "../services.server";
import { paymentConfig } from "../integrations/payment/config.server";
import { sweepPayments } from "../integrations/payment/sweep.server";
import { integrationRunner } from "./integrations.server";
import { onCallsQueued } from "./kick.server";
import { produceDailyRegisters } from "../protocol/daily-register.server";
import { pecOrNull, pecSender, readMailboxOnce } from "./pec.server";
import { compactDeskTalliesIfNeeded } from "../desk/tallies.server";

export type JobHandler = () => Promise<unknown>;

/**
 * Periodic jobs. pg-boss keeps the schedule in the database, so with several workers each tick runs once;
 * the jobs themselves are idempotent sweeps over committed rows (outbox, deadlines), so a tick that runs
 * late or twice loses and duplicates nothing.
 */
export const SWEEPS: Record<string, { cron: string; pollSeconds: number }> = {
  "outbox-deliver": { cron: "* * * * *", pollSeconds: 5 },
  "deadlines-sweep": { cron: "* * * * *", pollSeconds: 60 },
  // The queue of external calls (protocol registry, seal, pagoPA, SSU, PEC...): due calls, expired leases.
  "integrations-run": { cron: "* * * * *", pollSeconds: 10 },
  // pagoPA (issue 15): polling of unpaid notices through the queue, payment reminders.
  "payments-sweep": { cron: "*/5 * * * *", pollSeconds: 300 },
  // Daily at 07:00 (the job itself sends at most once per organisation and day).
  "organisation-digest": { cron: "0 7 * * *", pollSeconds: 3600 },
  // Hourly: the daily protocol register of every day up to yesterday not produced yet (once per desk and day).
  "protocol-daily-register": { cron: "15 * * * *", pollSeconds: 3600 },
  // PEC (issue 17): the SUAP's certified mailbox, receipts and incoming messages.
  "pec-read": { cron: "* * * * *", pollSeconds: 30 },
  // Issue 18: folds the desk counts' deltas back to one row per key once they pile up (ADR 0030).
  "desk-tallies-compact": { cron: "* * * * *", pollSeconds: 60 },
};

export interface Worker {
  boss: PgBoss;
  /** Runs one sweep now (the web process calls this after committing work that has mail to send). */
  kick(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(
  handle: DatabaseHandle,
  env: Env,
  extraHandlers: Record<string, JobHandler> = {},
): Promise<Worker> {
  const boss = new PgBoss(
    handle.kind === "postgres"
      ? { connectionString: env.DATABASE_URL, schema: "pgboss", max: 4 }
      : { db: { executeSql: (text, values) => handle.executeSql(text, values) }, schema: "pgboss" },
  );
  boss.on("error", (error) => console.error("[worker] pg-boss:", error.message));
  await boss.start();

  const transport: MailTransport | null = env.SMTP_URL ? smtpTransport(env.SMTP_URL) : null;
  const files = fileStore(env);
  const runIntegrations = integrationRunner(handle.db, {
    handlers: integrationHandlers(env),
    services: engineServices(env),
  });
  const pec = await pecOrNull(env, handle.db);
  const pecOptions = pec
    ? {
        pec: pecSender(handle.db, engineServices(env), pec),
        channels: transport ? undefined : (["pec"] as const),
      }
    : {};
  const handlers: Record<string, JobHandler> = {
    "outbox-deliver": async () =>
      transport || pec
        ? deliverDue(handle.db, transport, files, {
            from: env.MAIL_FROM,
            alertAfterHours: env.MAIL_ALERT_AFTER_HOURS,
            ...pecOptions,
          })
        : { skipped: "no SMTP_URL" },
    "pec-read": async () => {
      if (!pec) return { skipped: "no PEC" };
      const report = await readMailboxOnce(handle.db, engineServices(env), pec);
      if (report.receipts || report.protocolled || report.inbox || report.refused)
        console.log(`[worker] pec: ${JSON.stringify(report)}`);
      // Confirmations, exception notices and alerts go out at once.
      await deliverDue(handle.db, transport, files, { from: env.MAIL_FROM, ...pecOptions });
      return report;
    },
    "deadlines-sweep": async () => {
      const report = await sweepDeadlines(handle.db, engineServices(env), {
        concurrency: handle.kind === "postgres" ? 4 : 1,
        batch: env.DEADLINES_BATCH,
      });
      if (report.fired || report.failed) console.log(`[worker] scadenze: ${JSON.stringify(report)}`);
      // A fired deadline usually has mail to send.
      if (report.fired && transport)
        await deliverDue(handle.db, transport, files, {
          from: env.MAIL_FROM,
          alertAfterHours: env.MAIL_ALERT_AFTER_HOURS,
        });
      return report;
    },
    "integrations-run": async () => {
      const report = await runIntegrations();
      if (report.claimed) console.log(`[worker] integrazioni: ${JSON.stringify(report)}`);
      // A result usually has mail to send (the protocol number, an alert).
      if (report.claimed && transport) await deliverDue(handle.db, transport, files, { from: env.MAIL_FROM });
      return report;
    },
    "payments-sweep": async () => {
      const report = await sweepPayments(handle.db, paymentConfig(env), {
        publicUrl: engineServices(env).publicUrl,
      });
      if (report.polls || report.reminders) console.log(`[worker] pagamenti: ${JSON.stringify(report)}`);
      // The queued polls run at once (the integrations schedule is the guarantee).
      if (report.polls) await runOnce("integrations-run");
      return report;
    },
    "organisation-digest": () => sendDigests(handle.db, { publicUrl: engineServices(env).publicUrl }),
    "protocol-daily-register": async () => {
      const services = engineServices(env);
      const report = await produceDailyRegisters(handle.db, {
        files: services.files,
        sealer: services.sealer,
        publicUrl: services.publicUrl,
      });
      if (report.produced.length) {
        console.log(`[worker] registro giornaliero di protocollo: ${report.produced.length} giorni`);
        await runOnce("integrations-run");
      }
      return report;
    },
    "desk-tallies-compact": () => compactDeskTalliesIfNeeded(handle.db),
    ...extraHandlers,
  };

  const running = new Set<string>();
  const runOnce = async (name: string) => {
    // One sweep of a kind at a time in this process; other processes are kept apart by row locks.
    if (running.has(name)) return;
    running.add(name);
    try {
      await handlers[name]?.();
    } catch (error) {
      console.error(`[worker] ${name} failed:`, (error as Error).message);
    } finally {
      running.delete(name);
    }
  };

  for (const name of Object.keys(handlers)) {
    await boss.createQueue(name);
    await boss.schedule(name, SWEEPS[name]?.cron ?? "* * * * *");
    await boss.work(name, { pollingIntervalSeconds: 2 }, async () => {
      await runOnce(name);
    });
  }
  // The minute cron is the durable guarantee; a short local poll keeps mail prompt.
  const timers = Object.keys(handlers).map((name) =>
    setInterval(
      () => void runOnce(name),
      (name === "pec-read" ? env.PEC_POLL_SECONDS : (SWEEPS[name]?.pollSeconds ?? 30)) * 1000,
    ),
  );

  // A commit that queued external calls asks for a run at once (the schedule above is the guarantee).
  const unsubscribe = onCallsQueued(() => void runOnce("integrations-run"));

  return {
    boss,
    kick: runOnce,
    async stop() {
      unsubscribe();
      for (const t of timers) clearInterval(t);
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      if (transport && "close" in transport) (transport as { close(): void }).close();
    },
  };
}
