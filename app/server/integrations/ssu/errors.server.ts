/** The SSU's application errors (text/08_06, table of error codes), with their HTTP status. */
export const SSU_ERRORS = {
  ERROR_400_001: { status: 400, message: "incorrect request input" },
  ERROR_401_001: { status: 401, message: "PDND token not found" },
  ERROR_401_002: { status: 401, message: "Invalid PDND token" },
  ERROR_401_003: { status: 401, message: "AgID-JWT-Signature token not found" },
  ERROR_401_004: { status: 401, message: "invalid AgID-JWT-Signature token" },
  ERROR_404_001: { status: 404, message: "resource not found" },
  ERROR_412_001: { status: 412, message: "invalid hash" },
  ERROR_416_001: { status: 416, message: "invalid range requested" },
  ERROR_428_001: { status: 428, message: "hash not found" },
  ERROR_500_001: { status: 500, message: "invalid instance descriptor" },
  ERROR_500_002: { status: 500, message: "invalid cui" },
  ERROR_500_003: { status: 500, message: "invalid instance index" },
  ERROR_500_004: { status: 500, message: "invalid event" },
  ERROR_500_005: { status: 500, message: "invalid correction/integration list" },
  ERROR_500_006: { status: 500, message: "invalid times" },
  ERROR_500_007: { status: 500, message: "response processing error" },
  ERROR_500_008: { status: 500, message: "event not expected at process current state" },
  ERROR_500_009: { status: 500, message: "operation not expected at process current state" },
  ERROR_503_001: { status: 503, message: "operation unavailable" },
} as const;

export type SsuErrorCode = keyof typeof SSU_ERRORS;

/** An SSU error answered with its code (the inbound pipeline signs it and checks it against the OpenAPI). */
export class SsuFault extends Error {
  constructor(
    readonly code: SsuErrorCode,
    detail?: string,
  ) {
    super(detail ?? SSU_ERRORS[code].message);
  }
}

/** An answer of a served operation, before it is signed. */
export interface SsuAnswer {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}
