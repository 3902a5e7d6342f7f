import type { Effect } from "../../../../workflows/effects";
import type { EffectContext } from "../types.server";
import { executeDeadlines } from "./deadline.server";
import { executeDocuments } from "./document.server";
import { executeExternal } from "./external.server";
import { executeNotify } from "./notify.server";
import { executeProtocol } from "./protocol.server";

/**
 * Runs a step's effects, one executor per kind, in the order their dependencies need: protocol entries
 * first (documents are registered under them), then documents (mail attaches them), mail, external calls,
 * deadlines. All inside the pratica's transaction; nothing here calls another system.
 */
export async function runEffects(ctx: EffectContext, effects: Effect[], opts: { final: boolean }) {
  await executeProtocol(ctx, effects);
  await executeDocuments(ctx, effects);
  await executeNotify(ctx, effects);
  await executeExternal(ctx, effects);
  await executeDeadlines(ctx, effects, opts.final);
}
