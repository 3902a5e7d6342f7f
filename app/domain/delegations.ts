/**
 * Delegations (procura speciale): an organisation acts for a business within a scope (every procedure, or a
 * list of proceeding codes) and validity dates, until revoked. Pure rules used by the permission policy.
 */
export interface DelegationGrant {
  id: string;
  organisationId: number;
  businessId: string;
  /** null: every procedure */
  scope: string[] | null;
  validFrom: string;
  validTo: string;
  /** ISO date of revocation, if revoked */
  revokedOn: string | null;
  /** The instant of revocation (ISO 8601), if revoked and known: what was filed after it is out of sight. */
  revokedAt?: string | null;
}

/** The last day the delegation has effect: its end date, or the day before a revocation. */
export function lastEffectiveDay(d: DelegationGrant): string {
  if (!d.revokedOn) return d.validTo;
  const dayBefore = new Date(`${d.revokedOn}T00:00:00Z`);
  dayBefore.setUTCDate(dayBefore.getUTCDate() - 1);
  const before = dayBefore.toISOString().slice(0, 10);
  // ISO dates compare as strings.
  return before.localeCompare(d.validTo) < 0 ? before : d.validTo;
}

export function isInForce(d: DelegationGrant, today: string): boolean {
  return d.validFrom <= today && today <= lastEffectiveDay(d) && !(d.revokedOn && d.revokedOn <= today);
}

export function coversProceedings(d: DelegationGrant, proceedings: readonly string[]): boolean {
  if (d.scope === null) return true;
  return proceedings.length > 0 && proceedings.every((p) => d.scope!.includes(p));
}

/** A valid delegation lets the organisation file now, for these proceedings. */
export function mayFileFor(
  delegations: readonly DelegationGrant[],
  organisationId: number,
  businessId: string,
  proceedings: readonly string[],
  today: string,
): DelegationGrant | null {
  return (
    delegations.find(
      (d) =>
        d.organisationId === organisationId &&
        d.businessId === businessId &&
        isInForce(d, today) &&
        coversProceedings(d, proceedings),
    ) ?? null
  );
}

/**
 * Whether the organisation may see a pratica of the business filed on `filedOn`: only pratiche filed while a
 * delegation covering them was in force (nothing filed after it ended). Pratiche the organisation filed itself
 * are visible regardless (the policy checks that separately).
 */
export function coversPratica(
  delegations: readonly DelegationGrant[],
  organisationId: number,
  businessId: string,
  proceedings: readonly string[],
  filedOn: string | null,
  today: string,
  filedAt: string | null = null,
): boolean {
  return delegations.some(
    (d) =>
      d.organisationId === organisationId &&
      d.businessId === businessId &&
      coversProceedings(d, proceedings) &&
      // A draft (not filed yet) is visible only while a delegation is in force.
      (filedOn === null
        ? isInForce(d, today)
        : d.validFrom <= filedOn && filedOn <= d.validTo && filedBeforeRevocation(d, filedOn, filedAt)),
  );
}

/**
 * Revocation is an instant: with both instants known, only what was filed before it stays in sight (a pratica
 * filed later the same day does not). With dates alone, the day of the revocation still counts.
 */
function filedBeforeRevocation(d: DelegationGrant, filedOn: string, filedAt: string | null): boolean {
  if (!d.revokedOn) return true;
  if (d.revokedAt && filedAt) return Date.parse(filedAt) < Date.parse(d.revokedAt);
  return filedOn <= d.revokedOn;
}
