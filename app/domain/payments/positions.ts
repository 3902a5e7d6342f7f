/**
 * Fees -> pagoPA debt positions (pure). Each creditor entity the catalogue's fees name for the pratica gets
 * one debt position (IUPD) with one payment option (IUV, amount, due date) and one transfer per fee line
 * (at most five, as GPD allows: further lines are merged into the last diritti transfer):
 *  - the Comune: its diritti di istruttoria per usecase and, where the Comune enables @e.bollo, the imposta di
 *    bollo on the application as a transfer with a `stamp` (GPD Stamp: hashDocument, stampType,
 *    provincialResidence; no IBAN: mutually exclusive with the stamp);
 *  - each agency with its own diritti (catalogue `fees.agencyDiritti`): a position of the agency as creditor,
 *    under its own fiscal code (ADR 0017).
 */

export interface Creditor {
  /** entity code in the catalogue (the Comune's ISTAT code, or an agency's code) */
  entityCode: string;
  name: string;
  /** codice fiscale of the ente creditore (11 digits) */
  fiscalCode: string;
  /** codice di segregazione assigned by PagoPA S.p.A. (2 digits) */
  segregationCode: string;
  /** the treasury account transfers are credited to */
  iban: string;
  /** the Comune collects the imposta di bollo through @e.bollo (marca da bollo digitale) */
  ebollo?: boolean;
}

export interface FeeInput {
  municipality: string;
  lines: { usecase: string; title: string; dirittiCents: number }[];
  /** Agencies' diritti: the agency entity (resolved for the Comune) is the creditor. */
  agencyLines?: { usecase: string; title: string; agency: string; agencyName: string; cents: number }[];
  /** Imposta di bollo on the application, paid through @e.bollo where the Comune enables it. */
  bollo?: { cents: number; hashDocument: string; provincialResidence: string } | null;
}

export interface StampPlan {
  /** base64 of the SHA-256 of the document the stamp is for (GPD: stBase64Binary72) */
  hashDocument: string;
  /** "01": the imposta di bollo of EUR 16.00 (marca da bollo digitale) */
  stampType: string;
  /** sigla of the province of residence, two capital letters */
  provincialResidence: string;
}

export interface PlannedTransfer {
  idTransfer: "1" | "2" | "3" | "4" | "5";
  amountCents: number;
  fiscalCode: string;
  /** absent with a stamp (GPD: iban and stamp are mutually exclusive) */
  iban?: string;
  remittance: string;
  stamp?: StampPlan;
  /** "diritti" or "bollo": which fee the transfer pays */
  fee?: "diritti" | "bollo";
}

export interface PlannedPosition {
  creditor: Creditor;
  amountCents: number;
  description: string;
  transfers: PlannedTransfer[];
}

const MAX_TRANSFERS = 5;
/** The MBD stamp type of the imposta di bollo (EUR 16.00). */
export const STAMP_TYPE_BOLLO = "01";

export function truncate(text: string, max = 140): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

type Line = { title: string; cents: number };

function dirittiTransfers(lines: Line[], creditor: Creditor, reference: string, max: number) {
  const transfers: PlannedTransfer[] = [];
  lines.forEach((l, i) => {
    const remittance = truncate(`Diritti di istruttoria ${l.title} - ${reference}`);
    if (i < max) {
      transfers.push({
        idTransfer: String(i + 1) as PlannedTransfer["idTransfer"],
        amountCents: l.cents,
        fiscalCode: creditor.fiscalCode,
        iban: creditor.iban,
        remittance,
        fee: "diritti",
      });
    } else {
      const last = transfers[max - 1]!;
      last.amountCents += l.cents;
      last.remittance = truncate(
        `Diritti di istruttoria (${lines.length - max + 1} procedimenti) - ${reference}`,
      );
    }
  });
  return transfers;
}

/** The positions to create for a pratica; [] when nothing is due or no creditor has pagoPA configuration. */
export function plannedPositions(
  fees: FeeInput,
  creditorFor: (entityCode: string, name?: string) => Creditor | undefined,
  reference: string,
): PlannedPosition[] {
  const out: PlannedPosition[] = [];
  const creditor = creditorFor(fees.municipality);
  if (creditor) {
    const lines = fees.lines
      .filter((l) => l.dirittiCents > 0)
      .map((l) => ({ title: l.title, cents: l.dirittiCents }));
    const bollo = creditor.ebollo && fees.bollo && fees.bollo.cents > 0 ? fees.bollo : null;
    const transfers = dirittiTransfers(lines, creditor, reference, bollo ? MAX_TRANSFERS - 1 : MAX_TRANSFERS);
    if (bollo) {
      transfers.push({
        idTransfer: String(transfers.length + 1) as PlannedTransfer["idTransfer"],
        amountCents: bollo.cents,
        fiscalCode: creditor.fiscalCode,
        remittance: truncate(`Imposta di bollo sull'istanza - ${reference}`),
        stamp: {
          hashDocument: bollo.hashDocument,
          stampType: STAMP_TYPE_BOLLO,
          provincialResidence: bollo.provincialResidence,
        },
        fee: "bollo",
      });
    }
    if (transfers.length > 0) {
      out.push({
        creditor,
        amountCents: transfers.reduce((s, t) => s + t.amountCents, 0),
        description: truncate(
          bollo
            ? lines.length
              ? `Diritti di istruttoria e imposta di bollo SUAP - ${reference}`
              : `Imposta di bollo SUAP - ${reference}`
            : `Diritti di istruttoria SUAP - ${reference}`,
        ),
        transfers,
      });
    }
  }
  // One position per agency, in the order the catalogue names them.
  const agencies = new Map<string, { name: string; lines: Line[] }>();
  for (const l of fees.agencyLines ?? []) {
    if (l.cents <= 0) continue;
    const a = agencies.get(l.agency) ?? { name: l.agencyName, lines: [] };
    a.lines.push({ title: l.title, cents: l.cents });
    agencies.set(l.agency, a);
  }
  for (const [code, a] of agencies) {
    const agency = creditorFor(code, a.name);
    if (!agency) continue;
    const transfers = dirittiTransfers(a.lines, agency, reference, MAX_TRANSFERS);
    out.push({
      creditor: agency,
      amountCents: transfers.reduce((s, t) => s + t.amountCents, 0),
      description: truncate(`Diritti di istruttoria ${a.name} - ${reference}`),
      transfers,
    });
  }
  return out;
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

/** The stored timing of a pratica (its `fees.payment`); absent (older pratiche) is the default, before. */
export function storedTiming(fees: unknown): PaymentTiming {
  const p = (fees as { payment?: { timing?: string; days?: number } } | null)?.payment;
  return p?.timing === "after" && typeof p.days === "number" && p.days > 0
    ? { kind: "after", days: p.days }
    : { kind: "before" };
}
