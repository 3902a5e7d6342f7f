import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from "pdf-lib";
import QRCode from "qrcode";
import { formatEuro, formatNoticeNumber, qrPayload } from "~/domain/payments/iuv";

/**
 * The avviso di pagamento pagoPA (the essentials of pagoPA's layout: creditor and debtor, amount, due date,
 * "Codice Avviso", creditor fiscal code, the QR code with PAGOPA|002|..., where to pay) and the receipt the
 * portal keeps as a document of the pratica. pdf-lib cannot tag PDFs: the HTML pages are the accessible record.
 */
export interface NoticeData {
  creditorName: string;
  creditorFiscalCode: string;
  debtorName: string;
  debtorFiscalCode: string;
  description: string;
  amountCents: number;
  dueDate: string; // YYYY-MM-DD
  noticeNumber: string;
  iuv: string;
  reference: string;
}

const BLUE = rgb(0, 0.4, 0.8);

function italian(date: string) {
  const [y, m, d] = date.slice(0, 10).split("-");
  return `${d}/${m}/${y}`;
}

function text(
  page: PDFPage,
  s: string,
  x: number,
  y: number,
  font: PDFFont,
  size = 10,
  color = rgb(0, 0, 0),
) {
  page.drawText(s, { x, y, font, size, color });
}

function wrap(s: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of s.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) > width && line) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

export async function renderNoticePdf(n: NoticeData): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`Avviso di pagamento ${n.noticeNumber}`);
  pdf.setAuthor(n.creditorName);
  pdf.setSubject(n.description);
  pdf.setLanguage("it-IT");
  const page = pdf.addPage([595.28, 841.89]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  let y = 790;
  text(page, "AVVISO DI PAGAMENTO", 40, y, bold, 18, BLUE);
  text(page, "pagoPA", 480, y, bold, 18, BLUE);
  y -= 24;
  for (const l of wrap(n.description, regular, 11, 515)) {
    text(page, l, 40, y, regular, 11);
    y -= 14;
  }
  y -= 16;
  text(page, "ENTE CREDITORE", 40, y, bold, 9, BLUE);
  text(page, "DESTINATARIO AVVISO", 310, y, bold, 9, BLUE);
  y -= 16;
  text(page, n.creditorName, 40, y, bold, 11);
  text(page, n.debtorName, 310, y, bold, 11);
  y -= 14;
  text(page, `Codice fiscale ${n.creditorFiscalCode}`, 40, y, regular, 10);
  text(page, `Codice fiscale ${n.debtorFiscalCode}`, 310, y, regular, 10);
  y -= 36;
  page.drawRectangle({ x: 40, y: y - 50, width: 515, height: 64, borderColor: BLUE, borderWidth: 1 });
  text(page, "QUANTO E QUANDO PAGARE?", 52, y, bold, 9, BLUE);
  y -= 24;
  text(page, `${formatEuro(n.amountCents)} Euro`, 52, y, bold, 18);
  text(page, `entro il ${italian(n.dueDate)}`, 260, y, bold, 14);
  y -= 18;
  text(
    page,
    "L'importo è aggiornato automaticamente dal sistema e potrebbe subire variazioni.",
    52,
    y,
    regular,
    8,
  );
  y -= 44;
  text(page, "DOVE PAGARE?", 40, y, bold, 9, BLUE);
  y -= 14;
  for (const l of wrap(
    "Sul sito o sull'app della tua banca o degli altri canali di pagamento (home banking, sportelli ATM, app di pagamento), presso banche, uffici postali, punti vendita SISAL, Lottomatica e Banca 5 e gli altri prestatori di servizi di pagamento (PSP) aderenti a pagoPA. Puoi pagare anche online dalla pagina della pratica sul portale SUAP.",
    regular,
    9,
    515,
  )) {
    text(page, l, 40, y, regular, 9);
    y -= 12;
  }
  y -= 24;
  text(page, "BANCHE E ALTRI CANALI", 40, y, bold, 9, BLUE);
  y -= 12;
  text(page, "Inquadra il codice QR con la tua app di pagamento o usa i dati riportati.", 40, y, regular, 9);
  const qrPng = await QRCode.toBuffer(qrPayload(n.noticeNumber, n.creditorFiscalCode, n.amountCents), {
    type: "png",
    errorCorrectionLevel: "M",
    margin: 2,
    scale: 6,
  });
  const qr = await pdf.embedPng(qrPng);
  page.drawImage(qr, { x: 40, y: y - 160, width: 150, height: 150 });
  const fx = 220;
  let fy = y - 24;
  const field = (label: string, value: string) => {
    text(page, label, fx, fy, regular, 9, BLUE);
    fy -= 14;
    text(page, value, fx, fy, bold, 12);
    fy -= 22;
  };
  field("Destinatario", n.debtorName);
  field("Ente Creditore", n.creditorName);
  field("Oggetto del pagamento", n.reference);
  field("Codice CBILL / Codice Avviso", formatNoticeNumber(n.noticeNumber));
  field("Cod. Fiscale Ente Creditore", n.creditorFiscalCode);
  field("Importo", `${formatEuro(n.amountCents)} Euro`);
  text(page, `IUV ${n.iuv}`, 40, 60, regular, 8);
  text(page, "Avviso generato dal portale SUAP secondo le specifiche pagoPA.", 40, 48, regular, 8);
  return pdf.save();
}

export interface ReceiptData {
  creditorName: string;
  creditorFiscalCode: string;
  debtorName: string;
  description: string;
  amountCents: number;
  noticeNumber: string;
  iuv: string;
  receiptId: string;
  psp: string;
  paidAt: string;
  reference: string;
}

export async function renderReceiptPdf(r: ReceiptData): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`Ricevuta di pagamento pagoPA ${r.receiptId}`);
  pdf.setLanguage("it-IT");
  const page = pdf.addPage([595.28, 841.89]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  let y = 790;
  text(page, "RICEVUTA DI PAGAMENTO pagoPA", 40, y, bold, 16, BLUE);
  y -= 30;
  const rows: [string, string][] = [
    ["Ente creditore", `${r.creditorName} (C.F. ${r.creditorFiscalCode})`],
    ["Pagatore", r.debtorName],
    ["Oggetto", r.description],
    ["Pratica", r.reference],
    ["Importo pagato", `${formatEuro(r.amountCents)} Euro`],
    ["Codice avviso", formatNoticeNumber(r.noticeNumber)],
    ["IUV", r.iuv],
    ["Identificativo ricevuta", r.receiptId],
    ["Prestatore (PSP)", r.psp],
    ["Data del pagamento", r.paidAt.replace("T", " ").slice(0, 19)],
  ];
  for (const [k, v] of rows) {
    text(page, k, 40, y, regular, 9, BLUE);
    for (const l of wrap(v, bold, 11, 360)) {
      text(page, l, 190, y, bold, 11);
      y -= 14;
    }
    y -= 8;
  }
  text(
    page,
    "Esito comunicato da pagoPA all'ente creditore; conservato tra i documenti della pratica.",
    40,
    y - 10,
    regular,
    8,
  );
  return pdf.save();
}
