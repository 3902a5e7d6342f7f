import QRCode from "qrcode";
import { totpUri } from "./totp.server";

/** The QR code of an otpauth:// URI as an inline SVG (no script, no external image: fine under the CSP). */
export async function totpQrSvg(secret: string, label: string): Promise<string> {
  return QRCode.toString(totpUri(secret, label), {
    type: "svg",
    margin: 1,
    width: 200,
    errorCorrectionLevel: "M",
  });
}
