import { refusalText, type Words } from "~/i18n/modules/words";
import type { EngineError } from "../engine/engine.server";

/**
 * The sentence, in Italian and English, for an act the engine refused. A workflow refusal comes as codes (the
 * event and the guard or state) and is worded by the i18n module; the engine's own refusals (role, visibility)
 * carry both languages already.
 */
export function refusalWords(error: Pick<EngineError, "refusal" | "messageIt" | "message">): Words {
  if (error.refusal) {
    return { it: refusalText("it", error.refusal), en: refusalText("en", error.refusal) };
  }
  return { it: error.messageIt, en: error.message };
}
