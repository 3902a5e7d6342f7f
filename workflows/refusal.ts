import type { EventType } from "./events";
import type { GuardName } from "./shared";

/**
 * What a step refused, as codes: app/i18n/modules/words.ts turns it into a sentence in the user's language.
 * A module of its own so that the words can name it without importing the workflow registry (no cycle).
 */
export interface Refusal {
  event: EventType;
  guard?: GuardName;
  status?: string;
}
