/**
 * The payment port. Its shapes are GPD's (pagoPA "Gestione Posizioni Debitorie", specs/pagopa/gpd.json) and
 * Checkout's (specs/pagopa/checkout_v1.json); the adapter speaks them over HTTP to pagoPA or to the
 * development double at /dev/pagopa, which implements the same operations.
 */

/** GPD PaymentPositionModel (request body of createPosition). */
export interface GpdPosition {
  iupd: string;
  type: "F" | "G";
  fiscalCode: string;
  fullName: string;
  companyName: string;
  officeName?: string;
  switchToExpired: boolean;
  payStandIn?: boolean;
  email?: string;
  paymentOption: GpdPaymentOption[];
}

export interface GpdPaymentOption {
  iuv: string;
  amount: number;
  description: string;
  isPartialPayment: boolean;
  dueDate: string;
  retentionDate?: string;
  fee?: number;
  transfer: GpdTransfer[];
}

export interface GpdTransfer {
  idTransfer: "1" | "2" | "3" | "4" | "5";
  amount: number;
  organizationFiscalCode?: string;
  remittanceInformation: string;
  category: string;
  iban?: string;
  /** GPD Stamp (@e.bollo): mutually exclusive with iban */
  stamp?: { hashDocument: string; stampType: string; provincialResidence: string };
}

export type RemoteStatus =
  | "DRAFT"
  | "PUBLISHED"
  | "VALID"
  | "INVALID"
  | "EXPIRED"
  | "PARTIALLY_PAID"
  | "PAID"
  | "REPORTED";

/** What the portal needs of a position read back (PaymentPositionModelBaseResponse). */
export interface RemotePosition {
  iupd: string;
  status: RemoteStatus;
  iuv: string;
  nav?: string;
  amount: number;
  paid: null | { receiptId: string; psp: string; paidAt: string; amount: number };
}

export interface CartNotice {
  noticeNumber: string;
  fiscalCode: string;
  amount: number;
  companyName: string;
  description: string;
}

export interface CartRequest {
  paymentNotices: CartNotice[];
  returnUrls: { returnOkUrl: string; returnCancelUrl: string; returnErrorUrl: string };
  idCart?: string;
  emailNotice?: string;
}

export class PaymentPortError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
    readonly timeout = false,
  ) {
    super(message);
    this.name = "PaymentPortError";
  }
}

export interface PaymentPort {
  /** createPosition with toPublish=true; an IUPD already there with the same IUV is the same position (idempotent). */
  createPosition(organizationFiscalCode: string, position: GpdPosition): Promise<RemotePosition>;
  getPosition(organizationFiscalCode: string, iupd: string): Promise<RemotePosition | null>;
  /** invalidatePosition; a position already paid answers with its paid state instead (the payment wins). */
  invalidatePosition(organizationFiscalCode: string, iupd: string): Promise<RemotePosition>;
  /** POST /carts: the checkout address to send the payer to (the 302's Location). */
  createCart(cart: CartRequest): Promise<string>;
}
