import type { Effect } from "../../../../workflows/effects";
import type { EffectContext } from "../types.server";
import { executeDeadlines } from "./deadline.server";
import { executeDocuments } from "./document.server";
import { executeExternal } from "./external.server";
import { executeNotify } from "./notify.server";
import { executeProtocol } from "./protocol.server";
import { deferDocuments, deferred } from "./defer.server";

/**
 * Runs a step's effects, one executor per kind, in the order their dependencies need: protocol entries
 * first (documents are registered under them), then documents (mail attaches them), mail, external calls,
 * deadlines. All inside the pratica's transaction; nothing here calls another system.
 */
export async function runEffects(ctx: EffectContext, all: Effect[], opts: { final: boolean }) {
  // ADR 0032: the documents (and the mail carrying them) of a deferring step are queued, rendered after COMMIT.
  const later = deferred(ctx, all);
  const effects = later.length ? all.filter((e) => !later.includes(e)) : all;
  if (later.length) await deferDocuments(ctx, later);
  await executeProtocol(ctx, effects);
  await executeDocuments(ctx, effects);
  await executeNotify(ctx, effects);
  await executeExternal(ctx, effects);
  await executeDeadlines(ctx, effects, opts.final);
}
