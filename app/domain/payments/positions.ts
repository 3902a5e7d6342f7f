/**
 * Fees -> pagoPA debt positions (pure). Each creditor entity the catalogue's fees name for the pratica gets
 * one debt position (IUPD) with one payment option (IUV, amount, due date) and one transfer per fee line
 * (at most five, as GPD allows: further lines are merged into the fifth).
 *
 * Today the catalogue's fees are the Comune's diritti di istruttoria per usecase; the imposta di bollo is
 * paid through @e.bollo, not through a GPD transfer, so it is not part of a position (see ADR 0011).
 */

export interface Creditor {
  /** entity code in the catalogue (the Comune's ISTAT code) */
  entityCode: string;
  name: string;
  /** codice fiscale of the ente creditore (11 digits) */
  fiscalCode: string;
  /** codice di segregazione assigned by PagoPA S.p.A. (2 digits) */
  segregationCode: string;
  /** the treasury account transfers are credited to */
  iban: string;
}

export interface FeeInput {
  municipality: string;
  lines: { usecase: string; title: string; dirittiCents: number }[];
}

export interface PlannedTransfer {
  idTransfer: "1" | "2" | "3" | "4" | "5";
  amountCents: number;
  fiscalCode: string;
  iban: string;
  remittance: string;
}

export interface PlannedPosition {
  creditor: Creditor;
  amountCents: number;
  description: string;
  transfers: PlannedTransfer[];
}

const MAX_TRANSFERS = 5;

export function truncate(text: string, max = 140): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The positions to create for a pratica; [] when nothing is due or the Comune has no pagoPA creditor. */
export function plannedPositions(
  fees: FeeInput,
  creditorFor: (entityCode: string) => Creditor | undefined,
  reference: string,
): PlannedPosition[] {
  const creditor = creditorFor(fees.municipality);
  if (!creditor) return [];
  const lines = fees.lines.filter((l) => l.dirittiCents > 0);
  if (lines.length === 0) return [];
  const transfers: PlannedTransfer[] = [];
  lines.forEach((l, i) => {
    const remittance = truncate(`Diritti di istruttoria ${l.title} - ${reference}`);
    if (i < MAX_TRANSFERS) {
      transfers.push({
        idTransfer: String(i + 1) as PlannedTransfer["idTransfer"],
        amountCents: l.dirittiCents,
        fiscalCode: creditor.fiscalCode,
        iban: creditor.iban,
        remittance,
      });
    } else {
      const last = transfers[MAX_TRANSFERS - 1]!;
      last.amountCents += l.dirittiCents;
      last.remittance = truncate(
        `Diritti di istruttoria (${lines.length - MAX_TRANSFERS + 1} procedimenti) - ${reference}`,
      );
    }
  });
  const amountCents = transfers.reduce((s, t) => s + t.amountCents, 0);
  return [
    {
      creditor,
      amountCents,
      description: truncate(`Diritti di istruttoria SUAP - ${reference}`),
      transfers,
    },
  ];
}

/** IUPD: the creditor's identifier of the debt position, unique per creditor (GPD: free text). */
export function iupdFor(creditorFiscalCode: string, praticaId: string, attempt: number): string {
  return `SUAP-${creditorFiscalCode}-${praticaId.replace(/-/g, "").slice(0, 20)}-${attempt}`;
}

export type PaymentTiming = { kind: "before" } | { kind: "after"; days: number };

/** Whether the fees still block submission: every position must be paid first (the default timing). */
export function blocksSubmission(
  timing: PaymentTiming,
  positions: readonly { status: string }[],
  planned: number,
): boolean {
  if (timing.kind === "after") return false;
  if (planned === 0) return false;
  // Failed creations and cancelled positions are history: a new position replaces them.
  const live = positions.filter((p) => p.status !== "cancelled" && p.status !== "failed");
  return live.length < planned || live.some((p) => p.status !== "paid");
}
