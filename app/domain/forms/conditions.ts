import type { Answers, Condition } from "./types";

/** The raw answer as a trimmed string ("" when missing); multi-value answers are joined for `equals`. */
export function rawAnswer(answers: Answers, field: string): string | string[] {
  const v = answers[field];
  if (Array.isArray(v)) return v.map((x) => x.trim()).filter((x) => x !== "");
  return (v ?? "").trim();
}

function isFilled(v: string | string[]): boolean {
  return Array.isArray(v) ? v.length > 0 : v !== "";
}

/** Evaluate a condition against the raw answers. A multi-value answer matches when it contains the value. */
export function evaluateCondition(condition: Condition, answers: Answers): boolean {
  const v = rawAnswer(answers, condition.field);
  const has = (x: string) => (Array.isArray(v) ? v.includes(x) : v === x);
  if (condition.equals !== undefined) return has(condition.equals);
  if (condition.notEquals !== undefined) return !has(condition.notEquals);
  if (condition.in !== undefined) return condition.in.some(has);
  if (condition.filled !== undefined) return isFilled(v) === condition.filled;
  return false;
}

export function conditionHolds(condition: Condition | undefined, answers: Answers): boolean {
  return condition === undefined || evaluateCondition(condition, answers);
}
